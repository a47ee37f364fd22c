package sspi

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/wine"
)

// needLab returns the Kerberos lab the runner (ci/wine.sh) or the Windows
// script (testdata/run-on-windows.ps1) described, or ends the test.
func needLab(t *testing.T) *wine.Lab {
	t.Helper()
	l, ok := wine.FromEnv()
	if !ok {
		lab.Unavailable(t, "no Kerberos realm described by %s/%s/%s: run ci/wine.sh under Wine, or testdata/run-on-windows.ps1 on a domain member",
			wine.EnvRealm, wine.EnvUser, wine.EnvSPN)
	}
	return l
}

// skipOnWine skips a test for a documented Wine limitation. These are not
// lab skips: Windows runs them, GSSNEGO_REQUIRE_LAB does not apply.
func skipOnWine(t *testing.T, what string) {
	t.Helper()
	if IsWine() {
		t.Skipf("Wine %s: %s", WineVersion(), what)
	}
}

const krbFlags = gss.FlagMutual | gss.FlagInteg | gss.FlagConf | gss.FlagSequence | gss.FlagReplay

// handshake runs initiator and acceptor to completion in this process and
// returns both contexts (closed by t.Cleanup).
func handshake(t *testing.T, spn string, flags gss.Flags, iopts []gss.InitSecContextOption, aopts []gss.AcceptSecContextOption) (*SecContext, *SecContext) {
	t.Helper()
	ini, acc, err := tryHandshake(spn, flags, iopts, aopts)
	require.NoError(t, err)
	return ini, acc
}

func tryHandshake(spn string, flags gss.Flags, iopts []gss.InitSecContextOption, aopts []gss.AcceptSecContextOption) (ini, acc *SecContext, err error) {
	p := New()
	target, err := p.ImportName(spn, gss.NameKerberosPrincipal)
	if err != nil {
		return nil, nil, err
	}
	iopts = append([]gss.InitSecContextOption{gss.WithMech(gss.MechKRB5), gss.WithFlags(flags)}, iopts...)
	ic, err := p.InitSecContext(target, iopts...)
	if err != nil {
		return nil, nil, err
	}
	ini = ic.(*SecContext)
	ac, err := p.AcceptSecContext(aopts...)
	if err != nil {
		ini.Close()
		return nil, nil, err
	}
	acc = ac.(*SecContext)
	tok, err := ini.Continue(nil)
	for err == nil && (ini.ContinueNeeded() || acc.ContinueNeeded()) {
		if len(tok) == 0 {
			break
		}
		if acc.ContinueNeeded() {
			tok, err = acc.Continue(tok)
		} else {
			tok, err = ini.Continue(tok)
		}
	}
	if err == nil && (ini.ContinueNeeded() || acc.ContinueNeeded()) {
		err = gss.NewError("handshake", gss.StatusFailure, 0, "", "handshake stopped with no token to send")
	}
	if err != nil {
		ini.Close()
		acc.Close()
		return nil, nil, err
	}
	return ini, acc, nil
}
