package pacfile

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// corpPAC is the shape corporate PAC files have: plain names and the
// intranet DIRECT, everything else through two proxies with failover.
const corpPAC = `
function FindProxyForURL(url, host) {
  if (isPlainHostName(host) || dnsDomainIs(host, ".intranet.test") || localHostOrDomainIs(host, "wiki.corp.test"))
    return "DIRECT";
  if (isInNet(dnsResolve(host), "10.0.0.0", "255.0.0.0"))
    return "DIRECT";
  if (shExpMatch(url, "http://*.cdn.test/*"))
    return "PROXY cdnproxy.test:3128";
  if (dnsDomainLevels(host) > 4) return "PROXY deep.test:8080";
  if (weekdayRange("SAT", "SUN", "GMT")) return "PROXY weekend.test:8080; DIRECT";
  return "PROXY p1.test:8080; PROXY p2.test:8080";
}`

func fakeDNS(ctx context.Context, host string) ([]net.IP, error) {
	switch host {
	case "ten.example.test":
		return []net.IP{net.ParseIP("10.1.2.3")}, nil
	case "slow.test":
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return nil, errors.New("no such host")
}

// monday is a Monday noon.
var monday = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

func newPAC(t testing.TB, script string) *PAC {
	t.Helper()
	p, err := New(script, Options{LookupIP: fakeDNS, Now: func() time.Time { return monday }, Timeout: 300 * time.Millisecond,
		MyIP: func() net.IP { return net.ParseIP("10.9.8.7") }})
	require.NoError(t, err)
	return p
}

func route(t *testing.T, p *PAC, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	res, err := p.FindProxy(u)
	require.NoError(t, err)
	return res
}

func TestFindProxy(t *testing.T) {
	p := newPAC(t, corpPAC)
	for u, want := range map[string]string{
		"http://build/x":                     "DIRECT",
		"http://git.intranet.test/x":         "DIRECT",
		"http://wiki/":                       "DIRECT",
		"http://wiki.corp.test/":             "DIRECT",
		"https://ten.example.test:8443/path": "DIRECT",
		"http://a.cdn.test/lib.js":           "PROXY cdnproxy.test:3128",
		"http://a.b.c.d.deep.test/":          "PROXY deep.test:8080",
		"https://proxy.golang.org/":          "PROXY p1.test:8080; PROXY p2.test:8080",
	} {
		assert.Equal(t, want, route(t, p, u), u)
	}
	hops, err := p.Route(context.Background(), &url.URL{Scheme: "https", Host: "pypi.org:443"})
	require.NoError(t, err)
	require.Len(t, hops, 2)
	assert.Equal(t, "http://p1.test:8080", hops[0].String())
	assert.Equal(t, "http://p2.test:8080", hops[1].String())
}

// TestLoopInterrupted: a script that loops is stopped at the timeout, and
// the runtime serves the next evaluation.
func TestLoopInterrupted(t *testing.T) {
	p := newPAC(t, `function FindProxyForURL(url, host) {
	  if (host == "loop.test") { while (true) {} }
	  return "DIRECT"; }`)
	start := time.Now()
	_, err := p.FindProxy(&url.URL{Scheme: "http", Host: "loop.test"})
	assert.ErrorIs(t, err, ErrTimeout)
	assert.Less(t, time.Since(start), 3*time.Second)
	assert.Equal(t, "DIRECT", route(t, p, "http://ok.test/"))

	// A top level that loops fails New instead of hanging.
	_, err = New(`while(true){}`, Options{Timeout: 100 * time.Millisecond})
	assert.ErrorIs(t, err, ErrTimeout)
}

// TestSlowDNSBounded: a lookup that never answers ends with the
// evaluation's deadline.
func TestSlowDNSBounded(t *testing.T) {
	p := newPAC(t, `function FindProxyForURL(url, host) { return isResolvable(host) ? "PROXY p:1" : "DIRECT"; }`)
	start := time.Now()
	assert.Equal(t, "DIRECT", route(t, p, "http://slow.test/"))
	assert.Less(t, time.Since(start), 2*time.Second)
}

func TestFindProxyForURLEx(t *testing.T) {
	p := newPAC(t, `function FindProxyForURL(u, h) { return "PROXY old:1"; }
	function FindProxyForURLEx(u, h) { return isInNetEx(myIpAddressEx(), "10.0.0.0/8") ? "PROXY ex:1" : "DIRECT"; }`)
	assert.Equal(t, "PROXY ex:1", route(t, p, "http://x.test/"))
}

func TestCached(t *testing.T) {
	p := newPAC(t, `var n = 0; function FindProxyForURL(u, h) { n++; return "PROXY p" + n + ":1"; }`)
	assert.Equal(t, "PROXY p1:1", route(t, p, "http://x.test/"))
	assert.Equal(t, "PROXY p1:1", route(t, p, "http://x.test/"), "cached")
	assert.Equal(t, "PROXY p2:1", route(t, p, "http://y.test/"))
}

func TestParseResult(t *testing.T) {
	hops, err := ParseResult("PROXY a.test:8080; SOCKS5 s:1080;HTTPS h:443; HTTP b.test; DIRECT")
	require.NoError(t, err)
	require.Len(t, hops, 3)
	assert.Equal(t, "http://a.test:8080", hops[0].String())
	assert.Equal(t, "http://b.test:80", hops[1].String())
	assert.Nil(t, hops[2])
	_, err = ParseResult("SOCKS s:1080")
	assert.ErrorContains(t, err, "no usable route")
	_, err = ParseResult("PROXY a@b:1")
	assert.Error(t, err)
	hops, err = ParseResult("  ")
	require.NoError(t, err)
	assert.Equal(t, 1, len(hops))
}

func TestShExpMatch(t *testing.T) {
	for _, c := range []struct {
		s, p string
		want bool
	}{
		{"http://home.netscape.com/people/ari/index.html", "*/ari/*", true},
		{"http://home.netscape.com/people/montulli/index.html", "*/ari/*", false},
		{"abc", "a?c", true}, {"abc", "a*", true}, {"abc", "*d", false}, {"", "*", true}, {"a", "", false},
		{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", "*a*a*a*a*a*a*a*a*c", false},
		{"*0", "*0*", true}, // the fuzz finding: a literal '*' in the string
		{"a*c", "a?c", true}, {"a*c", "a\\*c", false},
	} {
		assert.Equal(t, c.want, ShExpMatch(c.s, c.p), "%q %q", c.s, c.p)
	}
}

func TestTimeFunctions(t *testing.T) {
	now := time.Date(2026, 3, 15, 10, 30, 0, 0, time.UTC) // a Sunday
	assert.True(t, weekdayRange(now, []string{"SUN", "GMT"}))
	assert.True(t, weekdayRange(now, []string{"FRI", "MON", "GMT"}), "wraps")
	assert.False(t, weekdayRange(now, []string{"MON", "FRI", "GMT"}))
	assert.True(t, dateRange(now, []string{"15", "GMT"}))
	assert.True(t, dateRange(now, []string{"MAR", "GMT"}))
	assert.True(t, dateRange(now, []string{"2026", "GMT"}))
	assert.True(t, dateRange(now, []string{"NOV", "MAR", "GMT"}), "wraps")
	assert.True(t, dateRange(now, []string{"1", "MAR", "31", "MAR", "GMT"}))
	assert.True(t, dateRange(now, []string{"1", "JAN", "2026", "31", "DEC", "2026", "GMT"}))
	assert.False(t, dateRange(now, []string{"1", "JAN", "2025", "31", "DEC", "2025", "GMT"}))
	assert.False(t, dateRange(now, []string{"FOO", "GMT"}))
	assert.True(t, timeRange(now, []string{"10", "GMT"}))
	assert.True(t, timeRange(now, []string{"9", "17", "GMT"}))
	assert.False(t, timeRange(now, []string{"17", "9", "GMT"}))
	assert.True(t, timeRange(now, []string{"22", "11", "GMT"}), "wraps past midnight")
	assert.True(t, timeRange(now, []string{"10", "30", "0", "10", "31", "0", "GMT"}))
	assert.False(t, timeRange(now, []string{"x", "GMT"}))
}

func TestNoFunction(t *testing.T) {
	_, err := New(`var x = 1;`, Options{})
	assert.ErrorContains(t, err, "no FindProxyForURL")
	_, err = New(`function (`, Options{})
	assert.Error(t, err)
	p := newPAC(t, `function FindProxyForURL(u, h) { throw new Error("boom " + h); }`)
	_, err = p.FindProxy(&url.URL{Scheme: "http", Host: "x"})
	assert.True(t, err != nil && strings.Contains(err.Error(), "boom x"), "%v", err)
}
