//go:build linux

package httpauth_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/internal/squid"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
)

// viaProxy is our Transport sending everything through proxyURL, dialling
// 127.0.0.1 for "localhost", trusting origin's certificate.
func viaProxy(t *testing.T, proxyURL string, origin *httptest.Server, cfg func(*httpauth.Transport)) *http.Client {
	_, p := labRealm(t)
	pu, err := url.Parse(proxyURL)
	require.NoError(t, err)
	base := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		_, port, _ := net.SplitHostPort(addr)
		return (&net.Dialer{}).DialContext(ctx, network, "127.0.0.1:"+port)
	}}
	if origin != nil && origin.TLS != nil {
		base.TLSClientConfig = &tls.Config{RootCAs: origin.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}
	}
	tr := &httpauth.Transport{Config: negotiate.Config{Provider: p}, Base: base, Proxy: http.ProxyURL(pu)}
	if cfg != nil {
		cfg(tr)
	}
	return &http.Client{Transport: tr}
}

func fetch(t *testing.T, c *http.Client, u string) (*http.Response, string, error) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b), nil
}

// TestInteropSquidProxy: our Transport through Squid 5.7 with
// negotiate_kerberos_auth: a plain-http page (407, then the request again
// with Proxy-Authorization) and an https page (CONNECT answered with a
// 407, then CONNECT again with the token, then TLS to the origin).
func TestInteropSquidProxy(t *testing.T) {
	r, _ := labRealm(t)
	sq := squid.Start(t, r)
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "origin page") })
	plain := httptest.NewServer(page)
	defer plain.Close()
	secure := httptest.NewTLSServer(page)
	defer secure.Close()

	for _, origin := range []*httptest.Server{plain, secure} {
		t.Run(strings.SplitN(origin.URL, ":", 2)[0], func(t *testing.T) {
			resp, body, err := fetch(t, viaProxy(t, sq.URL, origin, nil), origin.URL+"/page")
			require.NoError(t, err, "squid log:\n%s", sq.Log())
			require.Equal(t, http.StatusOK, resp.StatusCode, body)
			assert.Equal(t, "origin page", body)
			res := httpauth.ResultOf(resp)
			require.NotNil(t, res, "the proxy exchange is recorded")
			require.NotNil(t, res.Proxy)
			assert.Equal(t, "HTTP@localhost", res.Proxy.Target)
			assert.Equal(t, 1, res.Proxy.Legs, "Kerberos with the optimistic token")
			assert.False(t, res.Proxy.Mutual, "Squid 5.7 sends no final token: the proxy is not proven")
			assert.NoError(t, res.Proxy.Err)
			assert.Empty(t, res.Target, "the origin asked for nothing")
		})
	}

	t.Run("RequireMutual", func(t *testing.T) {
		_, _, err := fetch(t, viaProxy(t, sq.URL, secure, func(tr *httpauth.Transport) { tr.ProxyRequireMutual = true }), secure.URL)
		require.Error(t, err)
		assert.ErrorIs(t, err, httpauth.ErrMutualAuthMissing)
	})

	t.Run("CLI", func(t *testing.T) {
		out, code := runCLI(t, r, "http-get", "-proxy", sq.URL, "-resolve", "localhost:"+strings.Split(sq.Addr, ":")[1]+":127.0.0.1", plain.URL)
		t.Log(out)
		// The origin asks for nothing, so http-get warns and exits 0; the
		// proxy exchange is printed first.
		assert.Equal(t, 0, code, out)
		assert.Contains(t, out, "--- proxy: target HTTP@localhost, 1 token leg(s), proxy identity NOT proven")
		assert.Contains(t, out, "origin page")
	})

	t.Run("NoTicket", func(t *testing.T) {
		t.Setenv("KRB5CCNAME", "FILE:"+filepath.Join(t.TempDir(), "none"))
		resp, _, err := fetch(t, viaProxy(t, sq.URL, plain, nil), plain.URL)
		require.Error(t, err, "no credentials: the context cannot start")
		assert.Nil(t, resp)
		t.Logf("http: %v", err)
		_, _, err = fetch(t, viaProxy(t, sq.URL, secure, nil), secure.URL)
		require.Error(t, err)
		t.Logf("https: %v", err)
		assert.Contains(t, err.Error(), "CONNECT")
	})
}

