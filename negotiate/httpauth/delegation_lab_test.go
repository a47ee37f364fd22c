//go:build linux

package httpauth_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/apache"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
)

// frontEnd is the double hop's middle tier: behind our middleware, it GETs
// backend as the authenticated user with the credential the user
// delegated, and answers "front=<principal> back=<back end's answer>", or
// 403 with the reason when there is no delegated credential.
func frontEnd(p gss.Provider, backend string, base http.RoundTripper) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := httpauth.IdentityFrom(r.Context())
		cred, err := id.DelegatedCredential()
		if err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		c := &http.Client{Transport: &httpauth.Transport{Base: base, Config: negotiate.Config{Provider: p, Credential: cred}}}
		resp, err := c.Get(backend)
		if err != nil {
			http.Error(w, "back end: "+err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		fmt.Fprintf(w, "front=%s back=%s status=%d", id.Principal, strings.TrimSpace(string(b)), resp.StatusCode)
	})
}

// TestInteropDoubleHopMITApacheAndOurServer: alice → our middleware (she
// delegates) → the handler, as alice, → Apache mod_auth_gssapi and our own
// middleware: both back ends see alice.
func TestInteropDoubleHopMITApacheAndOurServer(t *testing.T) {
	r, p := labRealm(t)
	ap := apache.Start(t, r, apache.AllowedMechs("krb5"))
	own := serve(t, &httpauth.Server{Config: negotiate.Config{Provider: p}}, whoami)
	for _, back := range []struct {
		name string
		url  string
		base http.RoundTripper
	}{
		{"apache", ap.URL, nil},
		{"ours", urlFor(own, "localhost"), loopback(own)},
	} {
		t.Run(back.name, func(t *testing.T) {
			front := serve(t, &httpauth.Server{Config: negotiate.Config{Provider: p}}, frontEnd(p, back.url, back.base))
			var res *httpauth.Result
			tr := &httpauth.Transport{Base: loopback(front), Config: negotiate.Config{Provider: p}, Delegate: httpauth.DelegateAlways,
				OnResult: func(_ *http.Request, rs *httpauth.Result) { res = rs }}
			resp, body, err := get(t, tr, urlFor(front, "localhost"))
			require.NoError(t, err)
			alice := r.Principal(r.User)
			assert.Equal(t, http.StatusOK, resp.StatusCode, body)
			assert.Equal(t, "front="+alice+" back="+alice+" status=200", body)
			require.NotNil(t, res.Record)
			assert.Equal(t, negotiate.Delegation{Requested: gss.FlagDeleg, Delegated: true}, res.Record.Delegation)
		})
	}
}

// TestDelegationRefusedWithoutFlag: no delegation asked, no credential:
// the handler's DelegatedCredential says why (ErrNoDelegation).
func TestDelegationRefusedWithoutFlag(t *testing.T) {
	_, p := labRealm(t)
	var gotErr error
	front := serve(t, &httpauth.Server{Config: negotiate.Config{Provider: p}}, http.HandlerFunc(func(w http.ResponseWriter, rq *http.Request) {
		_, gotErr = httpauth.IdentityFrom(rq.Context()).DelegatedCredential()
		w.WriteHeader(http.StatusForbidden)
	}))
	tr := &httpauth.Transport{Base: loopback(front), Config: negotiate.Config{Provider: p}}
	resp, _, err := get(t, tr, urlFor(front, "localhost"))
	require.NoError(t, err)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.ErrorIs(t, gotErr, httpauth.ErrNoDelegation)
	assert.ErrorContains(t, gotErr, "delegated no credential")
}

// TestDelegationByPolicy: DelegateByPolicy forwards to HTTP/okdeleg (marked
// ok-as-delegate in the KDC) and not to HTTP/localhost (not marked).
func TestDelegationByPolicy(t *testing.T) {
	r, p := labRealm(t)
	own := serve(t, &httpauth.Server{Config: negotiate.Config{Provider: p}}, whoami)
	front := serve(t, &httpauth.Server{Config: negotiate.Config{Provider: p}}, frontEnd(p, urlFor(own, "localhost"), loopback(own)))
	tr := &httpauth.Transport{Base: loopback(front), Config: negotiate.Config{Provider: p}, Delegate: httpauth.DelegateByPolicy}

	resp, body, err := get(t, tr, urlFor(front, "localhost"))
	require.NoError(t, err)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, body)
	assert.Contains(t, body, "delegated no credential")
	assert.Equal(t, negotiate.Delegation{Requested: gss.FlagDelegPolicy}, httpauth.ResultOf(resp).Record.Delegation)

	okHost := strings.TrimPrefix(testrealm.ServiceOKAsDelegate, "HTTP/")
	resp, body, err = get(t, tr, urlFor(front, okHost))
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode, body)
	alice := r.Principal(r.User)
	assert.Equal(t, "front="+alice+" back="+alice+" status=200", body)
	assert.True(t, httpauth.ResultOf(resp).Record.Delegation.Delegated)
}

