//go:build !windows

package kerberos_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/mitm"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/kerberos"
	"github.com/gssnego/gssnego/negotiate"
)

func TestMain(m *testing.M) { os.Exit(testrealm.Main(m)) }

// aesEtypes are the lab services whose session keys use RFC 4121 tokens.
var aesEtypes = []gss.Enctype{gss.EnctypeAES128SHA1, gss.EnctypeAES256SHA1, gss.EnctypeAES256SHA384}

func hostOf(r *testrealm.Realm, e gss.Enctype) string {
	svc := r.EtypeService(e) // "HTTP/host"
	return "HTTP@" + svc[len("HTTP/"):]
}

func importName(t *testing.T, p gss.Provider, s string, typ gss.NameType) gss.Name {
	t.Helper()
	n, err := p.ImportName(s, typ)
	require.NoError(t, err)
	t.Cleanup(func() { n.Release() })
	return n
}

// rawHandshake runs a raw krb5 exchange to the end.
func rawHandshake(t *testing.T, init, acc gss.SecContext) [][]byte {
	t.Helper()
	res := mitm.Run(init, acc, mitm.None)
	require.NoError(t, res.InitErr, "initiator")
	require.NoError(t, res.AccErr, "acceptor")
	require.False(t, init.ContinueNeeded())
	require.False(t, acc.ContinueNeeded())
	return res.Tokens
}

// perMessage checks MIC and wrap tokens both ways, sealed and not, and
// that a tampered MIC fails.
func perMessage(t *testing.T, a, b gss.SecContext) {
	t.Helper()
	for i, pair := range [][2]gss.SecContext{{a, b}, {b, a}} {
		from, to := pair[0], pair[1]
		msg := []byte(fmt.Sprintf("message %d", i))
		mic, err := from.GetMIC(msg)
		require.NoError(t, err)
		require.NoError(t, to.VerifyMIC(msg, mic))
		bad := append([]byte{}, mic...)
		bad[len(bad)-1] ^= 1
		require.ErrorIs(t, to.VerifyMIC(msg, bad), gss.ErrBadMIC)
		for _, conf := range []bool{true, false} {
			w, cs, err := from.Wrap(msg, conf)
			require.NoError(t, err)
			assert.Equal(t, conf, cs)
			plain, cs2, err := to.Unwrap(w)
			require.NoError(t, err, "unwrap conf=%v", conf)
			assert.Equal(t, conf, cs2)
			assert.Equal(t, msg, plain)
		}
	}
}

func acceptor(t *testing.T, p gss.Provider, opts ...gss.AcceptSecContextOption) gss.SecContext {
	t.Helper()
	acc, err := p.AcceptSecContext(opts...)
	require.NoError(t, err)
	t.Cleanup(func() { acc.Close() })
	return acc
}

func initiator(t *testing.T, p gss.Provider, target gss.Name, opts ...gss.InitSecContextOption) gss.SecContext {
	t.Helper()
	opts = append([]gss.InitSecContextOption{gss.WithMech(gss.MechKRB5), gss.WithFlags(gss.FlagMutual | gss.FlagInteg | gss.FlagConf | gss.FlagReplay | gss.FlagSequence)}, opts...)
	ctx, err := p.InitSecContext(target, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { ctx.Close() })
	return ctx
}