// TestInteropSquidProxyAndOrigin: one request authenticates to Squid and
// to the origin (our middleware): through CONNECT to an https origin and
// through the proxy to an http one. Result.Proxy is the proxy's exchange,
// the Result itself the origin's, mutual authentication proven there.
func TestInteropSquidProxyAndOrigin(t *testing.T) {
	r, p := labRealm(t)
	sq := squid.Start(t, r)
	s := &httpauth.Server{Config: negotiate.Config{Provider: p}}
	h := s.Middleware(whoami)
	plain := httptest.NewUnstartedServer(h)
	s.Install(plain.Config)
	plain.Start()
	defer plain.Close()
	secure := httptest.NewUnstartedServer(h)
	s.Install(secure.Config)
	secure.StartTLS()
	defer secure.Close()
	for _, origin := range []*httptest.Server{plain, secure} {
		t.Run(strings.SplitN(origin.URL, ":", 2)[0], func(t *testing.T) {
			u, _ := url.Parse(origin.URL)
			c := viaProxy(t, sq.URL, origin, func(tr *httpauth.Transport) { tr.SPN = "HTTP@localhost" })
			resp, body, err := fetch(t, c, u.Scheme+"://"+u.Host+"/")
			require.NoError(t, err, "squid log:\n%s", sq.Log())
			require.Equal(t, http.StatusOK, resp.StatusCode, body)
			assert.Equal(t, "alice@"+testrealm.Name, strings.TrimSpace(body))
			res := httpauth.ResultOf(resp)
			require.NotNil(t, res)
			assert.True(t, res.Mutual, "the origin proved itself")
			require.NotNil(t, res.Proxy, "and the proxy exchange happened")
			assert.Equal(t, 1, res.Proxy.Legs)
		})
	}
}

// TestInteropSquidProxyMultiLeg: no optimistic token, so the proxy
// exchange takes two legs on one connection: the NegTokenInit gets a 407
// whose continuation token Squid writes as "Negotiate token=<base64>"
// (read as a quirk), the AP-REQ gets the 200. Squid forwards no final
// token, so the mechListMICs the windows profile makes due after an extra
// leg can never be exchanged: the proxy exchange stays incomplete and
// unproven, which Result.Proxy reports.
func TestInteropSquidProxyMultiLeg(t *testing.T) {
	r, _ := labRealm(t)
	sq := squid.Start(t, r)
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "origin page") })
	for _, origin := range []*httptest.Server{httptest.NewServer(page), httptest.NewTLSServer(page)} {
		defer origin.Close()
		t.Run(strings.SplitN(origin.URL, ":", 2)[0], func(t *testing.T) {
			c := viaProxy(t, sq.URL, origin, func(tr *httpauth.Transport) { tr.Config.NoOptimisticToken = true })
			resp, body, err := fetch(t, c, origin.URL)
			require.NoError(t, err, "squid log:\n%s", sq.Log())
			require.Equal(t, http.StatusOK, resp.StatusCode, body)
			res := httpauth.ResultOf(resp)
			require.NotNil(t, res)
			require.NotNil(t, res.Proxy)
			t.Logf("legs %d, mutual %v, verdict %s (%s)", res.Proxy.Legs, res.Proxy.Mutual,
				res.Proxy.Transcript.Verdict.Result, res.Proxy.Transcript.Verdict.Reason)
			assert.Equal(t, 2, res.Proxy.Legs)
			assert.False(t, res.Proxy.Mutual)
			assert.Equal(t, negotiate.ResultIncomplete, res.Proxy.Transcript.Verdict.Result)
		})
	}
}

// fakeProxy answers every request with answer(conn, request line); it is
// for the malformed cases only (garbage tokens, a proxy that hangs up).
func fakeProxy(t *testing.T, answer func(c net.Conn, n int)) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for n := 0; ; n++ {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					io.Copy(io.Discard, req.Body)
					answer(c, n)
				}
			}()
		}
	}()
	return "http://localhost:" + strings.Split(l.Addr().String(), ":")[1]
}

// TestProxyMalformed: a garbage Proxy-Authenticate token and a proxy that
// closes the connection mid-exchange give typed errors, never a hang.
func TestProxyMalformed(t *testing.T) {
	labRealm(t)
	cases := map[string]struct {
		answer func(c net.Conn, n int)
		want   error
	}{
		"garbage token": {func(c net.Conn, n int) {
			io.WriteString(c, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Negotiate !!!not-base64\r\nContent-Length: 0\r\n\r\n")
		}, httpauth.ErrProtocol},
		"hang up after the token": {func(c net.Conn, n int) {
			if n == 0 {
				io.WriteString(c, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Negotiate\r\nContent-Length: 0\r\n\r\n")
				return
			}
			c.Close()
		}, io.ErrUnexpectedEOF},
		"refuses the token": {func(c net.Conn, n int) {
			io.WriteString(c, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Negotiate\r\nContent-Length: 0\r\n\r\n")
		}, httpauth.ErrProxyRefused},
		"forbidden": {func(c net.Conn, n int) {
			io.WriteString(c, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
		}, httpauth.ErrProxyRefused},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			px := fakeProxy(t, tc.answer)
			_, _, err := fetch(t, viaProxy(t, px, nil, nil), "https://127.0.0.1:1/")
			require.Error(t, err)
			if tc.want != nil {
				assert.ErrorIs(t, err, tc.want)
			}
			assert.Contains(t, err.Error(), "httpauth: CONNECT 127.0.0.1:1 through localhost:")
			t.Log(err)
		})
	}
}