// TestDelegatedCredentialLifetime: released after the handler returns
// (using a kept reference then fails with gss.ErrNoCred), unless taken.
func TestDelegatedCredentialLifetime(t *testing.T) {
	_, p := labRealm(t)
	var mu sync.Mutex
	var kept, taken gss.Credential
	take := false
	front := serve(t, &httpauth.Server{Config: negotiate.Config{Provider: p}}, http.HandlerFunc(func(w http.ResponseWriter, rq *http.Request) {
		id := httpauth.IdentityFrom(rq.Context())
		mu.Lock()
		defer mu.Unlock()
		var err error
		if take {
			taken, err = id.TakeDelegatedCredential()
		} else {
			kept, err = id.DelegatedCredential()
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
		}
	}))
	tr := &httpauth.Transport{Base: loopback(front), Config: negotiate.Config{Provider: p}, Delegate: httpauth.DelegateAlways}
	resp, body, err := get(t, tr, urlFor(front, "localhost"))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	mu.Lock()
	_, err = kept.Inquire()
	take = true
	mu.Unlock()
	assert.ErrorIs(t, err, gss.ErrNoCred, "the credential outlived its request")

	resp, body, err = get(t, tr, urlFor(front, "localhost"))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	mu.Lock()
	defer mu.Unlock()
	info, err := taken.Inquire()
	require.NoError(t, err, "a taken credential must survive its request")
	assert.Equal(t, "alice@"+testrealm.Name, info.Name)
	require.NoError(t, taken.Release())
}

// TestDelegationConcurrentDoubleHops runs double hops in parallel (-race).
func TestDelegationConcurrentDoubleHops(t *testing.T) {
	r, p := labRealm(t)
	own := serve(t, &httpauth.Server{Config: negotiate.Config{Provider: p}}, whoami)
	front := serve(t, &httpauth.Server{Config: negotiate.Config{Provider: p}}, frontEnd(p, urlFor(own, "localhost"), loopback(own)))
	tr := &httpauth.Transport{Base: loopback(front), Config: negotiate.Config{Provider: p}, Delegate: httpauth.DelegateAlways}
	alice := r.Principal(r.User)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := (&http.Client{Transport: tr}).Get(urlFor(front, "localhost"))
			if err != nil {
				errs <- err
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(b) != "front="+alice+" back="+alice+" status=200" {
				errs <- errors.New(string(b))
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestCLIHTTPGetDelegate: `gssnego http-get -delegate` through the double
// hop (our front end → Apache as alice); it says what was forwarded.
func TestCLIHTTPGetDelegate(t *testing.T) {
	r, p := labRealm(t)
	ap := apache.Start(t, r, apache.AllowedMechs("krb5"))
	front := serve(t, &httpauth.Server{Config: negotiate.Config{Provider: p}}, frontEnd(p, ap.URL, nil))
	port := front.Listener.Addr().(*net.TCPAddr).Port
	okHost := strings.TrimPrefix(testrealm.ServiceOKAsDelegate, "HTTP/")
	alice := r.Principal(r.User)

	out, code := runCLI(t, r, "http-get", "-delegate", "-resolve", fmt.Sprintf("%s:%d:127.0.0.1", okHost, port), urlFor(front, okHost))
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "front="+alice+" back="+alice+" status=200")
	assert.Contains(t, out, "delegation: asked with deleg-policy, credential forwarded: yes")

	out, code = runCLI(t, r, "http-get", "-delegate", "-resolve", fmt.Sprintf("localhost:%d:127.0.0.1", port), urlFor(front, "localhost"))
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, "403 Forbidden")
	assert.Contains(t, out, "credential forwarded: no")

	out, code = runCLI(t, r, "http-get", "-delegate-always", "-resolve", fmt.Sprintf("localhost:%d:127.0.0.1", port), urlFor(front, "localhost"))
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "delegation: asked with deleg, credential forwarded: yes")
	t.Log(out)
}
