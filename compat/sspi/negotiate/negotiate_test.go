//go:build !windows

package negotiate_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/compat/sspi"
	"github.com/gssnego/gssnego/compat/sspi/negotiate"
	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/platform"
)

func TestMain(m *testing.M) { os.Exit(testrealm.Main(m)) }

// spn is a service whose key the shared realm's keytab holds.
const spn = testrealm.ServiceHTTP

// handshake is alexbrainman/sspi's own test loop (testNegotiate),
// unchanged but for the import paths.
func handshake(t *testing.T, clientCred, serverCred *sspi.Credentials, client *negotiate.ClientContext, toServerToken []byte) *negotiate.ServerContext {
	t.Helper()
	server, serverDone, toClientToken, err := negotiate.NewServerContext(serverCred, toServerToken)
	require.NoError(t, err)
	t.Cleanup(func() { server.Release() })
	var clientDone bool
	for {
		if len(toClientToken) == 0 {
			break
		}
		clientDone, toServerToken, err = client.Update(toClientToken)
		require.NoError(t, err)
		if len(toServerToken) == 0 {
			break
		}
		serverDone, toClientToken, err = server.Update(toServerToken)
		require.NoError(t, err)
	}
	require.True(t, clientDone, "client authentication should be completed now")
	require.True(t, serverDone, "server authentication should be completed now")
	return server
}

func newPair(t *testing.T, flags uint32) (*negotiate.ClientContext, *negotiate.ServerContext) {
	t.Helper()
	testrealm.Shared(t)
	cred, err := negotiate.AcquireCurrentUserCredentials()
	require.NoError(t, err)
	t.Cleanup(func() { cred.Release() })
	require.True(t, cred.Expiry().After(time.Now()), "the TGT's end time, got %v", cred.Expiry())
	serverCred, err := negotiate.AcquireServerCredentials("")
	require.NoError(t, err)
	t.Cleanup(func() { serverCred.Release() })
	client, tok, err := negotiate.NewClientContextWithFlags(cred, spn, flags)
	require.NoError(t, err)
	t.Cleanup(func() { client.Release() })
	require.NotEmpty(t, tok)
	return client, handshake(t, cred, serverCred, client, tok)
}

const allFlags = sspi.ISC_REQ_CONNECTION | sspi.ISC_REQ_MUTUAL_AUTH | sspi.ISC_REQ_INTEGRITY |
	sspi.ISC_REQ_CONFIDENTIALITY | sspi.ISC_REQ_REPLAY_DETECT | sspi.ISC_REQ_SEQUENCE_DETECT

// TestNegotiate: the client/server pair completes over the platform's GSS
// (MIT, or Heimdal with -tags heimdal), names the user, keeps its flags,
// and signatures and encryption round-trip both ways.
func TestNegotiate(t *testing.T) {
	r := testrealm.Shared(t)
	client, server := newPair(t, allFlags)
	name, err := server.GetUsername()
	require.NoError(t, err)
	assert.Equal(t, r.Principal(r.User), name)
	require.NoError(t, client.VerifyFlags())
	assert.True(t, client.Expiry().After(time.Now()), "expiry %v", client.Expiry())

	maxTok, maxSig, block, trailer, err := client.Sizes()
	require.NoError(t, err)
	// The acceptor's subkey is aes256-cts-hmac-sha1-96 (docs/lab.md): 16-byte
	// MIC header + 12-byte checksum; wrap adds header, confounder,
	// encrypted header copy and checksum.
	assert.EqualValues(t, 48256, maxTok)
	assert.EqualValues(t, 28, maxSig)
	assert.EqualValues(t, 1, block)
	assert.EqualValues(t, 60, trailer)
	t.Logf("Sizes: maxToken %d, maxSignature %d, blockSize %d, securityTrailer %d", maxTok, maxSig, block, trailer)

	msg := []byte("Hello from the client")
	sig, err := client.MakeSignature(msg, 0, 0)
	require.NoError(t, err)
	assert.LessOrEqual(t, len(sig), int(maxSig))
	qop, err := server.VerifySignature(msg, sig, 0)
	require.NoError(t, err)
	assert.Zero(t, qop)
	sig, err = server.MakeSignature(msg, 0, 0)
	require.NoError(t, err)
	_, err = client.VerifySignature(msg, sig, 0)
	require.NoError(t, err)

	sealed, err := client.EncryptMessage(msg, 0, 0)
	require.NoError(t, err)
	assert.False(t, bytes.Contains(sealed, msg), "the message must be encrypted")
	qop, plain, err := server.DecryptMessage(sealed, 0)
	require.NoError(t, err)
	assert.Equal(t, msg, plain)
	assert.Zero(t, qop)
	signedOnly, err := server.EncryptMessage(msg, sspi.SECQOP_WRAP_NO_ENCRYPT, 0)
	require.NoError(t, err)
	qop, plain, err = client.DecryptMessage(signedOnly, 0)
	require.NoError(t, err)
	assert.Equal(t, msg, plain)
	assert.EqualValues(t, sspi.SECQOP_WRAP_NO_ENCRYPT, qop)

	// A tampered signature and message are refused with Windows' codes.
	sig, err = client.MakeSignature(msg, 0, 0)
	require.NoError(t, err)
	_, err = server.VerifySignature([]byte("Hello from the attacker"), sig, 0)
	requireStatus(t, err, sspi.SEC_E_MESSAGE_ALTERED, "negotiate.ServerContext.VerifySignature")
	sealed, err = server.EncryptMessage(msg, 0, 0)
	require.NoError(t, err)
	sealed[len(sealed)-1] ^= 1
	_, _, err = client.DecryptMessage(sealed, 0)
	requireStatus(t, err, sspi.SEC_E_MESSAGE_ALTERED, "negotiate.ClientContext.DecryptMessage")
	_, err = client.MakeSignature(msg, 7, 0)
	requireStatus(t, err, sspi.SEC_E_INTERNAL_ERROR, "negotiate.ClientContext.MakeSignature")
}

