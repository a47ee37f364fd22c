//go:build linux

package httpauth_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/internal/httppeer"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/kerberos"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
)

// TestInteropPureGoAcceptorCurlChromium: our middleware over the pure-Go
// provider (kerberos/), chosen explicitly whatever the build's platform
// provider is, serves the Negotiate clients nobody here wrote — curl
// --negotiate and headless Chromium, both over MIT's libgssapi_krb5 — and
// both get 200 and the page with alice's principal.
func TestInteropPureGoAcceptorCurlChromium(t *testing.T) {
	r, _ := labRealm(t)
	var (
		mu  sync.Mutex // the browser's requests run concurrently with the test
		ids []*httpauth.Identity
	)
	s := &httpauth.Server{Config: negotiate.Config{Provider: kerberos.NewProvider()}}
	ts := serve(t, s, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		ids = append(ids, httpauth.IdentityFrom(r.Context()))
		mu.Unlock()
		whoami(w, r)
	}))
	u, _ := url.Parse(ts.URL)
	page := urlFor(ts, "localhost")
	alice := "alice@" + testrealm.Name
	checkIDs := func(t *testing.T) {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		require.NotEmpty(t, ids)
		for _, id := range ids {
			assert.Equal(t, alice, id.Principal)
			v := id.Transcript.Verdict
			assert.Equal(t, negotiate.ResultOK, v.Result, v.Reason)
		}
		ids = nil
	}

	t.Run("Curl", func(t *testing.T) {
		code, headers, body := curl(t, r, "--negotiate", "-u", ":", "--resolve", "localhost:"+u.Port()+":127.0.0.1", page)
		require.Equal(t, "200", code, headers+body)
		assert.Equal(t, alice, strings.TrimSpace(body))
		assert.Regexp(t, `(?mi)^WWW-Authenticate: Negotiate oY`, headers, "NegTokenResp with the pure-Go AP-REP, which curl's MIT library verified")
		checkIDs(t)
	})
	t.Run("Chromium", func(t *testing.T) {
		profile := httppeer.ChromiumProfile(t)
		dom, stderr := httppeer.Chromium(t, r.Env(), append(httppeer.ChromiumFlags(profile), "--dump-dom", page)...)
		require.Contains(t, dom, alice, "DOM:\n%s\nstderr:\n%s", dom, stderr)
		checkIDs(t)
	})
}
