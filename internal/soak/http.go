//go:build linux

package soak

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
)

// HTTPServer is negotiate/httpauth's middleware on a loopback port, with
// ConnectionAuth on so keep-alive clients authenticate once per connection.
type HTTPServer struct {
	URL  string // http://localhost:PORT/ (the SPN is HTTP@localhost)
	Addr string // 127.0.0.1:PORT
	Auth *httpauth.Server
	hs   *http.Server
	done chan struct{}
}

// StartHTTP starts the server; Close stops it.
func StartHTTP(p gss.Provider) (*HTTPServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	a := &httpauth.Server{Config: negotiate.Config{Provider: p}, ConnectionAuth: true}
	hs := &http.Server{
		Handler: a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, httpauth.Principal(r)+"\n")
		})),
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       30 * time.Second,
	}
	a.Install(hs)
	s := &HTTPServer{URL: "http://localhost:" + portOf(ln) + "/", Addr: ln.Addr().String(), Auth: a, hs: hs, done: make(chan struct{})}
	go func() { _ = hs.Serve(ln); close(s.done) }()
	return s, nil
}

// Close stops the server and its connections.
func (s *HTTPServer) Close() {
	_ = s.hs.Close()
	<-s.done
}

func portOf(ln net.Listener) string {
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// Request kinds of the HTTP phase; client i runs kinds[i%4].
var kinds = []string{"fresh", "keep-alive", "multi-leg", "garbage"}

// HTTPResult is what one half of the HTTP phase did.
type HTTPResult struct {
	Requests int
	Errors   int
	ByStatus map[string]int // "kind status" → count
	FirstErr error
	Lat      Latencies
}

// LoadHTTP runs clients goroutines against s for d. Kinds:
//
//	fresh       a new connection per request, the AP-REQ sent up front
//	            (Transport.Preemptive): 200 with the server's AP-REP, which
//	            the client verifies
//	keep-alive  one connection per client, authenticated once (401, token,
//	            200), then requests without a token (ConnectionAuth)
//	multi-leg   no optimistic token: NegTokenInit, accept-incomplete, the
//	            AP-REQ, then 200 with the acceptor's MIC; the server holds
//	            the exchange between legs (its pending table)
//	garbage     raw requests whose Authorization header is random bytes,
//	            not base64, a truncated real token or an oversized one: 400
//	            or 401, never anything else, never a hang
func LoadHTTP(p gss.Provider, s *HTTPServer, clients int, d time.Duration) HTTPResult {
	var (
		mu   sync.Mutex
		res  = HTTPResult{ByStatus: map[string]int{}, Lat: Latencies{}}
		wg   sync.WaitGroup
		errs atomic.Int64
	)
	deadline := time.Now().Add(d)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			kind := kinds[i%len(kinds)]
			c := newClient(p, s, kind)
			defer c.close()
			lat := Latencies{}
			status := map[string]int{}
			var first error
			n := 0
			for time.Now().Before(deadline) {
				t0 := time.Now()
				code, err := c.do()
				n++
				if err != nil {
					errs.Add(1)
					if first == nil {
						first = fmt.Errorf("%s: %w", kind, err)
					}
					continue
				}
				lat[kind] = append(lat[kind], time.Since(t0))
				status[fmt.Sprintf("%s %d", kind, code)]++
			}
			mu.Lock()
			defer mu.Unlock()
			res.Requests += n
			res.Lat.Merge(lat)
			for k, v := range status {
				res.ByStatus[k] += v
			}
			if res.FirstErr == nil {
				res.FirstErr = first
			}
		}()
	}
	wg.Wait()
	res.Errors = int(errs.Load())
	return res
}

// client is one load goroutine's HTTP client.
type client struct {
	kind string
	s    *HTTPServer
	base *http.Transport
	http *http.Client
	tok  []byte // garbage: a real NegTokenInit to truncate
	n    int
}

func newClient(p gss.Provider, s *HTTPServer, kind string) *client {
	c := &client{kind: kind, s: s}
	c.base = &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, s.Addr)
		},
		MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1,
		DisableKeepAlives: kind == "fresh",
	}
	t := &httpauth.Transport{Base: c.base, Config: negotiate.Config{Provider: p}}
	switch kind {
	case "fresh":
		t.Preemptive, t.Affinity = true, httpauth.AffinityBase
	case "keep-alive":
		t.Affinity = httpauth.AffinityBase
	case "multi-leg":
		t.Config.NoOptimisticToken = true // AffinityPinned: the legs share a private connection
	case "garbage":
		if n, err := p.ImportName("HTTP@localhost", gss.NameHostBasedService); err == nil {
			if nc, err := negotiate.NewClient(n, negotiate.Config{Provider: p}); err == nil {
				c.tok, _ = nc.Continue(nil)
				nc.Close()
			}
			n.Release()
		}
	}
	c.http = &http.Client{Transport: t, Timeout: time.Minute}
	return c
}

func (c *client) close() { c.base.CloseIdleConnections() }

// do makes one request and checks its outcome; it returns the status.
func (c *client) do() (int, error) {
	if c.kind == "garbage" {
		return c.garbage()
	}
	resp, err := c.http.Get(c.s.URL)
	if err != nil {
		return 0, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), "alice@") {
		return resp.StatusCode, fmt.Errorf("status %d, body %.80q", resp.StatusCode, body)
	}
	return resp.StatusCode, nil
}

// garbage sends one request with a broken Authorization header on its own
// connection and wants 400 or 401.
func (c *client) garbage() (int, error) {
	c.n++
	var auth string
	switch c.n % 4 {
	case 0:
		b := make([]byte, 1+c.n%300)
		rand.Read(b)
		auth = "Negotiate " + base64.StdEncoding.EncodeToString(b)
	case 1:
		auth = "Negotiate !!not*base64!!"
	case 2:
		if len(c.tok) > 0 {
			auth = "Negotiate " + base64.StdEncoding.EncodeToString(c.tok[:1+c.n%len(c.tok)/2])
		} else {
			auth = "Negotiate YIIB"
		}
	case 3:
		auth = "Negotiate " + strings.Repeat("A", 128<<10)
	}
	conn, err := net.DialTimeout("tcp", c.s.Addr, 10*time.Second)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Minute)) // hang guard
	if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nAuthorization: "+auth+"\r\n\r\n"); err != nil {
		return 0, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusRequestHeaderFieldsTooLarge:
		return resp.StatusCode, nil
	}
	return resp.StatusCode, fmt.Errorf("garbage header (case %d) answered %d", c.n%4, resp.StatusCode)
}
