//go:build !windows && cgo

package gssapi_unix

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/testrealm"
)

func TestExportImportContext(t *testing.T) {
	p := provider(t)
	ini, acc := pair(t, p, realm.Principal(targetHTTP))
	tok, err := acc.Export()
	require.NoError(t, err)
	_, err = acc.GetMIC([]byte("x"))
	assert.ErrorIs(t, err, gss.ErrNoContext, "exported context is unusable")
	imp, err := p.ImportSecContext(tok)
	require.NoError(t, err)
	defer imp.Close()
	info, err := imp.Inquire()
	require.NoError(t, err)
	assert.False(t, info.LocallyInitiated)
	assert.True(t, info.Established)
	assert.Equal(t, gss.MechKRB5, info.Mech)
	assert.Equal(t, realm.Principal(realm.User), info.InitiatorName)
	roundTrips(t, ini, imp.(*SecContext))
	roundTrips(t, imp.(*SecContext), ini)

	_, err = p.ImportSecContext([]byte("not an exported context"))
	require.Error(t, err)
	logErr(t, "import garbage", err)
}

func TestWrapSizeLimit(t *testing.T) {
	p := provider(t)
	ini, acc := pair(t, p, realm.Principal(targetHTTP))
	for _, conf := range []bool{true, false} {
		n, err := ini.WrapSizeLimit(conf, 4096)
		require.NoError(t, err)
		require.Greater(t, n, 4000)
		require.Less(t, n, 4096)
		tok, _, err := ini.Wrap(make([]byte, n), conf)
		require.NoError(t, err)
		assert.LessOrEqual(t, len(tok), 4096, "conf=%v", conf)
		_, _, err = acc.Unwrap(tok)
		require.NoError(t, err)
	}
}

// TestWrapIOV checks the Windows-style token + data split: the data keeps
// the message length and is ciphertext when sealed, the token is the RFC
// 4121 header with everything else rotated into it, and UnwrapIOV reverses
// it.
func TestWrapIOV(t *testing.T) {
	p := provider(t)
	ini, acc := pair(t, p, realm.Principal(targetHTTP))
	msg := []byte("message for the MSDN sample, sealed in place")
	for _, conf := range []bool{true, false} {
		tok, data, confState, err := ini.WrapIOV(msg, conf)
		require.NoError(t, err)
		assert.Equal(t, conf, confState)
		assert.Len(t, data, len(msg))
		assert.Equal(t, !conf, bytes.Equal(data, msg), "data is ciphertext only when sealed")
		t.Logf("conf=%v: token %d bytes, data %d bytes", conf, len(tok), len(data))
		out, confState, err := acc.UnwrapIOV(tok, data)
		require.NoError(t, err)
		assert.Equal(t, msg, out)
		assert.Equal(t, conf, confState)
	}
	tok, data, _, err := ini.WrapIOV(msg, true)
	require.NoError(t, err)
	data[0] ^= 1
	_, _, err = acc.UnwrapIOV(tok, data)
	logErr(t, "tampered IOV data", err)
	// Heimdal's gss_unwrap_iov reports a bad checksum as GSS_S_FAILURE with
	// minor KRB5KRB_AP_ERR_BAD_INTEGRITY (its gss_unwrap says GSS_S_BAD_SIG).
	assert.ErrorIs(t, err, byImpl(gss.ErrBadMIC, gss.ErrFailure))
}

func TestChannelBindings(t *testing.T) {
	p := provider(t)
	target := importTarget(t, p, realm.Principal(targetHTTP))
	cb := &gss.ChannelBindings{ApplicationData: []byte("tls-server-end-point:0123456789abcdef")}
	other := &gss.ChannelBindings{ApplicationData: []byte("tls-server-end-point:fedcba9876543210")}

	ini, err := p.InitSecContext(target, gss.WithFlags(gss.FlagMutual), gss.WithInitiatorChannelBindings(cb))
	require.NoError(t, err)
	acc, err := p.AcceptSecContext(gss.WithAcceptorChannelBindings(cb))
	require.NoError(t, err)
	defer ini.Close()
	defer acc.Close()
	handshake(t, ini, acc)

	ini2, err := p.InitSecContext(target, gss.WithFlags(gss.FlagMutual), gss.WithInitiatorChannelBindings(cb))
	require.NoError(t, err)
	defer ini2.Close()
	tok, err := ini2.Continue(nil)
	require.NoError(t, err)
	acc2, err := p.AcceptSecContext(gss.WithAcceptorChannelBindings(other))
	require.NoError(t, err)
	defer acc2.Close()
	_, err = acc2.Continue(tok)
	require.Error(t, err)
	logErr(t, "mismatched channel bindings", err)
	assert.ErrorIs(t, err, gss.ErrBadBindings)
}