// TestPureGoRawKrb5: pure-Go initiator (TGT from MIT kinit's ccache) to
// pure-Go acceptor (kadmin's keytab), per AES enctype, host-based names
// mapped through domain_realm.
func TestPureGoRawKrb5(t *testing.T) {
	r := testrealm.Shared(t)
	for _, e := range aesEtypes {
		t.Run(e.String(), func(t *testing.T) {
			p := kerberos.NewProvider()
			init := initiator(t, p, importName(t, p, hostOf(r, e), gss.NameHostBasedService))
			acc := acceptor(t, p)
			toks := rawHandshake(t, init, acc)
			require.Len(t, toks, 2, "AP-REQ, AP-REP")
			for _, c := range []gss.SecContext{init, acc} {
				info, err := c.Inquire()
				require.NoError(t, err)
				assert.True(t, info.Established)
				// RFC 4537, as MIT: the acceptor subkey takes the first
				// enctype of krb5.conf's list, aes256-cts-hmac-sha1-96.
				assert.Equal(t, gss.EnctypeAES256SHA1, info.SessionKeyEnctype)
				assert.Equal(t, r.Principal(r.User), info.InitiatorName)
				assert.Equal(t, r.EtypeService(e)+"@"+r.Name, info.AcceptorName)
				assert.NotZero(t, info.Flags&gss.FlagMutual)
				assert.WithinDuration(t, time.Now().Add(10*time.Hour), info.ExpiresAt, time.Hour)
			}
			perMessage(t, init, acc)
		})
	}
}

// TestPureGoNoMutual: without mutual authentication one token, and both
// sides share sequence numbers.
func TestPureGoNoMutual(t *testing.T) {
	r := testrealm.Shared(t)
	p := kerberos.NewProvider()
	init, err := p.InitSecContext(importName(t, p, "HTTP@localhost", gss.NameHostBasedService), gss.WithFlags(gss.FlagInteg))
	require.NoError(t, err)
	defer init.Close()
	acc := acceptor(t, p)
	toks := rawHandshake(t, init, acc)
	require.Len(t, toks, 1)
	perMessage(t, init, acc)
	_ = r
}

// TestPureGoSPNEGO: the negotiate engine over the pure-Go provider on both
// sides, with and without the optimistic token (mechListMIC exchanged).
func TestPureGoSPNEGO(t *testing.T) {
	r := testrealm.Shared(t)
	for _, e := range aesEtypes {
		for _, noOpt := range []bool{false, true} {
			t.Run(fmt.Sprintf("%v/noOptimistic=%v", e, noOpt), func(t *testing.T) {
				p := kerberos.NewProvider()
				spnegoPair(t, p, p, hostOf(r, e), noOpt, nil)
			})
		}
	}
}

// TestPureGoMITMRefused: the MITM attacks of the bench are refused over
// the pure-Go provider.
func TestPureGoMITMRefused(t *testing.T) {
	r := testrealm.Shared(t)
	for _, a := range mitm.Attacks() {
		t.Run(a.Name, func(t *testing.T) {
			p := kerberos.NewProvider()
			client, err := negotiate.NewClient(importName(t, p, hostOf(r, gss.EnctypeAES256SHA1), gss.NameHostBasedService),
				negotiate.Config{Provider: p, Mechs: []gss.OID{gss.MechMSKRB5, gss.MechKRB5, gss.MechNTLMSSP}, NoOptimisticToken: true})
			require.NoError(t, err)
			defer client.Close()
			server, err := negotiate.NewServer(negotiate.Config{Provider: p})
			require.NoError(t, err)
			defer server.Close()
			res := mitm.Run(client, server, a)
			if res.Tampered {
				assert.False(t, res.InitDone && res.AccDone && res.InitErr == nil && res.AccErr == nil,
					"attack %s went unnoticed", a.Name)
			}
		})
	}
}

// TestPureGoPassword: a password login (AS exchange with PA-ENC-TIMESTAMP
// and the salt of PA-ETYPE-INFO2); a wrong password fails as no credentials.
func TestPureGoPassword(t *testing.T) {
	r := testrealm.Shared(t)
	p := kerberos.NewProvider()
	user := importName(t, p, r.Principal(r.User), gss.NameKerberosPrincipal)
	cred, err := p.AcquireCredential(user, nil, gss.CredInitiateOnly, gss.WithPassword(r.Password))
	require.NoError(t, err)
	info, err := cred.Inquire()
	require.NoError(t, err)
	assert.Equal(t, r.Principal(r.User), info.Name)
	init := initiator(t, p, importName(t, p, "HTTP@localhost", gss.NameHostBasedService), gss.WithInitiatorCredential(cred))
	rawHandshake(t, init, acceptor(t, p))

	_, err = p.AcquireCredential(user, nil, gss.CredInitiateOnly, gss.WithPassword("wrong"))
	require.Error(t, err)
	assert.ErrorIs(t, err, gss.KDCErrPreauthFailed, "%v", err)
	assert.ErrorIs(t, err, gss.ErrNoCred)
}

