//go:build !windows && cgo && !heimdal

package faults_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/sspisample"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
)

// gssnegoCLI builds cmd/gssnego once per test binary.
func gssnegoCLI(t *testing.T) string {
	t.Helper()
	return lab.GoBuild(t, "github.com/gssnego/gssnego/cmd/gssnego")
}

// runCLI runs gssnego in the process's (test-modified) environment and
// returns its output and exit status.
func runCLI(t *testing.T, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(gssnegoCLI(t), args...)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(out), ee.ExitCode()
	}
	require.NoError(t, err)
	return string(out), 0
}

func negotiateServer(t *testing.T, p gss.Provider) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer((&httpauth.Server{Config: negotiate.Config{Provider: p}}).Middleware(http.NotFoundHandler()))
	t.Cleanup(ts.Close)
	return ts
}

var abandonedText = (&gss.AbandonedError{Cause: context.DeadlineExceeded}).Error()

// TestCLISilentKDC is the issue's reproduction: `gssnego http-get -timeout
// 2s` and `gssnego client -timeout 2s` with a valid TGT and krb5.conf's kdc
// pointing at a KDC that never answers return at their deadline (exit 3
// and 1), saying the step was abandoned.
func TestCLISilentKDC(t *testing.T) {
	for _, k := range silentKDCs {
		t.Run(k.name, func(t *testing.T) {
			r, p, _, _ := silentRealm(t, k.tcp)
			ts := negotiateServer(t, p)
			var out string
			var code int
			timed(t, "gssnego http-get -timeout 2s", func() {
				out, code = runCLI(t, "http-get", "-timeout", "2s", "-spn", testrealm.ServiceHTTP+"@"+r.Name, ts.URL)
			})
			t.Logf("exit %d:\n%s", code, out)
			assert.Equal(t, 3, code)
			assert.Contains(t, out, abandonedText)

			l, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			go (&sspisample.Server{Config: sspisample.Config{Provider: p}}).Serve(l)
			defer l.Close()
			port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
			timed(t, "gssnego client -timeout 2s", func() {
				out, code = runCLI(t, "client", "-timeout", "2s", "-server", "127.0.0.1", "-port", port, "-target", testrealm.ServiceHTTP+"@"+r.Name)
			})
			t.Logf("exit %d:\n%s", code, out)
			assert.Equal(t, 1, code)
			assert.Contains(t, out, abandonedText)
		})
	}
}

// TestCLIFaultMessages checks that what the CLI prints for the KDC-down,
// no-ticket and expired-ticket cases leads with the same text err.Error()
// has in process (the text docs/errors.md documents).
func TestCLIFaultMessages(t *testing.T) {
	r, p := labRealm(t)
	ts := negotiateServer(t, p)
	get := func() (string, int) {
		return runCLI(t, "http-get", "-timeout", "60s", "-spn", testrealm.ServiceHost+"@"+r.Name, ts.URL)
	}
	t.Run("NoTicket", func(t *testing.T) {
		t.Setenv("KRB5CCNAME", "FILE:"+filepath.Join(t.TempDir(), "none"))
		out, code := get()
		t.Logf("exit %d:\n%s", code, out)
		assert.Equal(t, 3, code)
		assert.Contains(t, out, "gssnego http-get: Get \""+ts.URL+"\": negotiate: "+gss.ErrNoTicket.Text()+": ")
	})
	t.Run("ExpiredTicket", func(t *testing.T) {
		waitUntil(shortTicket(t, r))
		out, code := get()
		t.Logf("exit %d:\n%s", code, out)
		assert.Equal(t, 3, code)
		assert.Contains(t, out, "negotiate: "+gss.ErrTicketExpired.Text()+": ")
	})
	t.Run("KDCDown", func(t *testing.T) {
		r.StopKDC()
		defer r.StartKDC(t)
		out, code := get()
		t.Logf("exit %d:\n%s", code, out)
		assert.Equal(t, 3, code)
		assert.Contains(t, out, "gssnego http-get: Get \""+ts.URL+"\": negotiate: "+gss.ErrKDCUnreachable.Text()+": ")
	})
}