// requireStatus checks err is an *sspi.Error for op with the SEC_E code.
func requireStatus(t *testing.T, err error, status error, op string) *sspi.Error {
	t.Helper()
	require.Error(t, err)
	var e *sspi.Error
	require.ErrorAs(t, err, &e, "%T: %v", err, err)
	assert.ErrorIs(t, err, status, "%v", err)
	assert.Equal(t, op, e.Op, "%v", err)
	assert.True(t, strings.HasPrefix(err.Error(), "sspi: "+op), "%v", err)
	return e
}

// TestNegotiateFlags: VerifyFlags passes for what GSS grants and names
// what it cannot (DCE style is not offered by gssnego's engine).
func TestNegotiateFlags(t *testing.T) {
	client, _ := newPair(t, sspi.ISC_REQ_CONNECTION|sspi.ISC_REQ_USE_DCE_STYLE)
	require.NoError(t, client.VerifySelectiveFlags(sspi.ISC_REQ_CONNECTION))
	err := client.VerifyFlags()
	requireStatus(t, err, sspi.SEC_E_INTERNAL_ERROR, "negotiate.ClientContext.VerifySelectiveFlags")
	assert.Contains(t, err.Error(), "missing=1000000000")
	err = client.VerifySelectiveFlags(sspi.ISC_REQ_DELEGATE)
	assert.Contains(t, err.Error(), "invalid flags check", "a flag that was never requested")
}

// TestImpersonateUser: no meaning off Windows, a typed error says so.
func TestImpersonateUser(t *testing.T) {
	_, server := newPair(t, sspi.ISC_REQ_CONNECTION)
	err := server.ImpersonateUser()
	requireStatus(t, err, sspi.SEC_E_UNSUPPORTED_FUNCTION, "negotiate.ServerContext.ImpersonateUser")
	assert.ErrorIs(t, err, sspi.ErrNotSupported)
	requireStatus(t, server.RevertToSelf(), sspi.SEC_E_UNSUPPORTED_FUNCTION, "negotiate.ServerContext.RevertToSelf")
}

// TestExplicitCredentials: AcquireUserCredentials(domain, user, password)
// and AcquireServerCredentials for one principal.
func TestExplicitCredentials(t *testing.T) {
	r := testrealm.Shared(t)
	cred, err := negotiate.AcquireUserCredentials(strings.ToLower(r.Name), r.User, r.Password)
	require.NoError(t, err)
	defer cred.Release()
	serverCred, err := negotiate.AcquireServerCredentials(spn)
	require.NoError(t, err)
	defer serverCred.Release()
	client, tok, err := negotiate.NewClientContext(cred, spn)
	require.NoError(t, err)
	defer client.Release()
	server := handshake(t, cred, serverCred, client, tok)
	name, err := server.GetUsername()
	require.NoError(t, err)
	assert.Equal(t, r.Principal(r.User), name)

	_, err = negotiate.AcquireUserCredentials(r.Name, "", "x")
	requireStatus(t, err, sspi.SEC_E_NO_CREDENTIALS, "negotiate.AcquireUserCredentials")
	_, err = negotiate.AcquireUserCredentials(r.Name, r.User, "wrong password")
	require.Error(t, err)
	var e *sspi.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "negotiate.AcquireUserCredentials", e.Op)

	// Released credentials are refused, not silently replaced by defaults.
	require.NoError(t, cred.Release())
	require.NoError(t, cred.Release())
	_, _, err = negotiate.NewClientContext(cred, spn)
	requireStatus(t, err, sspi.SEC_E_NO_CREDENTIALS, "negotiate.NewClientContext")
}

