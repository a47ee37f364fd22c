//go:build linux

package httpauth_test

import (
	"errors"
	"net/url"
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/internal/apache"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
)

// gssnegoCLI builds cmd/gssnego once per test binary.
func gssnegoCLI(t *testing.T) string {
	t.Helper()
	return lab.GoBuild(t, "github.com/gssnego/gssnego/cmd/gssnego")
}

// runCLI runs gssnego with the realm's environment; it returns the output
// and the exit status.
func runCLI(t *testing.T, r *testrealm.Realm, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(gssnegoCLI(t), args...)
	cmd.Env = append(os.Environ(), r.Env()...)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(out), ee.ExitCode()
	}
	require.NoError(t, err)
	return string(out), 0
}

// TestCLIHTTPGet runs `gssnego http-get` against Apache mod_auth_gssapi and
// against our middleware: status, body, transcript with the MIC verdicts,
// and the exit status.
func TestCLIHTTPGet(t *testing.T) {
	r, p := labRealm(t)
	t.Run("Apache", func(t *testing.T) {
		s := apache.Start(t, r, apache.AllowedMechs("krb5"))
		out, code := runCLI(t, r, "http-get", s.URL)
		require.Equal(t, 0, code, out)
		assert.Contains(t, out, "200 OK")
		assert.Contains(t, out, "alice@"+testrealm.Name)
		assert.Contains(t, out, "mutual authentication verified")
		assert.Contains(t, out, "responseToken: krb5 AP-REP")
		t.Log(out)
	})
	t.Run("ApacheMICMissing", func(t *testing.T) {
		s := apache.Start(t, r, apache.AllowedMechs("krb5"), apache.Directives("GssapiConnectionBound On"))
		out, code := runCLI(t, r, "http-get", "-no-optimistic", s.URL)
		assert.Equal(t, 3, code, out)
		assert.Contains(t, out, "required mechListMIC missing")
		t.Log(out)
	})
	t.Run("OurServerMICs", func(t *testing.T) {
		s := &httpauth.Server{Config: negotiate.Config{Provider: p}}
		ts := serve(t, s, whoami)
		u, _ := url.Parse(ts.URL)
		out, code := runCLI(t, r, "http-get", "-no-optimistic", "-resolve", "localhost:"+u.Port()+":127.0.0.1", urlFor(ts, "localhost"))
		require.Equal(t, 0, code, out)
		assert.Contains(t, out, "alice@"+testrealm.Name)
		assert.Contains(t, out, "3 token leg(s)")
		assert.Regexp(t, `(?s)acceptor.*valid`, out)
		t.Log(out)
	})
	t.Run("Refused", func(t *testing.T) {
		s := &httpauth.Server{Config: negotiate.Config{Provider: p}}
		ts := serve(t, s, whoami)
		out, code := runCLI(t, r, "http-get", "-spn", "HTTP/nosuch.gssnego.test@"+testrealm.Name, ts.URL)
		assert.Equal(t, 3, code, out)
		// The cause leads, with the flag that sets the name.
		assert.Contains(t, out, "gssnego http-get: Get \""+ts.URL+"\": negotiate: the KDC does not know service HTTP/nosuch.gssnego.test@"+testrealm.Name+" (")
		assert.Contains(t, out, "or correct the service name with -spn)")
		assert.NotContains(t, out, "no common mechanism")
		t.Log(out)
	})
}
