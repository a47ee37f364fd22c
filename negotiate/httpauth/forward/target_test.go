package forward

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseTarget(t *testing.T) {
	for _, c := range []struct{ method, uri, host, want, err string }{
		{"GET", "http://example.test/a?b", "example.test", "http://example.test/a?b", ""},
		{"GET", "http://example.test:8080/", "", "http://example.test:8080/", ""},
		{"CONNECT", "example.test:443", "example.test:443", "example.test:443", ""},
		{"CONNECT", "[::1]:443", "", "[::1]:443", ""},
		{"GET", "/", "x", "", "absolute form"},
		{"GET", "https://example.test/", "", "", "CONNECT"},
		{"GET", "ftp://example.test/", "", "", "only http"},
		{"GET", "http://user:pw@example.test/", "", "", "user info"},
		{"CONNECT", "example.test", "example.test", "", "CONNECT target"},
		{"CONNECT", "example.test:0", "", "", "bad port"},
		{"CONNECT", "exa mple:443", "", "", "bad host"},
	} {
		tg, err := ParseTarget(c.method, c.uri, c.host)
		if c.err != "" {
			assert.ErrorContains(t, err, c.err, "%s %s", c.method, c.uri)
			continue
		}
		require.NoError(t, err, "%s %s", c.method, c.uri)
		assert.Equal(t, c.want, tg.String())
	}
}

func TestAllowed(t *testing.T) {
	p := &Proxy{allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	assert.True(t, p.allowed("127.0.0.1:5000"))
	assert.True(t, p.allowed("[::1]:5000"))
	assert.True(t, p.allowed("[::ffff:127.0.0.1]:5000"))
	assert.True(t, p.allowed("10.1.2.3:5000"))
	assert.False(t, p.allowed("192.0.2.2:5000"))
	assert.False(t, p.allowed("garbage"))
}
