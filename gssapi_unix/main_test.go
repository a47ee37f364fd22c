//go:build !windows && cgo

package gssapi_unix

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/testrealm"
)

// One realm serves the whole test binary, and the process environment points
// at it before the first GSS call: Heimdal keeps a krb5_context per thread
// that reads KRB5_CONFIG once, so per-test realms or per-test KRB5_CONFIG
// changes would not be seen reliably. A test that needs another environment
// runs itself in a child process (runChild).
var (
	realm    *testrealm.Realm
	realmErr error
)

const (
	childEnv      = "GSSNEGO_GSSAPI_UNIX_CHILD"      // set in a child: the realm as JSON
	childRunEnv   = "GSSNEGO_GSSAPI_UNIX_CHILD_CASE" // which child case to run
	targetHTTP    = "HTTP/localhost"
	allFlagsLocal = gss.FlagMutual | gss.FlagInteg | gss.FlagConf | gss.FlagSequence | gss.FlagReplay
)

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	if js := os.Getenv(childEnv); js != "" {
		realm = &testrealm.Realm{}
		realmErr = json.Unmarshal([]byte(js), realm)
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "gssapi_unix-realm-")
	if err != nil {
		realmErr = err
		return m.Run()
	}
	defer os.RemoveAll(dir)
	realm, realmErr = testrealm.Launch(dir)
	if realm != nil {
		defer realm.StopKDC()
	}
	if realmErr == nil {
		for _, kv := range realm.Env() {
			k, v, _ := strings.Cut(kv, "=")
			os.Setenv(k, v)
		}
		os.Unsetenv("KRB5_TRACE")
	}
	return m.Run()
}

// needRealm returns the shared realm or ends the test via lab.Unavailable.
func needRealm(tb testing.TB) *testrealm.Realm {
	tb.Helper()
	if realmErr != nil {
		lab.Unavailable(tb, "test realm: %v", realmErr)
	}
	return realm
}

// runChild runs the test named by tb in a child test process with extra
// environment, where childCase(tb) reports the case to run. It returns the
// child's output.
func runChild(tb testing.TB, caseName string, env ...string) string {
	tb.Helper()
	r := needRealm(tb)
	js, err := json.Marshal(r)
	require.NoError(tb, err)
	cmd := exec.Command(os.Args[0], "-test.run=^"+strings.Split(tb.Name(), "/")[0]+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+string(js), childRunEnv+"="+caseName)
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	require.NoError(tb, err, "child %s failed:\n%s", caseName, out)
	require.NotContains(tb, string(out), "--- SKIP", "child %s skipped:\n%s", caseName, out)
	return string(out)
}

// childCase is the case a child process was started for, or "" in the parent.
func childCase() string { return os.Getenv(childRunEnv) }

func provider(tb testing.TB) *Provider {
	tb.Helper()
	needRealm(tb)
	return New()
}

func importTarget(tb testing.TB, p *Provider, principal string) gss.Name {
	tb.Helper()
	n, err := p.ImportName(principal, gss.GuessNameType(principal))
	require.NoError(tb, err)
	tb.Cleanup(func() { n.Release() })
	return n
}

// handshake runs initiator and acceptor to completion in process.
func handshake(tb testing.TB, ini, acc gss.SecContext) {
	tb.Helper()
	tok, err := ini.Continue(nil)
	require.NoError(tb, err, "first init")
	for i := 0; i < 10 && (ini.ContinueNeeded() || acc.ContinueNeeded()); i++ {
		if acc.ContinueNeeded() {
			tok, err = acc.Continue(tok)
			require.NoError(tb, err, "accept leg %d", i)
		}
		if ini.ContinueNeeded() {
			tok, err = ini.Continue(tok)
			require.NoError(tb, err, "init leg %d", i)
		}
	}
	require.False(tb, ini.ContinueNeeded(), "initiator not established")
	require.False(tb, acc.ContinueNeeded(), "acceptor not established")
}

// pair makes an established initiator/acceptor pair towards principal.
func pair(tb testing.TB, p *Provider, principal string, opts ...gss.InitSecContextOption) (ini, acc *SecContext) {
	tb.Helper()
	target := importTarget(tb, p, principal)
	opts = append([]gss.InitSecContextOption{gss.WithFlags(allFlagsLocal)}, opts...)
	i, err := p.InitSecContext(target, opts...)
	require.NoError(tb, err)
	a, err := p.AcceptSecContext()
	require.NoError(tb, err)
	tb.Cleanup(func() { i.Close(); a.Close() })
	handshake(tb, i, a)
	return i.(*SecContext), a.(*SecContext)
}