// TestCredentialOptions acquires acceptor credentials from an explicit
// keytab and initiator credentials from an explicit ccache, then a client
// keytab and a replay cache where the library supports them (MIT).
func TestCredentialOptions(t *testing.T) {
	p := provider(t)
	svc, err := p.ImportName("HTTP@localhost", gss.NameHostBasedService)
	require.NoError(t, err)
	defer svc.Release()
	acred, err := p.AcquireCredential(svc, []gss.OID{gss.MechKRB5}, gss.CredAcceptOnly, gss.WithKeytab(realm.Keytab))
	require.NoError(t, err)
	defer acred.Release()
	info, err := acred.Inquire()
	require.NoError(t, err)
	t.Logf("acceptor cred: %+v", info)
	assert.Equal(t, gss.CredAcceptOnly, info.Usage)

	ccache := "FILE:" + filepath.Join(t.TempDir(), "bob.ccache")
	realm.AddUser(t, "carol", "carol-Pa55word")
	realm.Kinit(t, realm.Principal("carol"), "carol-Pa55word", ccache)
	icred, err := p.AcquireCredential(nil, []gss.OID{gss.MechKRB5}, gss.CredInitiateOnly, gss.WithCCache(ccache))
	require.NoError(t, err)
	defer icred.Release()
	info, err = icred.Inquire()
	require.NoError(t, err)
	assert.Equal(t, realm.Principal("carol"), info.Name)

	ini, err := p.InitSecContext(importTarget(t, p, "HTTP@localhost"), gss.WithInitiatorCredential(icred), gss.WithFlags(gss.FlagMutual))
	require.NoError(t, err)
	defer ini.Close()
	acc, err := p.AcceptSecContext(gss.WithAcceptorCredential(acred))
	require.NoError(t, err)
	defer acc.Close()
	handshake(t, ini, acc)
	ai, err := acc.Inquire()
	require.NoError(t, err)
	assert.Equal(t, realm.Principal("carol"), ai.InitiatorName)

	// Client keytab and replay cache.
	kadmin := lab.NeedCommand(t, "kadmin.local")[0]
	ckt := "FILE:" + filepath.Join(t.TempDir(), "client.keytab")
	realm.AddUser(t, "svcuser", "svcuser-Pa55word")
	cmd := exec.Command(kadmin, "-r", realm.Name, "-q", "ktadd -k "+ckt+" svcuser")
	cmd.Env = append(os.Environ(), realm.Env()...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	user, err := p.ImportName(realm.Principal("svcuser"), gss.NameKerberosPrincipal)
	require.NoError(t, err)
	defer user.Release()
	emptyCC := "FILE:" + filepath.Join(t.TempDir(), "svcuser.ccache")
	kcred, err := p.AcquireCredential(user, []gss.OID{gss.MechKRB5}, gss.CredInitiateOnly, gss.WithClientKeytab(ckt), gss.WithCCache(emptyCC))
	rcred, rerr := p.AcquireCredential(nil, []gss.OID{gss.MechKRB5}, gss.CredAcceptOnly, gss.WithKeytab(realm.Keytab),
		gss.WithReplayCache("dfl:"+filepath.Join(t.TempDir(), "rc")))
	if implementation == "Heimdal" {
		assert.ErrorIs(t, err, gss.ErrUnavailable, "client keytab")
		assert.ErrorIs(t, rerr, gss.ErrUnavailable, "replay cache")
		logErr(t, "Heimdal client keytab", err)
		return
	}
	require.NoError(t, err)
	defer kcred.Release()
	require.NoError(t, rerr)
	defer rcred.Release()
	ini2, err := p.InitSecContext(importTarget(t, p, "HTTP@localhost"), gss.WithInitiatorCredential(kcred), gss.WithFlags(gss.FlagMutual))
	require.NoError(t, err)
	defer ini2.Close()
	acc2, err := p.AcceptSecContext(gss.WithAcceptorCredential(rcred))
	require.NoError(t, err)
	defer acc2.Close()
	handshake(t, ini2, acc2)
	ai, err = acc2.Inquire()
	require.NoError(t, err)
	assert.Equal(t, realm.Principal("svcuser"), ai.InitiatorName)
	assert.True(t, strings.HasPrefix(ai.AcceptorName, "HTTP/localhost"), ai.AcceptorName)
	_ = testrealm.LabEtypes
}

// TestCleanupSafetyNet drops names, credentials and contexts without
// Release/Close: the runtime cleanups free them (and leakcheck.sh would see
// a leak otherwise).
func TestCleanupSafetyNet(t *testing.T) {
	p := provider(t)
	before := safetyNetRuns.Load()
	const n = 20
	func() {
		for i := 0; i < n; i++ {
			target, err := p.ImportName(realm.Principal(targetHTTP), gss.NameKerberosPrincipal)
			require.NoError(t, err)
			cred, err := p.AcquireCredential(nil, []gss.OID{gss.MechKRB5}, gss.CredInitiateOnly)
			require.NoError(t, err)
			ini, err := p.InitSecContext(target, gss.WithInitiatorCredential(cred))
			require.NoError(t, err)
			_, err = ini.Continue(nil)
			require.NoError(t, err)
		}
	}()
	// Each iteration leaves a name, a credential and a context: 3n cleanups
	// (the credential's only after the context's dropped its reference).
	deadline := time.Now().Add(10 * time.Second)
	for safetyNetRuns.Load()-before < 2*n && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	assert.GreaterOrEqual(t, safetyNetRuns.Load()-before, int64(2*n))
}
