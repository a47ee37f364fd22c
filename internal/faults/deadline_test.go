//go:build !windows && cgo && !heimdal

package faults_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/sspisample"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
)

// deadline is the callers' deadline in the silent-KDC cases: short, so the
// suite is quick; what is checked is the error, not the time.
const deadline = time.Second

// silentKDCs are the two ways a KDC never answers.
var silentKDCs = []struct {
	name string
	tcp  bool
}{
	{"TCPAcceptsAndStaysSilent", true},
	{"UDPDrops", false},
}

// silentRealm points the process at a krb5.conf whose kdc never answers.
// The realm's TGT is valid; the service ticket needs the KDC.
// base is the goroutine count before the silent KDC's own goroutines.
func silentRealm(t *testing.T, tcp bool) (r *testrealm.Realm, p gss.Provider, s *testrealm.SilentKDC, base int) {
	t.Helper()
	r, p = labRealm(t)
	base = runtime.NumGoroutine()
	s = testrealm.StartSilentKDC(t, tcp)
	t.Setenv("KRB5_CONFIG", r.WriteConf(t, "silent", s.Addr))
	return r, p, s, base
}

// assertAbandoned checks the error a deadline gives.
func assertAbandoned(t *testing.T, err error) {
	t.Helper()
	require.Error(t, err)
	t.Logf("error: %v", err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorIs(t, err, gss.ErrAbandoned)
}

// released checks, once the silent KDC is closed (so the native call
// returns), that the abandoned step's goroutine has exited and the context
// was closed by it: a closed context answers gss.ErrNoContext.
func released(t *testing.T, s *testrealm.SilentKDC, base int, ctx gss.SecContext) {
	t.Helper()
	s.Close()
	timed(t, "native call returned after the silent KDC closed", func() { settle(t, base) })
	if ctx != nil {
		_, err := ctx.Inquire()
		assert.ErrorIs(t, err, gss.ErrNoContext, "the abandoned context must be closed")
	}
}

// TestSilentKDCEngineDeadline: gss.ContinueContext returns at the deadline
// while gss_init_sec_context waits for the KDC.
func TestSilentKDCEngineDeadline(t *testing.T) {
	for _, k := range silentKDCs {
		t.Run(k.name, func(t *testing.T) {
			r, p, s, base := silentRealm(t, k.tcp)
			x := newPair(t, p, testrealm.ServiceHTTP+"@"+r.Name)
			defer x.srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), deadline)
			defer cancel()
			var err error
			timed(t, "engine step with a deadline of "+deadline.String(), func() { err, _ = x.run(ctx) })
			assertAbandoned(t, err)
			released(t, s, base, x.cli)
		})
	}
}

// TestSilentKDCHTTPDeadline: an httpauth.Transport request whose client has
// a timeout returns at it.
func TestSilentKDCHTTPDeadline(t *testing.T) {
	for _, k := range silentKDCs {
		t.Run(k.name, func(t *testing.T) {
			r, p, s, base := silentRealm(t, k.tcp)
			ts := httptest.NewServer((&httpauth.Server{Config: negotiate.Config{Provider: p}}).Middleware(http.NotFoundHandler()))
			var made gss.SecContext
			tr := &httpauth.Transport{
				Base: &http.Transport{},
				SPN:  testrealm.ServiceHTTP + "@" + r.Name,
				NewContext: func(target gss.Name, cb *gss.ChannelBindings) (gss.SecContext, error) {
					c, err := negotiate.NewClient(target, negotiate.Config{Provider: p})
					made = c
					return c, err
				},
			}
			// http.Client.Timeout (what gssnego http-get -timeout sets)
			// flattens the error into text: the sentinels are checked with
			// a request context deadline below.
			client := &http.Client{Transport: tr, Timeout: deadline}
			var err error
			timed(t, "HTTP GET with Client.Timeout "+deadline.String(), func() {
				var resp *http.Response
				if resp, err = client.Get(ts.URL); err == nil {
					resp.Body.Close()
				}
			})
			require.Error(t, err)
			t.Logf("error: %v", err)
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			assert.Contains(t, err.Error(), (&gss.AbandonedError{Cause: context.DeadlineExceeded}).Error())
			first := made
			ctx, cancel := context.WithTimeout(context.Background(), deadline)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL, nil)
			require.NoError(t, err)
			timed(t, "HTTP GET with a request deadline of "+deadline.String(), func() {
				var resp *http.Response
				if resp, err = (&http.Client{Transport: tr}).Do(req); err == nil {
					resp.Body.Close()
				}
			})
			assertAbandoned(t, err)
			ts.Close()
			tr.Base.(*http.Transport).CloseIdleConnections()
			released(t, s, base, made)
			_, err = first.Inquire()
			assert.ErrorIs(t, err, gss.ErrNoContext, "the first abandoned context must be closed")
		})
	}
}

// TestSilentKDCSampleClientTimeout: the sample client's Timeout bounds the
// native step too, not only the socket.
func TestSilentKDCSampleClientTimeout(t *testing.T) {
	for _, k := range silentKDCs {
		t.Run(k.name, func(t *testing.T) {
			_, p, s, base := silentRealm(t, k.tcp)
			l, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			srvDone := make(chan error, 1)
			go func() { srvDone <- (&sspisample.Server{Config: sspisample.Config{Provider: p}}).Serve(l) }()
			conn, err := net.Dial("tcp", l.Addr().String())
			require.NoError(t, err)
			timed(t, "sample client with Timeout "+deadline.String(), func() {
				_, err = sspisample.Client(conn, "HTTP@localhost", sspisample.Config{Provider: p, Timeout: deadline})
			})
			assertAbandoned(t, err)
			l.Close()
			select {
			case <-srvDone:
			case <-time.After(hangGuard):
				t.Fatal("sample server did not stop")
			}
			released(t, s, base, nil)
		})
	}
}

// TestSilentKDCNativeTimeout measures how long the library itself waits for
// a silent KDC, with no deadline of ours (GSSNEGO_FAULTS_NATIVE=1 only: it
// takes tens of seconds). It checks the typed error the wait ends with.
func TestSilentKDCNativeTimeout(t *testing.T) {
	if !nativeTimeouts {
		t.Skip("set GSSNEGO_FAULTS_NATIVE=1 to measure the library's own timeouts (slow)")
	}
	for _, k := range silentKDCs {
		t.Run(k.name, func(t *testing.T) {
			r, p, s, _ := silentRealm(t, k.tcp)
			var err error
			timed(t, "library's own wait for a silent KDC", func() {
				err, _ = handshake(t, p, testrealm.ServiceHTTP+"@"+r.Name)
			})
			if k.tcp {
				// One wait, not one per Kerberos OID offered.
				assert.Equal(t, 1, s.Accepted(), "TCP connections to the silent KDC")
			}
			t.Logf("error: %v", err)
			assert.ErrorIs(t, err, gss.ErrKDCUnreachable)
			assert.True(t, errors.Is(err, negotiate.ErrNoCommonMech))
		})
	}
}
