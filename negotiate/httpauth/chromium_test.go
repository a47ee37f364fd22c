//go:build linux

package httpauth_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/internal/httppeer"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
)

// artifactDir is where screenshots go: $GSSNEGO_ARTIFACTS if set (CI
// keeps it), else the test's temp dir.
func artifactDir(t *testing.T) string {
	if d := os.Getenv("GSSNEGO_ARTIFACTS"); d != "" {
		require.NoError(t, os.MkdirAll(d, 0o755))
		return d
	}
	return t.TempDir()
}

// TestInteropChromiumInitiator: headless Chromium (Debian's chromium,
// which dlopens the system libgssapi_krb5 for Negotiate) loads a page
// from our middleware that shows the authenticated principal.
func TestInteropChromiumInitiator(t *testing.T) {
	r, p := labRealm(t)
	var (
		mu  sync.Mutex // the browser's requests run concurrently with the test
		ids []*httpauth.Identity
		log []string
	)
	s := &httpauth.Server{Config: negotiate.Config{Provider: p},
		ErrorLog: func(_ *http.Request, err error) { mu.Lock(); log = append(log, err.Error()); mu.Unlock() }}
	ts := serve(t, s, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		id := httpauth.IdentityFrom(r.Context())
		mu.Lock()
		ids = append(ids, id)
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!doctype html><title>whoami</title><h1 id=\"user\">%s</h1><p id=\"verdict\">%s</p>\n",
			html.EscapeString(id.Principal), html.EscapeString(id.Transcript.Verdict.Result))
	}))
	u, _ := url.Parse(ts.URL)
	page := urlFor(ts, "localhost")
	profile := httppeer.ChromiumProfile(t)
	dom, stderr := httppeer.Chromium(t, r.Env(), append(httppeer.ChromiumFlags(profile), "--dump-dom", page)...)
	mu.Lock()
	first, serverLog := slices.Clone(ids), slices.Clone(log)
	mu.Unlock()
	require.Contains(t, dom, `<h1 id="user">alice@`+testrealm.Name+`</h1>`,
		"DOM:\n%s\nstderr:\n%s\nserver log: %v", dom, stderr, serverLog)
	assert.Contains(t, dom, `<p id="verdict">ok</p>`)
	require.NotEmpty(t, first)
	v := first[0].Transcript.Verdict
	assert.Equal(t, negotiate.ResultOK, v.Result, v.Reason)
	t.Logf("Chromium: optimistic token accepted %v, MIC initiator %v acceptor %v, session etype %v",
		v.OptimisticAccepted, v.Initiator.Present, v.Acceptor.Present, v.Etype.Session)

	shot := filepath.Join(artifactDir(t), "chromium-whoami.png")
	httppeer.Chromium(t, r.Env(), append(httppeer.ChromiumFlags(profile), "--screenshot="+shot, "--window-size=640,240", page)...)
	st, err := os.Stat(shot)
	require.NoError(t, err)
	assert.Positive(t, st.Size())
	t.Logf("screenshot: %s (%d bytes); port %s", shot, st.Size(), u.Port())

	// A fresh profile: the first Negotiate challenge only switches GSSAPI
	// on (and restarts the network service); that load shows the 401 body.
	// The next run with the same profile authenticates.
	t.Run("FreshProfile", func(t *testing.T) {
		fresh := t.TempDir()
		dom, _ := httppeer.Chromium(t, r.Env(), append(httppeer.ChromiumFlags(fresh), "--dump-dom", page)...)
		assert.Contains(t, dom, "negotiate authentication required", "first load: no GSSAPI yet")
		ls, err := os.ReadFile(filepath.Join(fresh, "Local State"))
		require.NoError(t, err)
		assert.Contains(t, string(ls), `"received_http_auth_negotiate_headers":true`)
		dom, _ = httppeer.Chromium(t, r.Env(), append(httppeer.ChromiumFlags(fresh), "--dump-dom", page)...)
		assert.Contains(t, dom, `<h1 id="user">alice@`+testrealm.Name+`</h1>`, "second run")
	})
}