// TestPureGoClientKeytab: a client keytab written by kadmin (ktadd).
func TestPureGoClientKeytab(t *testing.T) {
	r := testrealm.Shared(t)
	kt := "FILE:" + filepath.Join(t.TempDir(), "client.keytab")
	r.ExportKey(t, r.User, kt)
	p := kerberos.NewProvider()
	cred, err := p.AcquireCredential(nil, nil, gss.CredInitiateOnly, gss.WithClientKeytab(kt))
	require.NoError(t, err)
	init := initiator(t, p, importName(t, p, "host@localhost", gss.NameHostBasedService), gss.WithInitiatorCredential(cred))
	rawHandshake(t, init, acceptor(t, p))
}

// TestPureGoReplayRefused: the same AP-REQ twice is refused the second time.
func TestPureGoReplayRefused(t *testing.T) {
	r := testrealm.Shared(t)
	p := kerberos.NewProvider()
	init := initiator(t, p, importName(t, p, hostOf(r, gss.EnctypeAES256SHA1), gss.NameHostBasedService))
	apreq, err := init.Continue(nil)
	require.NoError(t, err)
	_, err = acceptor(t, p).Continue(apreq)
	require.NoError(t, err)
	out, err := acceptor(t, p).Continue(apreq)
	require.Error(t, err)
	assert.ErrorIs(t, err, gss.ErrDuplicateToken)
	assert.NotEmpty(t, out, "KRB-ERROR token for the initiator")
}