// TestFailures: bad tokens, a released context, an unknown service, a
// missing ticket each give an *sspi.Error naming the call and the
// SEC_E_* code; nothing hangs or panics.
func TestFailures(t *testing.T) {
	testrealm.Shared(t)
	cred, err := negotiate.AcquireCurrentUserCredentials()
	require.NoError(t, err)
	defer cred.Release()
	serverCred, err := negotiate.AcquireServerCredentials("")
	require.NoError(t, err)
	defer serverCred.Release()

	t.Run("GarbageToServer", func(t *testing.T) {
		_, _, _, err := negotiate.NewServerContext(serverCred, []byte("\x60\x05garbage"))
		e := requireStatus(t, err, sspi.SEC_E_INVALID_TOKEN, "negotiate.NewServerContext")
		assert.Equal(t, 1, e.Token)
	})
	t.Run("GarbageToClient", func(t *testing.T) {
		client, _, err := negotiate.NewClientContext(cred, spn)
		require.NoError(t, err)
		defer client.Release()
		_, _, err = client.Update([]byte{0xa1, 0x03, 0x30, 0x01, 0x00})
		e := requireStatus(t, err, sspi.SEC_E_INVALID_TOKEN, "negotiate.ClientContext.Update")
		assert.Equal(t, 1, e.Token)
	})
	t.Run("TruncatedServerReply", func(t *testing.T) {
		client, tok, err := negotiate.NewClientContext(cred, spn)
		require.NoError(t, err)
		defer client.Release()
		server, _, reply, err := negotiate.NewServerContext(serverCred, tok)
		require.NoError(t, err)
		defer server.Release()
		_, _, err = client.Update(reply[:len(reply)-10])
		requireStatus(t, err, sspi.SEC_E_INVALID_TOKEN, "negotiate.ClientContext.Update")
	})
	t.Run("PeerGoneMidExchange", func(t *testing.T) {
		// The server gave up (its connection closed, it released its
		// context): the client's context is still usable for Release, a
		// late Update on the released server fails, nothing blocks.
		client, tok, err := negotiate.NewClientContext(cred, spn)
		require.NoError(t, err)
		defer client.Release()
		server, _, _, err := negotiate.NewServerContext(serverCred, tok)
		require.NoError(t, err)
		require.NoError(t, server.Release())
		require.NoError(t, server.Release())
		_, _, err = server.Update(tok)
		requireStatus(t, err, sspi.SEC_E_INVALID_HANDLE, "negotiate.ServerContext.Update")
		_, err = server.MakeSignature([]byte("x"), 0, 0)
		requireStatus(t, err, sspi.SEC_E_INVALID_HANDLE, "negotiate.ServerContext.MakeSignature")
		_, err = client.MakeSignature([]byte("x"), 0, 0)
		requireStatus(t, err, sspi.SEC_E_INVALID_HANDLE, "negotiate.ClientContext.MakeSignature")
	})
	t.Run("UnknownService", func(t *testing.T) {
		_, _, err := negotiate.NewClientContext(cred, "HTTP/unknown.gssnego.test")
		requireStatus(t, err, sspi.SEC_E_LOGON_DENIED, "negotiate.NewClientContext")
	})
	t.Run("NoTarget", func(t *testing.T) {
		_, _, err := negotiate.NewClientContext(cred, "")
		requireStatus(t, err, sspi.SEC_E_TARGET_UNKNOWN, "negotiate.NewClientContext")
	})
}

// TestNoTicket: without a credential cache AcquireCurrentUserCredentials
// fails with SEC_E_NO_CREDENTIALS (in a child process: Heimdal reads
// KRB5CCNAME once per thread).
func TestNoTicket(t *testing.T) {
	if testrealm.ChildCase() == "" {
		testrealm.RunChild(t, "noticket", "KRB5CCNAME=FILE:"+filepath.Join(t.TempDir(), "none"), "NTLM_USER_FILE=")
		return
	}
	_, err := negotiate.AcquireCurrentUserCredentials()
	requireStatus(t, err, sspi.SEC_E_NO_CREDENTIALS, "negotiate.AcquireCurrentUserCredentials")
}

