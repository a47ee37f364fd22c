package forward

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"
)

// FuzzParseTarget: any request a tool (or anything on the allowed
// networks) sends is parsed by net/http and then by ParseTarget without a
// panic, and what ParseTarget accepts is dialable: an http URL or a CONNECT
// authority with a host and a port in range, no user info.
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{
		"GET http://vm:42431/curl HTTP/1.1\r\nHost: vm:42431\r\nUser-Agent: curl/7.88.1\r\nProxy-Connection: Keep-Alive\r\n\r\n",
		"CONNECT vm:41979 HTTP/1.1\r\nHost: vm:41979\r\nUser-Agent: curl/7.88.1\r\n\r\n",
		"POST http://vm:33809/repo.git/git-upload-pack HTTP/1.1\r\nHost: vm:33809\r\nContent-Type: application/x-git-upload-pack-request\r\nContent-Length: 4\r\n\r\n0000",
		"CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET https://a/ HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET http://u:p@a/ HTTP/1.1\r\nHost: a\r\n\r\n",
		"CONNECT a:99999 HTTP/1.1\r\nHost: a\r\n\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil {
			return
		}
		tg, err := ParseTarget(req.Method, req.RequestURI, req.Host)
		if err != nil {
			return
		}
		host, port, err := net.SplitHostPort(tg.Addr)
		if err != nil || host == "" || port == "" || port == "0" {
			t.Fatalf("%q accepted with address %q", raw, tg.Addr)
		}
		if tg.URL.User != nil || (tg.URL.Scheme != "http" && !tg.Connect) {
			t.Fatalf("%q accepted as %v", raw, tg.URL)
		}
		out := outgoing(req, tg, true)
		for _, h := range hopHeaders {
			if out.Header.Get(h) != "" {
				t.Fatalf("%q: hop-by-hop %s passed on", raw, h)
			}
		}
		_ = tg.String()
	})
}
