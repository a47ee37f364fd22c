//go:build linux

package squid_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/internal/httppeer"
	"github.com/gssnego/gssnego/internal/squid"
	"github.com/gssnego/gssnego/internal/testrealm"
)

// TestCurlThroughSquid checks the setup with a client nobody here wrote:
// curl --proxy-negotiate gets a page through Squid; without a ticket, 407.
func TestCurlThroughSquid(t *testing.T) {
	r := testrealm.Start(t)
	p := squid.Start(t, r)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("origin page")) }))
	defer origin.Close()
	pu, _ := url.Parse(p.URL)
	res := httppeer.Curl(t, r.Env(), "--proxy-negotiate", "-U", ":", "-x", p.URL,
		"--resolve", "localhost:"+pu.Port()+":127.0.0.1", origin.URL)
	require.Equal(t, "200", res.Code, "%s\n%s\nsquid log:\n%s", res.Headers, res.Body, p.Log())
	assert.Equal(t, "origin page", res.Body)
	// curl -U : sends its token with the first request (no 407 first), and
	// Squid 5.7 forwards no final token: the helper's "OK token=…" stays in
	// Squid, so a client cannot verify the proxy (no mutual authentication).
	assert.NotRegexp(t, `(?mi)^Proxy-Authenticate:`, res.Headers)
	assert.Contains(t, res.Body+p.AccessLog, "origin page")

	res = httppeer.Curl(t, append(r.Env(), "KRB5CCNAME=FILE:"+filepath.Join(t.TempDir(), "none")),
		"--proxy-negotiate", "-U", ":", "-x", p.URL, "--resolve", "localhost:"+pu.Port()+":127.0.0.1", origin.URL)
	assert.Equal(t, "407", res.Code)
}
