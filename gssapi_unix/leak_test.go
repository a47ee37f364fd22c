//go:build !windows && cgo

package gssapi_unix

import (
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/cleak"
)

// TestLeakLoop runs GSSNEGO_LEAKCHECK_N (default 1000) complete lifecycles —
// names, credentials, a krb5 handshake, MIC and wrap both ways, an error
// path, export/import, close, a delegated credential taken, stored into a
// ccache and used for a second hop, one left to Close, and (MIT) an S4U2Self
// impersonated credential used and a refused S4U2Proxy, a memory Keytab
// loaded, reloaded and released — so that leakcheck.sh can run it under
// valgrind or LeakSanitizer. It only runs with GSSNEGO_LEAKCHECK=1.
func TestLeakLoop(t *testing.T) {
	if os.Getenv("GSSNEGO_LEAKCHECK") != "1" {
		t.Skip("set GSSNEGO_LEAKCHECK=1 (see leakcheck.sh)")
	}
	n := 1000
	if s := os.Getenv("GSSNEGO_LEAKCHECK_N"); s != "" {
		var err error
		n, err = strconv.Atoi(s)
		require.NoError(t, err)
	}
	p := provider(t)
	msg := make([]byte, 1024)
	dir := t.TempDir()
	for i := 0; i < n; i++ {
		leakOnce(t, p, msg)
		leakDelegation(t, p, dir)
		leakKeytab(t, p, dir, i)
	}
	if os.Getenv("GSSNEGO_LEAKCHECK_SELFTEST") == "1" {
		cleak.Leak(n)
	}
	// Anything left to the cleanup safety net is freed now.
	runtime.GC()
	runtime.GC()
}

func leakOnce(t *testing.T, p *Provider, msg []byte) {
	target, err := p.ImportName(realm.Principal(targetHTTP), gss.NameKerberosPrincipal)
	require.NoError(t, err)
	cred, err := p.AcquireCredential(nil, []gss.OID{gss.MechKRB5}, gss.CredInitiateOnly)
	require.NoError(t, err)
	_, err = cred.Inquire()
	require.NoError(t, err)
	ini, err := p.InitSecContext(target, gss.WithFlags(allFlagsLocal), gss.WithInitiatorCredential(cred),
		gss.WithInitiatorChannelBindings(&gss.ChannelBindings{ApplicationData: []byte("cb")}))
	require.NoError(t, err)
	acred, err := p.AcquireCredential(nil, []gss.OID{gss.MechKRB5}, gss.CredAcceptOnly, gss.WithKeytab(realm.Keytab))
	require.NoError(t, err)
	acc, err := p.AcceptSecContext(gss.WithAcceptorCredential(acred),
		gss.WithAcceptorChannelBindings(&gss.ChannelBindings{ApplicationData: []byte("cb")}))
	require.NoError(t, err)
	handshake(t, ini, acc)
	_, err = ini.Inquire()
	require.NoError(t, err)
	_, err = acc.Inquire()
	require.NoError(t, err)
	// The initiator-only inquiry (one C call: inquire, display, release).
	name, err := acc.(*SecContext).InitiatorName()
	require.NoError(t, err)
	require.NotEmpty(t, name)
	for _, pr := range [][2]gss.SecContext{{ini, acc}, {acc, ini}} {
		mic, err := pr[0].GetMIC(msg)
		require.NoError(t, err)
		require.NoError(t, pr[1].VerifyMIC(msg, mic))
		tok, _, err := pr[0].Wrap(msg, true)
		require.NoError(t, err)
		_, _, err = pr[1].Unwrap(tok)
		require.NoError(t, err)
	}
	// An error path allocates status text.
	require.Error(t, acc.VerifyMIC(msg, []byte("bad")))
	tok, err := acc.Export()
	require.NoError(t, err)
	imp, err := p.ImportSecContext(tok)
	require.NoError(t, err)
	require.NoError(t, imp.Close())
	require.NoError(t, ini.Close())
	require.NoError(t, acc.Close())
	require.NoError(t, cred.Release())
	require.NoError(t, acred.Release())
	require.NoError(t, target.Release())
}

func leakDelegation(t *testing.T, p *Provider, dir string) {
	target, err := p.ImportName(realm.Principal(targetHTTP), gss.NameKerberosPrincipal)
	require.NoError(t, err)
	host, err := p.ImportName(realm.Principal("host/localhost"), gss.NameKerberosPrincipal)
	require.NoError(t, err)
	hop := func(cred gss.Credential, to gss.Name) error {
		ini, err := p.InitSecContext(to, gss.WithFlags(allFlagsLocal|gss.FlagDeleg), gss.WithInitiatorCredential(cred))
		require.NoError(t, err)
		defer ini.Close()
		acc, err := p.AcceptSecContext()
		require.NoError(t, err)
		defer acc.Close()
		tok, err := ini.Continue(nil)
		if err != nil {
			return err
		}
		tok, err = acc.Continue(tok)
		require.NoError(t, err)
		_, err = ini.Continue(tok)
		require.NoError(t, err)
		return nil
	}
	// Taken, stored, used for a second hop, released.
	ini, err := p.InitSecContext(target, gss.WithFlags(allFlagsLocal|gss.FlagDeleg))
	require.NoError(t, err)
	acc, err := p.AcceptSecContext()
	require.NoError(t, err)
	handshake(t, ini, acc)
	deleg, err := gss.DelegatedCredential(acc)
	require.NoError(t, err)
	require.NotNil(t, deleg)
	_, err = deleg.Inquire()
	require.NoError(t, err)
	require.NoError(t, gss.StoreCredential(deleg, "FILE:"+dir+"/deleg.ccache"))
	require.NoError(t, hop(deleg, host))
	require.NoError(t, ini.Close())
	require.NoError(t, acc.Close())
	require.NoError(t, deleg.Release())
	// Not taken: Close releases it.
	ini, err = p.InitSecContext(target, gss.WithFlags(allFlagsLocal|gss.FlagDeleg))
	require.NoError(t, err)
	acc, err = p.AcceptSecContext()
	require.NoError(t, err)
	handshake(t, ini, acc)
	require.NoError(t, ini.Close())
	require.NoError(t, acc.Close())
	if implementation == "MIT" {
		svc, err := p.AcquireCredential(target, []gss.OID{gss.MechKRB5}, gss.CredInitiateOnly,
			gss.WithCCache("FILE:"+dir+"/svc.ccache"), gss.WithClientKeytab(realm.Keytab))
		require.NoError(t, err)
		user, err := p.ImportName(realm.Principal(realm.User), gss.NameKerberosPrincipal)
		require.NoError(t, err)
		alice, err := gss.AcquireImpersonatedCredential(p, svc, user, 0)
		require.NoError(t, err)
		require.NoError(t, hop(alice, target))
		require.ErrorIs(t, hop(alice, host), gss.KDCErrBadOption)
		require.NoError(t, alice.Release())
		require.NoError(t, svc.Release())
		require.NoError(t, user.Release())
	}
	require.NoError(t, target.Release())
	require.NoError(t, host.Release())
}