// TestPureGoFaults: typed errors for the common failures.
func TestPureGoFaults(t *testing.T) {
	r := testrealm.Shared(t)
	t.Run("NoCCache", func(t *testing.T) {
		p := kerberos.NewProvider()
		_, err := p.AcquireCredential(nil, nil, gss.CredInitiateOnly, gss.WithCCache("FILE:"+filepath.Join(t.TempDir(), "none")))
		assert.ErrorIs(t, err, gss.ErrNoTicket)
		assert.ErrorIs(t, err, gss.ErrNoCred)
	})
	t.Run("UnknownService", func(t *testing.T) {
		p := kerberos.NewProvider()
		init := initiator(t, p, importName(t, p, "HTTP@nosuch.gssnego.test", gss.NameHostBasedService))
		_, err := init.Continue(nil)
		assert.ErrorIs(t, err, gss.KDCErrServerUnknown, "%v", err)
	})
	t.Run("KDCUnreachable", func(t *testing.T) {
		conf := r.WriteConf(t, "purego-refused", "127.0.0.1:1")
		t.Setenv("KRB5_CONFIG", conf)
		p := kerberos.NewProvider()
		user := importName(t, p, r.Principal(r.User), gss.NameKerberosPrincipal)
		_, err := p.AcquireCredential(user, nil, gss.CredInitiateOnly, gss.WithPassword(r.Password))
		assert.ErrorIs(t, err, gss.ErrKDCUnreachable, "%v", err)
	})
	t.Run("SilentKDCDeadline", func(t *testing.T) {
		silent := testrealm.StartSilentKDC(t, true)
		conf := r.WriteConf(t, "purego-silent", silent.Addr, "udp_preference_limit = 1")
		t.Setenv("KRB5_CONFIG", conf)
		p := kerberos.NewProvider()
		user := importName(t, p, r.Principal(r.User), gss.NameKerberosPrincipal)
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := p.AcquireCredentialContext(ctx, user, nil, gss.CredInitiateOnly, gss.WithPassword(r.Password))
		took := time.Since(start)
		assert.ErrorIs(t, err, gss.ErrKDCUnreachable, "%v", err)
		assert.ErrorIs(t, err, context.DeadlineExceeded, "%v", err)
		assert.Less(t, took, 2*time.Second, "the deadline holds")
	})
	t.Run("WrongKey", func(t *testing.T) {
		// The keytab has the ticket's principal and kvno, but the key of
		// an earlier incarnation of the principal (deleted and re-added).
		svc := "HTTP/wrongkey.gssnego.test"
		r.Kadmin(t, "addprinc -randkey "+svc)
		old := "FILE:" + filepath.Join(t.TempDir(), "old.keytab")
		r.ExportKey(t, svc, old)
		r.Kadmin(t, "delprinc -force "+svc, "addprinc -randkey "+svc)
		p := kerberos.NewProvider()
		init := initiator(t, p, importName(t, p, "HTTP@wrongkey.gssnego.test", gss.NameHostBasedService))
		apreq, err := init.Continue(nil)
		require.NoError(t, err)
		cred, err := p.AcquireCredential(nil, nil, gss.CredAcceptOnly, gss.WithKeytab(old))
		require.NoError(t, err)
		out, err := acceptor(t, p, gss.WithAcceptorCredential(cred)).Continue(apreq)
		assert.ErrorIs(t, err, gss.ErrWrongKey, "%v", err)
		// The initiator learns why from the KRB-ERROR token.
		_, ierr := init.Continue(out)
		assert.ErrorIs(t, ierr, gss.ErrWrongKey, "%v", ierr)
	})
	t.Run("ClockSkew", func(t *testing.T) {
		p := kerberos.NewProvider()
		init := initiator(t, p, importName(t, p, "HTTP@localhost", gss.NameHostBasedService))
		apreq, err := init.Continue(nil)
		require.NoError(t, err)
		skewed := kerberos.NewProvider()
		kerberos.SetClockOffset(skewed, 10*time.Minute)
		out, err := acceptor(t, skewed).Continue(apreq)
		assert.ErrorIs(t, err, gss.ErrClockSkew, "%v", err)
		_, ierr := init.Continue(out)
		assert.ErrorIs(t, ierr, gss.ErrClockSkew, "%v", ierr)
	})
	t.Run("StaleKeytab", func(t *testing.T) {
		p := kerberos.NewProvider()
		svc := "HTTP/stale-purego.gssnego.test"
		r.Kadmin(t, "addprinc -randkey "+svc)
		kt := "FILE:" + filepath.Join(t.TempDir(), "stale.keytab")
		r.ExportKey(t, svc, kt)
		r.RotateKey(t, svc)
		init := initiator(t, p, importName(t, p, "HTTP@stale-purego.gssnego.test", gss.NameHostBasedService))
		apreq, err := init.Continue(nil)
		require.NoError(t, err)
		cred, err := p.AcquireCredential(nil, nil, gss.CredAcceptOnly, gss.WithKeytab(kt))
		require.NoError(t, err)
		out, err := acceptor(t, p, gss.WithAcceptorCredential(cred)).Continue(apreq)
		assert.ErrorIs(t, err, gss.ErrKeytabKeyVersion, "%v", err)
		_, ierr := init.Continue(out)
		assert.ErrorIs(t, ierr, gss.ErrKeytabKeyVersion, "initiator, from the KRB-ERROR: %v", ierr)
	})
}

