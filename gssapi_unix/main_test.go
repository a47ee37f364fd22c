//go:build !windows && cgo

package gssapi_unix

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/testrealm"
)

// The binary's one realm (testrealm.Main/Shared): Heimdal reads
// KRB5_CONFIG once per thread, so a test that needs another environment
// runs itself in a child process (testrealm.RunChild).
var realm *testrealm.Realm

const (
	targetHTTP    = "HTTP/localhost"
	allFlagsLocal = gss.FlagMutual | gss.FlagInteg | gss.FlagConf | gss.FlagSequence | gss.FlagReplay
)

func TestMain(m *testing.M) { os.Exit(testrealm.Main(m, func(r *testrealm.Realm) { realm = r })) }

// needRealm returns the shared realm or ends the test via lab.Unavailable.
func needRealm(tb testing.TB) *testrealm.Realm {
	tb.Helper()
	return testrealm.Shared(tb)
}

func runChild(tb testing.TB, caseName string, env ...string) string {
	tb.Helper()
	needRealm(tb)
	return testrealm.RunChild(tb, caseName, env...)
}

func childCase() string { return testrealm.ChildCase() }

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