// TestExpiredTicket: a TGT past its end (and the realm's 1 s clock skew)
// makes NewClientContext fail with SEC_E_CONTEXT_EXPIRED (MIT; Heimdal
// already refuses it in AcquireCurrentUserCredentials with
// SEC_E_NO_CREDENTIALS). The realm is
// the test's own, strict about the clock; the client runs in a child
// process pointed at it.
func TestExpiredTicket(t *testing.T) {
	if testrealm.ChildCase() == "" {
		testrealm.Shared(t)
		strict := testrealm.Start(t)
		strict.StrictClock(t, 1)
		ccache := expiredCCache(t, strict)
		testrealm.RunChild(t, "expired", "KRB5_CONFIG="+strict.Krb5Conf, "KRB5CCNAME="+ccache, "NTLM_USER_FILE=")
		return
	}
	cred, err := negotiate.AcquireCurrentUserCredentials()
	if err != nil {
		// Heimdal 7.8 skips the expired TGT when acquiring: no credentials.
		requireStatus(t, err, sspi.SEC_E_NO_CREDENTIALS, "negotiate.AcquireCurrentUserCredentials")
		t.Logf("expired TGT, at AcquireCurrentUserCredentials: %v", err)
		return
	}
	defer cred.Release()
	_, _, err = negotiate.NewClientContext(cred, spn)
	requireStatus(t, err, sspi.SEC_E_CONTEXT_EXPIRED, "negotiate.NewClientContext")
	t.Logf("expired TGT, at NewClientContext: %v", err)
}

// expiredCCache gets alice a 5-second TGT and waits until klist says it
// has expired, plus the realm's 1 s clock skew.
func expiredCCache(t *testing.T, r *testrealm.Realm) string {
	t.Helper()
	tools := lab.NeedCommand(t, "kinit", "klist")
	ccache := "FILE:" + filepath.Join(t.TempDir(), "expired.cc")
	kinit := exec.Command(tools[0], "-l", "5s", "-c", ccache, r.User)
	kinit.Env = append(os.Environ(), r.Env()...)
	kinit.Stdin = strings.NewReader(r.Password + "\n")
	out, err := kinit.CombinedOutput()
	require.NoError(t, err, "%s", out)
	deadline := time.Now().Add(60 * time.Second)
	for {
		klist := exec.Command(tools[1], "-s", "-c", ccache)
		klist.Env = append(os.Environ(), r.Env()...)
		if klist.Run() != nil {
			time.Sleep(2 * time.Second)
			return ccache
		}
		require.True(t, time.Now().Before(deadline), "the 5 s ticket in %s never expired", ccache)
		time.Sleep(500 * time.Millisecond)
	}
}

// TestNTLMFallback: the SPN has no Kerberos key, so Negotiate drops
// Kerberos and NTLM (gss-ntlmssp, MIT only) authenticates, with signatures
// and encryption both ways, as Windows' Negotiate package does.
func TestNTLMFallback(t *testing.T) {
	r := testrealm.Shared(t)
	info, err := negotiate.GetPackageInfo()
	require.NoError(t, err)
	if strings.Contains(info.Comment, "Heimdal") {
		t.Skipf("%s links its own NTLM mechanism, not gss-ntlmssp", info.Comment)
	}
	if p, err := platform.Provider(); err == nil {
		lab.NeedMech(t, p, gss.MechNTLMSSP)
	}
	users := filepath.Join(t.TempDir(), "ntlm.users")
	require.NoError(t, os.WriteFile(users, []byte("GSSNEGO:"+r.User+":"+r.Password+"\n"), 0o600))
	t.Setenv("NTLM_USER_FILE", users)
	cred, err := negotiate.AcquireCurrentUserCredentials()
	require.NoError(t, err)
	defer cred.Release()
	serverCred, err := negotiate.AcquireServerCredentials("")
	require.NoError(t, err)
	defer serverCred.Release()
	client, tok, err := negotiate.NewClientContext(cred, "HTTP/nokerberos.gssnego.test")
	require.NoError(t, err)
	defer client.Release()
	server := handshake(t, cred, serverCred, client, tok)
	name, err := server.GetUsername()
	require.NoError(t, err)
	assert.Equal(t, `GSSNEGO\`+r.User, name, "NTLM names the client DOMAIN\\user")
	_, maxSig, _, _, err := client.Sizes()
	require.NoError(t, err)
	assert.EqualValues(t, 16, maxSig, "NTLM signatures are 16 bytes")
	msg := []byte("over NTLM")
	sig, err := server.MakeSignature(msg, 0, 0)
	require.NoError(t, err)
	_, err = client.VerifySignature(msg, sig, 0)
	require.NoError(t, err)
	sealed, err := client.EncryptMessage(msg, 0, 0)
	require.NoError(t, err)
	_, plain, err := server.DecryptMessage(sealed, 0)
	require.NoError(t, err)
	assert.Equal(t, msg, plain)
}
