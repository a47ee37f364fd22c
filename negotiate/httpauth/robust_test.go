//go:build linux

package httpauth_test

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/gss/tlsbinding"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
)

// firstToken makes a real NegTokenInit (with or without the optimistic
// AP-REQ) for HTTP@localhost.
func firstToken(t *testing.T, p gss.Provider, noOptimistic bool) []byte {
	t.Helper()
	n, err := p.ImportName("HTTP@localhost", gss.NameHostBasedService)
	require.NoError(t, err)
	defer n.Release()
	c, err := negotiate.NewClient(n, negotiate.Config{Provider: p, NoOptimisticToken: noOptimistic})
	require.NoError(t, err)
	defer c.Close()
	tok, err := c.Continue(nil)
	require.NoError(t, err)
	return tok
}

// rawRequest sends one request with the given Authorization value on conn
// and returns the response.
func rawRequest(t *testing.T, conn net.Conn, br *bufio.Reader, auth string) *http.Response {
	t.Helper()
	req := "GET / HTTP/1.1\r\nHost: localhost\r\n"
	if auth != "" {
		req += "Authorization: " + auth + "\r\n"
	}
	_, err := io.WriteString(conn, req+"\r\n")
	require.NoError(t, err)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// TestServerBadTokens: garbage, random, truncated and oversized tokens get
// 400 (header syntax) or 401 with a reject token (authentication failed,
// no fresh challenge to loop on); the server stays up, holds nothing, and
// then authenticates a good client.
func TestServerBadTokens(t *testing.T) {
	r, p := labRealm(t)
	_ = r
	var logged []error
	s := &httpauth.Server{Config: negotiate.Config{Provider: p}, MaxTokenBytes: 16 << 10,
		ErrorLog: func(_ *http.Request, err error) { logged = append(logged, err) }}
	ts := serve(t, s, whoami)
	good := firstToken(t, p, false)
	random := make([]byte, 300)
	rand.Read(random)
	b64 := base64.StdEncoding.EncodeToString
	const reject = "Negotiate oQcwBaADCgEC" // a1 07 30 05 a0 03 0a 01 02
	cases := []struct {
		name      string
		auth      string
		code      int
		challenge string // expected WWW-Authenticate, "" for none
	}{
		{"NoHeader", "", 401, "Negotiate"},
		{"OtherScheme", "Basic YWxpY2U6eA==", 401, "Negotiate"},
		{"EmptyToken", "Negotiate", 400, ""},
		{"GarbageBase64", "Negotiate !!!not base64***", 400, ""},
		{"RandomBytes", "Negotiate " + b64(random), 401, reject},
		{"RandomFramed", "Negotiate " + b64(append([]byte{0x60}, random...)), 401, reject},
		{"TruncatedSPNEGO", "Negotiate " + b64(good[:len(good)/2]), 401, reject},
		{"ResponseWithoutExchange", "Negotiate " + b64(rejectLike()), 401, reject},
		{"Oversized", "Negotiate " + strings.Repeat("A", 20<<10), 400, ""},
		{"HugeDeclaredLength", "Negotiate " + b64([]byte{0x60, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x06}), 401, reject},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", ts.URL, nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			assert.Equal(t, tc.code, resp.StatusCode)
			assert.Equal(t, tc.challenge, resp.Header.Get("WWW-Authenticate"))
			assert.Equal(t, 0, s.Pending())
		})
	}
	t.Run("TwoHeaders", func(t *testing.T) {
		conn, err := net.Dial("tcp", ts.Listener.Addr().String())
		require.NoError(t, err)
		defer conn.Close()
		_, err = io.WriteString(conn, "GET / HTTP/1.1\r\nHost: localhost\r\nAuthorization: Negotiate YQ==\r\nAuthorization: Negotiate YQ==\r\n\r\n")
		require.NoError(t, err)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		require.NoError(t, err)
		assert.Equal(t, 400, resp.StatusCode)
	})
	assert.NotEmpty(t, logged, "failures reach ErrorLog")

	// Still serving.
	tr := &httpauth.Transport{Config: negotiate.Config{Provider: p}}
	resp, body, err := get(t, tr, urlFor(ts, "localhost"))
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "alice@"+testrealm.Name, body)
}

// rejectLike is a well-formed NegTokenResp (accept-incomplete): a
// continuation token sent when no exchange is in progress.
func rejectLike() []byte { return []byte{0xa1, 0x07, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x01} }

