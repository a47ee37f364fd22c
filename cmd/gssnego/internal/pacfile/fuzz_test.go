package pacfile

import (
	"net/url"
	"testing"
)

// FuzzFindProxy feeds tool-chosen URLs and hosts (what reaches the script
// from the network) to a script that calls every PAC function with them:
// no panic, no hang past the timeout.
func FuzzFindProxy(f *testing.F) {
	for _, s := range []string{"http://build/x", "https://ten.example.test:8443/", "http://a.cdn.test/lib.js",
		"http://[::1]:80/", "http://a..b/", "http://%41/", "http://x/" + string(make([]byte, 300))} {
		f.Add(s)
	}
	p := newPAC(f, corpPAC+`
function FindProxyForURLEx(url, host) {
  var r = FindProxyForURL(url, host);
  shExpMatch(host, url); dnsDomainIs(url, host); localHostOrDomainIs(url, host);
  isInNet(host, host, host); isInNetEx(host, url); dnsResolveEx(host); isResolvableEx(host);
  weekdayRange(host, url); dateRange(host, url, host, url); timeRange(host, url, "GMT");
  return r;
}`)
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		if res, err := p.FindProxy(u); err == nil {
			ParseResult(res)
		}
	})
}

// FuzzParseResult: any script answer is parsed without panic, and every
// proxy it yields is an http URL with a host and a port.
func FuzzParseResult(f *testing.F) {
	for _, s := range []string{"PROXY a.test:8080; DIRECT", "SOCKS5 s:1", "HTTP [::1]:3128", "PROXY :0", "DIRECT;;", "proxy A:99999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		hops, err := ParseResult(s)
		if err != nil {
			return
		}
		for _, h := range hops {
			if h != nil && (h.Scheme != "http" || h.Hostname() == "" || h.Port() == "") {
				t.Fatalf("%q gave %v", s, h)
			}
		}
	})
}

// FuzzShExpMatch: no panic, and '*' alone matches everything.
func FuzzShExpMatch(f *testing.F) {
	f.Add("http://home.netscape.com/people/ari/index.html", "*/ari/*")
	f.Add("aaaaaaaaaaaaaaaaab", "*a*a*a*a*c")
	f.Fuzz(func(t *testing.T, s, pattern string) {
		ShExpMatch(s, pattern)
		if !ShExpMatch(s, "*") || !ShExpMatch(s, s+"*") {
			t.Fatalf("%q", s)
		}
	})
}