// TestPureGoKeytabReload: the default acceptor keytab is read once and
// again when the file changes, so a key rotation needs no restart.
func TestPureGoKeytabReload(t *testing.T) {
	r := testrealm.Shared(t)
	svc := "HTTP/rotate-purego.gssnego.test"
	r.Kadmin(t, "addprinc -randkey "+svc)
	kt := "FILE:" + filepath.Join(t.TempDir(), "rotate.keytab")
	r.ExportKey(t, svc, kt)
	t.Setenv("KRB5_KTNAME", kt)
	acc := kerberos.NewProvider()
	handshake := func() error {
		ip := kerberos.NewProvider() // a fresh ticket each time
		init := initiator(t, ip, importName(t, ip, "HTTP@rotate-purego.gssnego.test", gss.NameHostBasedService))
		res := mitm.Run(init, acceptor(t, acc), mitm.None)
		if res.InitErr != nil {
			return res.InitErr
		}
		return res.AccErr
	}
	require.NoError(t, handshake())
	r.RotateKey(t, svc)
	assert.ErrorIs(t, handshake(), gss.ErrKeytabKeyVersion, "ticket of kvno 2, keytab still kvno 1")
	r.ExportKey(t, svc, kt)
	require.NoError(t, handshake(), "keytab rewritten: read again without a restart")
}

// TestPureGoStoreDelegated: a delegated credential written with
// gss.StoreCredential is a FILE ccache MIT's klist lists and kvno uses,
// and the pure-Go provider reads it back.
func TestPureGoStoreDelegated(t *testing.T) {
	r := testrealm.Shared(t)
	tools := lab.NeedCommand(t, "klist", "kvno")
	p := kerberos.NewProvider()
	init := initiator(t, p, importName(t, p, "HTTP@localhost", gss.NameHostBasedService),
		gss.WithFlags(gss.FlagMutual|gss.FlagInteg|gss.FlagDeleg))
	acc := acceptor(t, p)
	rawHandshake(t, init, acc)
	cred, err := gss.DelegatedCredential(acc)
	require.NoError(t, err)
	require.NotNil(t, cred)
	cc := "FILE:" + filepath.Join(t.TempDir(), "delegated.ccache")
	require.NoError(t, gss.StoreCredential(cred, cc))

	env := append(os.Environ(), r.Env()...)
	env = append(env, "KRB5CCNAME="+cc)
	out, err := runTool(env, tools[0])
	require.NoError(t, err, "%s", out)
	assert.Contains(t, out, "alice@"+r.Name)
	assert.Contains(t, out, "krbtgt/"+r.Name+"@"+r.Name)
	out, err = runTool(env, tools[1], "host/localhost@"+r.Name)
	require.NoError(t, err, "kvno with the stored ccache: %s", out)

	back, err := p.AcquireCredential(nil, nil, gss.CredInitiateOnly, gss.WithCCache(cc))
	require.NoError(t, err)
	hop := initiator(t, p, importName(t, p, "HTTP@localhost", gss.NameHostBasedService), gss.WithInitiatorCredential(back))
	rawHandshake(t, hop, acceptor(t, p))
}

func runTool(env []string, bin string, args ...string) (string, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// spnegoPair runs one SPNEGO handshake of the negotiate engine, initiator
// over ip and acceptor over ap, and checks the verdicts on both sides, the
// mechListMIC both ways when the handshake took an extra leg (noOpt), and
// per-message tokens in both directions. mechs is the initiator's offer
// (nil: the engine's default).
func spnegoPair(t *testing.T, ip, ap gss.Provider, host string, noOpt bool, mechs []gss.OID) {
	t.Helper()
	client, err := negotiate.NewClient(importName(t, ip, host, gss.NameHostBasedService),
		negotiate.Config{Provider: ip, NoOptimisticToken: noOpt, Mechs: mechs})
	require.NoError(t, err)
	defer client.Close()
	server, err := negotiate.NewServer(negotiate.Config{Provider: ap})
	require.NoError(t, err)
	defer server.Close()
	res := mitm.Run(client, server, mitm.None)
	require.NoError(t, res.InitErr)
	require.NoError(t, res.AccErr)
	require.Equal(t, negotiate.ResultOK, client.Record().Transcript.Verdict.Result, client.Record().Transcript.Verdict.Reason)
	require.Equal(t, negotiate.ResultOK, server.Record().Transcript.Verdict.Result, server.Record().Transcript.Verdict.Reason)
	if noOpt {
		require.True(t, client.Record().MICSent && client.Record().MICReceived, "mechListMIC both ways")
	}
	perMessage(t, client, server)
}