// TestServerIncompleteExchanges: clients that start a multi-leg exchange
// (NegTokenInit without a mechanism token) and never finish. Each holds one
// context until its connection closes or PendingTimeout passes; beyond
// MaxPending new multi-leg exchanges get 503, while single-leg Kerberos
// still works.
func TestServerIncompleteExchanges(t *testing.T) {
	_, p := labRealm(t)
	s := &httpauth.Server{Config: negotiate.Config{Provider: p}, MaxPending: 4, PendingTimeout: 500 * time.Millisecond}
	ts := serve(t, s, whoami)
	init := "Negotiate " + base64.StdEncoding.EncodeToString(firstToken(t, p, true))

	var conns []net.Conn
	for i := range 6 {
		conn, err := net.Dial("tcp", ts.Listener.Addr().String())
		require.NoError(t, err)
		conns = append(conns, conn)
		resp := rawRequest(t, conn, bufio.NewReader(conn), init)
		if i < 4 {
			assert.Equal(t, 401, resp.StatusCode)
			assert.True(t, strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Negotiate o"), "NegTokenResp accept-incomplete")
		} else {
			assert.Equal(t, 503, resp.StatusCode, "limit reached")
			assert.Equal(t, "1", resp.Header.Get("Retry-After"))
		}
	}
	assert.Equal(t, 4, s.Pending())

	// Single-leg Kerberos needs no pending slot.
	tr := &httpauth.Transport{Config: negotiate.Config{Provider: p}}
	resp, _, err := get(t, tr, urlFor(ts, "localhost"))
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)

	// Closing a connection releases its context (ConnState).
	conns[0].Close()
	assert.Eventually(t, func() bool { return s.Pending() == 3 }, 2*time.Second, 10*time.Millisecond)
	// The rest expire.
	assert.Eventually(t, func() bool { return s.Pending() == 0 }, 3*time.Second, 20*time.Millisecond)
	for _, c := range conns[1:] {
		c.Close()
	}
}

// TestServerSecondLegOtherConnection: a continuation token on another
// connection than the exchange's finds nothing and is refused.
func TestServerSecondLegOtherConnection(t *testing.T) {
	_, p := labRealm(t)
	s := &httpauth.Server{Config: negotiate.Config{Provider: p}}
	ts := serve(t, s, whoami)
	n, err := p.ImportName("HTTP@localhost", gss.NameHostBasedService)
	require.NoError(t, err)
	defer n.Release()
	c, err := negotiate.NewClient(n, negotiate.Config{Provider: p, NoOptimisticToken: true})
	require.NoError(t, err)
	defer c.Close()
	tok, err := c.Continue(nil)
	require.NoError(t, err)

	c1, err := net.Dial("tcp", ts.Listener.Addr().String())
	require.NoError(t, err)
	defer c1.Close()
	resp := rawRequest(t, c1, bufio.NewReader(c1), "Negotiate "+base64.StdEncoding.EncodeToString(tok))
	require.Equal(t, 401, resp.StatusCode)
	in, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(resp.Header.Get("WWW-Authenticate"), "Negotiate "))
	require.NoError(t, err)
	tok, err = c.Continue(in)
	require.NoError(t, err)

	c2, err := net.Dial("tcp", ts.Listener.Addr().String())
	require.NoError(t, err)
	defer c2.Close()
	resp = rawRequest(t, c2, bufio.NewReader(c2), "Negotiate "+base64.StdEncoding.EncodeToString(tok))
	assert.Equal(t, 401, resp.StatusCode)
	assert.Equal(t, "Negotiate oQcwBaADCgEC", resp.Header.Get("WWW-Authenticate"), "reject, no new challenge")
}

// TestTransportMutualAuth: a 200 without the server's final token, or with
// a bad one, is an error unless AllowMissingMutual.
func TestTransportMutualAuth(t *testing.T) {
	_, p := labRealm(t)
	cases := []struct {
		name    string
		final   func(h http.Header)
		relaxed bool
		want    error
	}{
		{"Omitted", func(h http.Header) { h.Del("WWW-Authenticate") }, false, httpauth.ErrMutualAuthMissing},
		{"OmittedRelaxed", func(h http.Header) { h.Del("WWW-Authenticate") }, true, nil},
		{"Garbage", func(h http.Header) { h.Set("WWW-Authenticate", "Negotiate oQcwBaADCgEA") }, false, httpauth.ErrMutualAuthFailed},
		{"Tampered", func(h http.Header) {
			b, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(h.Get("WWW-Authenticate"), "Negotiate "))
			b[len(b)-5] ^= 1
			h.Set("WWW-Authenticate", "Negotiate "+base64.StdEncoding.EncodeToString(b))
		}, false, httpauth.ErrMutualAuthFailed},
		{"Reject", func(h http.Header) { h.Set("WWW-Authenticate", "Negotiate oQcwBaADCgEC") }, false, httpauth.ErrMutualAuthFailed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := &httpauth.Server{Config: negotiate.Config{Provider: p}}
			ts := serve(t, s, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				tc.final(w.Header())
				whoami(w, r)
			}))
			tr := &httpauth.Transport{Config: negotiate.Config{Provider: p}, AllowMissingMutual: tc.relaxed}
			resp, body, err := get(t, tr, urlFor(ts, "localhost"))
			if tc.want != nil {
				require.Error(t, err)
				assert.ErrorIs(t, err, tc.want)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "alice@"+testrealm.Name, body)
			assert.False(t, httpauth.ResultOf(resp).Mutual, "server identity not proven")
		})
	}
}

