//go:build linux

package httpauth_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
)

// chromiumFlags are the headless flags every run uses: no sandbox (root),
// no GPU, no QUIC, nothing phoning home, Negotiate allowed for localhost.
func chromiumFlags(profile string) []string {
	return []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir=" + profile,
		"--auth-server-allowlist=localhost",
	}
}

// runChromium runs Chromium with the realm's environment and returns its
// stdout (the DOM with --dump-dom) and stderr.
func runChromium(t *testing.T, r *testrealm.Realm, args ...string) (stdout, stderr string) {
	t.Helper()
	bin := lab.NeedCommand(t, "chromium")[0]
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), r.Env()...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	require.NoError(t, err, "chromium: %s", errb.String())
	return out.String(), errb.String()
}

// chromiumProfile makes a user data dir whose Local State already has
// net.received_http_auth_negotiate_headers set. Chromium on Linux loads
// libgssapi_krb5 only once that pref is true (kReceivedHttpAuthNegotiateHeader,
// chrome/browser/net/system_network_context_manager.cc): the first Negotiate
// challenge a fresh profile sees sets it and restarts the network service
// unsandboxed, but that request itself fails with
// ERR_UNSUPPORTED_AUTH_SCHEME and the page shows the 401 body.
func chromiumProfile(t *testing.T) string {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Local State"),
		[]byte(`{"net":{"received_http_auth_negotiate_headers":true}}`), 0o600))
	return dir
}

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
	profile := chromiumProfile(t)
	dom, stderr := runChromium(t, r, append(chromiumFlags(profile), "--dump-dom", page)...)
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
	runChromium(t, r, append(chromiumFlags(profile), "--screenshot="+shot, "--window-size=640,240", page)...)
	st, err := os.Stat(shot)
	require.NoError(t, err)
	assert.Positive(t, st.Size())
	t.Logf("screenshot: %s (%d bytes); port %s", shot, st.Size(), u.Port())

	// A fresh profile: the first Negotiate challenge only switches GSSAPI
	// on (and restarts the network service); that load shows the 401 body.
	// The next run with the same profile authenticates.
	t.Run("FreshProfile", func(t *testing.T) {
		fresh := t.TempDir()
		dom, _ := runChromium(t, r, append(chromiumFlags(fresh), "--dump-dom", page)...)
		assert.Contains(t, dom, "negotiate authentication required", "first load: no GSSAPI yet")
		ls, err := os.ReadFile(filepath.Join(fresh, "Local State"))
		require.NoError(t, err)
		assert.Contains(t, string(ls), `"received_http_auth_negotiate_headers":true`)
		dom, _ = runChromium(t, r, append(chromiumFlags(fresh), "--dump-dom", page)...)
		assert.Contains(t, dom, `<h1 id="user">alice@`+testrealm.Name+`</h1>`, "second run")
	})
}
