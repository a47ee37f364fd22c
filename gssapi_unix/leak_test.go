//go:build !windows && cgo

package gssapi_unix

import (
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
)

// TestLeakLoop runs GSSNEGO_LEAKCHECK_N (default 1000) complete lifecycles —
// names, credentials, a krb5 handshake, MIC and wrap both ways, an error
// path, export/import, close — so that leakcheck.sh can run it under
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
	for i := 0; i < n; i++ {
		leakOnce(t, p, msg)
	}
	if os.Getenv("GSSNEGO_LEAKCHECK_SELFTEST") == "1" {
		leakForSelfTest(n)
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