// TestTransportBodies: a replayable body (bytes.Reader: GetBody) is sent
// again on the authenticated leg; a one-shot body makes the Transport
// refuse with ErrBodyNotReplayable once the server asks for authentication.
func TestTransportBodies(t *testing.T) {
	_, p := labRealm(t)
	s := &httpauth.Server{Config: negotiate.Config{Provider: p}}
	ts := serve(t, s, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		io.WriteString(w, httpauth.Principal(r)+" "+string(b))
	}))
	client := &http.Client{Transport: &httpauth.Transport{Config: negotiate.Config{Provider: p}}}

	resp, err := client.Post(urlFor(ts, "localhost"), "text/plain", bytes.NewReader([]byte("payload")))
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "alice@"+testrealm.Name+" payload", string(b))

	_, err = client.Post(urlFor(ts, "localhost"), "text/plain", io.MultiReader(strings.NewReader("once")))
	require.Error(t, err)
	assert.True(t, errors.Is(err, httpauth.ErrBodyNotReplayable), "%v", err)
}

// TestConnectionAuth: with Server.ConnectionAuth a keep-alive connection
// authenticates once; later requests on it pass without a token.
func TestConnectionAuth(t *testing.T) {
	_, p := labRealm(t)
	s := &httpauth.Server{Config: negotiate.Config{Provider: p}, ConnectionAuth: true}
	var reused []bool
	ts := serve(t, s, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reused = append(reused, httpauth.IdentityFrom(r.Context()).Reused)
		whoami(w, r)
	}))
	base := loopback(ts)
	base.MaxConnsPerHost = 1
	tr := &httpauth.Transport{Base: base, Affinity: httpauth.AffinityBase, Config: negotiate.Config{Provider: p}}
	for range 3 {
		resp, body, err := get(t, tr, urlFor(ts, "localhost"))
		require.NoError(t, err)
		assert.Equal(t, "alice@"+testrealm.Name, body)
		_ = resp
	}
	assert.Equal(t, []bool{false, true, true}, reused)
}

// TestChannelBindings: over TLS, the client binds the context to the
// server certificate (RFC 5929 tls-server-end-point); an acceptor expecting
// other bindings refuses it.
func TestChannelBindings(t *testing.T) {
	_, p := labRealm(t)
	for _, tc := range []struct {
		name string
		ok   bool
	}{{"Match", true}, {"Mismatch", false}} {
		t.Run(tc.name, func(t *testing.T) {
			s := &httpauth.Server{Config: negotiate.Config{Provider: p}}
			ts := httptest.NewUnstartedServer(s.Middleware(whoami))
			s.Install(ts.Config)
			ts.StartTLS()
			defer ts.Close()
			cb := tlsbinding.ServerEndPoint(ts.Certificate())
			if !tc.ok {
				cb.ApplicationData = append([]byte(nil), cb.ApplicationData...)
				cb.ApplicationData[len(cb.ApplicationData)-1] ^= 1
			}
			s.Config.ChannelBindings = cb
			base := ts.Client().Transport.(*http.Transport)
			// The test certificate names example.com; the key is HTTP/localhost.
			tr := &httpauth.Transport{Base: base, Config: negotiate.Config{Provider: p}, ChannelBindings: true, SPN: "HTTP@localhost"}
			u := strings.Replace(ts.URL, "127.0.0.1", "example.com", 1)
			base.DialContext = loopback(ts).DialContext
			resp, body, err := get(t, tr, u)
			if !tc.ok {
				// 401 with the acceptor's reject (a KRB-ERROR inside): the
				// client's context fails on it.
				require.Error(t, err)
				assert.ErrorIs(t, err, negotiate.ErrRejected)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, 200, resp.StatusCode, body)
			assert.True(t, httpauth.ResultOf(resp).Mutual)
		})
	}
}

// TestTransportPublicResource: a resource that needs no authentication is
// fetched as is, and ResultOf is nil; with Preemptive the token is sent
// anyway and the 200 without a final token is refused, as the Preemptive
// documentation says.
func TestTransportPublicResource(t *testing.T) {
	_, p := labRealm(t)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "public") }))
	defer ts.Close()
	tr := &httpauth.Transport{Config: negotiate.Config{Provider: p}}
	resp, body, err := get(t, tr, urlFor(ts, "localhost"))
	require.NoError(t, err)
	assert.Equal(t, "public", body)
	assert.Nil(t, httpauth.ResultOf(resp))

	tr.Preemptive = true
	_, _, err = get(t, tr, urlFor(ts, "localhost"))
	assert.ErrorIs(t, err, httpauth.ErrMutualAuthMissing)
}
