package sspi

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
)

func TestKerberosHandshakeMutual(t *testing.T) {
	l := needLab(t)
	ini, acc := handshake(t, l.SPN, krbFlags, nil, nil)
	defer ini.Close()
	defer acc.Close()
	for _, c := range []*SecContext{ini, acc} {
		f := c.Flags()
		assert.NotZero(t, f&gss.FlagMutual, "mutual auth granted (%v)", f)
		assert.NotZero(t, f&gss.FlagInteg, "integrity granted (%v)", f)
		assert.NotZero(t, f&gss.FlagConf, "confidentiality granted (%v)", f)
		assert.False(t, c.ContinueNeeded())
	}
	info, err := ini.Inquire()
	require.NoError(t, err)
	assert.True(t, info.Established)
	assert.True(t, info.LocallyInitiated)
	assert.Equal(t, gss.MechKRB5, info.Mech)
	assert.Contains(t, info.AcceptorName, l.SPN)
	info, err = acc.Inquire()
	require.NoError(t, err)
	assert.False(t, info.LocallyInitiated)
	exchangeMessages(t, ini, acc)
}

// exchangeMessages checks MICs and wrap tokens in both directions.
func exchangeMessages(t *testing.T, ini, acc *SecContext) {
	t.Helper()
	for i, dir := range [][2]*SecContext{{ini, acc}, {acc, ini}} {
		from, to := dir[0], dir[1]
		msg := []byte(fmt.Sprintf("message %d from %s", i, map[bool]string{true: "initiator", false: "acceptor"}[from.initiator]))
		mic, err := from.GetMIC(msg)
		require.NoError(t, err)
		require.GreaterOrEqual(t, len(mic), 16)
		if mic[0] == 0x04 {
			assert.Equal(t, []byte{0x04, 0x04}, mic[:2], "RFC 4121 MIC token")
			assert.Equal(t, !from.initiator, mic[2]&0x01 != 0, "SentByAcceptor flag")
		} else {
			assert.Equal(t, byte(0x60), mic[0], "RFC 1964/4757 framed MIC token")
		}
		require.NoError(t, to.VerifyMIC(msg, mic))
		for _, conf := range []bool{true, false} {
			w, sealed, err := from.Wrap(msg, conf)
			require.NoError(t, err)
			assert.Equal(t, conf, sealed)
			if w[0] == 0x05 {
				assert.Equal(t, conf, w[2]&0x02 != 0, "Sealed flag of %x", w[:16])
			}
			got, sealed, err := to.Unwrap(w)
			require.NoError(t, err, "unwrap conf=%v", conf)
			assert.Equal(t, conf, sealed)
			assert.Equal(t, string(msg), string(got))
		}
	}
}

func TestKerberosEtypes(t *testing.T) {
	l := needLab(t)
	if len(l.EtypeSPNs) == 0 {
		t.Skip("the lab names no per-etype services (only the Wine lab does)")
	}
	for e, spn := range l.EtypeSPNs {
		t.Run(gss.Enctype(e).String(), func(t *testing.T) {
			ini, acc := handshake(t, spn, krbFlags, nil, nil)
			defer ini.Close()
			defer acc.Close()
			exchangeMessages(t, ini, acc)
			info, err := ini.Inquire()
			require.NoError(t, err)
			if IsWine() {
				assert.Equal(t, gss.EnctypeUnknown, info.SessionKeyEnctype)
				assert.Contains(t, info.SessionKeyNote, "Wine")
			} else {
				assert.NotEqual(t, gss.EnctypeUnknown, info.SessionKeyEnctype, info.SessionKeyNote)
			}
		})
	}
}

func TestKerberosTamperedMIC(t *testing.T) {
	l := needLab(t)
	ini, acc := handshake(t, l.SPN, krbFlags, nil, nil)
	defer ini.Close()
	defer acc.Close()
	msg := []byte("mechTypes bytes")
	mic, err := ini.GetMIC(msg)
	require.NoError(t, err)
	bad := bytes.Clone(mic)
	bad[len(bad)-1] ^= 0x01
	err = acc.VerifyMIC(msg, bad)
	assert.ErrorIs(t, err, gss.ErrBadMIC)
	var ge *gss.Error
	require.True(t, errors.As(err, &ge))
	assert.Equal(t, opVerifySignature, ge.Op)
	assert.Equal(t, uint32(secEMessageAltered), ge.Minor)
	assert.Contains(t, ge.Message, "SEC_E_MESSAGE_ALTERED")
	t.Logf("tampered MIC: %v", err)

	err = acc.VerifyMIC([]byte("other message"), mic)
	assert.ErrorIs(t, err, gss.ErrBadMIC)

	w, _, err := ini.Wrap(msg, true)
	require.NoError(t, err)
	w[len(w)-3] ^= 0x80
	_, _, err = acc.Unwrap(w)
	assert.ErrorIs(t, err, gss.ErrBadMIC)
	t.Logf("tampered wrap token: %v", err)
}

func TestKerberosOutOfSequenceMIC(t *testing.T) {
	l := needLab(t)
	ini, acc := handshake(t, l.SPN, krbFlags, nil, nil)
	defer ini.Close()
	defer acc.Close()
	mic1, err := ini.GetMIC([]byte("one"))
	require.NoError(t, err)
	mic2, err := ini.GetMIC([]byte("two"))
	require.NoError(t, err)
	// mic1 never arrives: mic2 leaves a gap.
	err = acc.VerifyMIC([]byte("two"), mic2)
	t.Logf("MIC after a gap: %v", err)
	require.Error(t, err, "a MIC after a gap must not verify as SEC_E_OK")
	assert.ErrorIs(t, err, gss.ErrGapToken)
	assert.False(t, err.(*gss.Error).Major.IsError(), "a sequence problem is supplementary information, not a routine error")
	// mic2 again: a replay.
	err = acc.VerifyMIC([]byte("two"), mic2)
	t.Logf("replayed MIC: %v", err)
	require.Error(t, err, "a replayed MIC must not verify as SEC_E_OK")
	// mic1 late: old or unsequenced.
	err = acc.VerifyMIC([]byte("one"), mic1)
	t.Logf("late MIC: %v", err)
	require.Error(t, err, "a late MIC must not verify as SEC_E_OK")
	assert.ErrorIs(t, err, gss.ErrUnseqToken)
}

func TestKerberosUnknownSPN(t *testing.T) {
	l := needLab(t)
	_, _, err := tryHandshake("HTTP/no-such-host.gssnego.test", krbFlags, nil, nil)
	require.Error(t, err)
	t.Logf("unknown SPN: %v", err)
	var ge *gss.Error
	require.True(t, errors.As(err, &ge))
	assert.Equal(t, opInitializeSecurityContext, ge.Op)
	assert.NotEmpty(t, ge.Message)
	if IsWine() {
		// Wine 8 folds KDC errors into a generic failure.
		assert.True(t, errors.Is(err, gss.ErrBadName) || errors.Is(err, gss.ErrFailure), "%v", err)
	} else {
		assert.ErrorIs(t, err, gss.ErrBadName)
	}
	_ = l
}

func TestKerberosStaleKeytab(t *testing.T) {
	l := needLab(t)
	if l.StaleSPN == "" {
		t.Skip("the lab names no SPN with a stale keytab entry (only the Wine lab does)")
	}
	_, _, err := tryHandshake(l.StaleSPN, krbFlags, nil, nil)
	require.Error(t, err)
	t.Logf("stale keytab: %v", err)
	var ge *gss.Error
	require.True(t, errors.As(err, &ge))
	assert.Equal(t, opAcceptSecurityContext, ge.Op)
	assert.True(t, errors.Is(err, gss.ErrFailure) || errors.Is(err, gss.ErrNoCred) || errors.Is(err, gss.ErrDefectiveToken), "%v", err)
}

// TestKerberosNoCCache hides the credential cache while an initiator
// starts. Wine's Kerberos reads KRB5CCNAME from the Unix environment, which
// neither this process nor a child it starts can change, so the test
// renames the cache file (drive Z: is the Unix root) and puts it back.
func TestKerberosNoCCache(t *testing.T) {
	l := needLab(t)
	if !l.ViaRunner {
		t.Skip("needs a file credential cache (the Wine lab); on Windows the logon session always has credentials")
	}
	ccache, ok := strings.CutPrefix(os.Getenv("KRB5CCNAME"), "FILE:")
	require.True(t, ok, "KRB5CCNAME=%q is not a FILE: cache", os.Getenv("KRB5CCNAME"))
	path := "Z:" + ccache
	require.NoError(t, os.Rename(path, path+".hidden"))
	restored := false
	restore := func() {
		if !restored {
			restored = true
			require.NoError(t, os.Rename(path+".hidden", path))
		}
	}
	defer restore()
	_, _, err := tryHandshake(l.SPN, krbFlags, nil, nil)
	restore()
	require.Error(t, err)
	t.Logf("no ccache: %v", err)
	var ge *gss.Error
	require.True(t, errors.As(err, &ge))
	assert.True(t, errors.Is(err, gss.ErrNoCred) || errors.Is(err, gss.ErrFailure), "%v", err)
	// The cache is back: the same handshake works again.
	ini, acc := handshake(t, l.SPN, krbFlags, nil, nil)
	ini.Close()
	acc.Close()
}

func TestKerberosExplicitPassword(t *testing.T) {
	l := needLab(t)
	if l.Password == "" {
		t.Skip("no password for explicit credentials in the lab (set GSSNEGO_SSPI_PASSWORD)")
	}
	p := New()
	user, err := p.ImportName(l.Principal(l.User), gss.NameKerberosPrincipal)
	require.NoError(t, err)
	cred, err := p.AcquireCredential(user, []gss.OID{gss.MechKRB5}, gss.CredInitiateOnly, gss.WithPassword(l.Password))
	require.NoError(t, err)
	defer cred.Release()
	ci, err := cred.Inquire()
	require.NoError(t, err)
	assert.Contains(t, ci.Name, l.User)
	ini, acc := handshake(t, l.SPN, krbFlags, []gss.InitSecContextOption{gss.WithInitiatorCredential(cred)}, nil)
	ini.Close()
	acc.Close()

	bad, err := p.AcquireCredential(user, []gss.OID{gss.MechKRB5}, gss.CredInitiateOnly, gss.WithPassword("wrong-"+l.Password))
	if err == nil {
		// Windows checks the password only when it needs a ticket.
		defer bad.Release()
		_, _, err = tryHandshake(l.SPN, krbFlags, []gss.InitSecContextOption{gss.WithInitiatorCredential(bad)}, nil)
	}
	t.Logf("wrong password: %v", err)
	assert.True(t, errors.Is(err, gss.ErrNoCred) || errors.Is(err, gss.ErrFailure), "%v", err)
}

func TestKerberosAcceptorCredentialForPrincipal(t *testing.T) {
	l := needLab(t)
	if l.SPN2 == "" {
		t.Skip("the lab names only one acceptor SPN")
	}
	p := New()
	name, err := p.ImportName(l.SPN2, gss.NameKerberosPrincipal)
	require.NoError(t, err)
	cred, err := p.AcquireCredential(name, []gss.OID{gss.MechKRB5}, gss.CredAcceptOnly)
	require.NoError(t, err)
	defer cred.Release()
	aopts := []gss.AcceptSecContextOption{gss.WithAcceptorCredential(cred)}
	ini, acc := handshake(t, l.SPN2, krbFlags, nil, aopts)
	ini.Close()
	acc.Close()
	if !IsWine() {
		return // a Windows account accepts for all of its SPNs
	}
	_, _, err = tryHandshake(l.SPN, krbFlags, nil, aopts)
	t.Logf("ticket for another principal: %v", err)
	assert.Error(t, err, "an acceptor credential for %s must not accept a ticket for %s", l.SPN2, l.SPN)
}

func TestKerberosHostBasedName(t *testing.T) {
	l := needLab(t)
	svc, host, ok := bytes.Cut([]byte(l.SPN), []byte("/"))
	require.True(t, ok, "SPN %q has no '/'", l.SPN)
	p := New()
	target, err := p.ImportName(string(svc)+"@"+string(host), gss.NameHostBasedService)
	require.NoError(t, err)
	assert.Equal(t, l.SPN, target.(*Name).SPN())
	c, err := p.InitSecContext(target, gss.WithFlags(krbFlags))
	require.NoError(t, err)
	defer c.Close()
	tok, err := c.Continue(nil)
	require.NoError(t, err)
	assert.Equal(t, byte(0x60), tok[0], "GSS-framed AP-REQ")
}

func TestKerberosChannelBindings(t *testing.T) {
	l := needLab(t)
	cb := &gss.ChannelBindings{ApplicationData: []byte("tls-server-end-point:0123456789abcdef")}
	ini, acc := handshake(t, l.SPN, krbFlags,
		[]gss.InitSecContextOption{gss.WithInitiatorChannelBindings(cb)},
		[]gss.AcceptSecContextOption{gss.WithAcceptorChannelBindings(cb)})
	ini.Close()
	acc.Close()
	skipOnWine(t, "Kerberos passes GSS_C_NO_CHANNEL_BINDINGS to MIT whatever the SECBUFFER_CHANNEL_BINDINGS buffer says, so a mismatch cannot be detected")
	other := &gss.ChannelBindings{ApplicationData: []byte("tls-server-end-point:fedcba9876543210")}
	_, _, err := tryHandshake(l.SPN, krbFlags,
		[]gss.InitSecContextOption{gss.WithInitiatorChannelBindings(cb)},
		[]gss.AcceptSecContextOption{gss.WithAcceptorChannelBindings(other)})
	assert.ErrorIs(t, err, gss.ErrBadBindings)
}

func TestContextCloseAndNoContext(t *testing.T) {
	l := needLab(t)
	ini, acc := handshake(t, l.SPN, krbFlags, nil, nil)
	require.NoError(t, ini.Close())
	require.NoError(t, ini.Close(), "second Close")
	_, err := ini.GetMIC([]byte("x"))
	assert.ErrorIs(t, err, gss.ErrNoContext)
	_, _, err = ini.Wrap([]byte("x"), true)
	assert.ErrorIs(t, err, gss.ErrNoContext)
	_, err = ini.Continue([]byte("x"))
	assert.ErrorIs(t, err, gss.ErrNoContext)
	_, err = ini.Inquire()
	assert.ErrorIs(t, err, gss.ErrNoContext)
	require.NoError(t, acc.Close())
	assert.ErrorIs(t, acc.VerifyMIC([]byte("x"), []byte{4, 4, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 1}), gss.ErrNoContext)
}

func TestKerberosDefectiveToken(t *testing.T) {
	l := needLab(t)
	p := New()
	target, err := p.ImportName(l.SPN, gss.NameKerberosPrincipal)
	require.NoError(t, err)
	ic, err := p.InitSecContext(target, gss.WithFlags(krbFlags))
	require.NoError(t, err)
	defer ic.Close()
	apReq, err := ic.Continue(nil)
	require.NoError(t, err)
	for name, tok := range map[string][]byte{
		"truncated AP-REQ": apReq[:len(apReq)/2],
		"foreign mech OID": {0x60, 0x05, 0x06, 0x03, 0x2a, 0x03, 0x04},
		"corrupted AP-REQ": append(bytes.Clone(apReq[:len(apReq)-20]), make([]byte, 20)...),
	} {
		ac, err := p.AcceptSecContext()
		require.NoError(t, err)
		_, err = ac.Continue(tok)
		ac.Close()
		require.Error(t, err, name)
		t.Logf("%s: %v", name, err)
		assert.True(t, errors.Is(err, gss.ErrDefectiveToken) || errors.Is(err, gss.ErrBadMech) ||
			errors.Is(err, gss.ErrFailure) || errors.Is(err, gss.ErrBadMIC), "%s: %v", name, err)
	}
}

// TestEncryptMessageTwoBuffers is the MSDN sockets sample's form.
func TestEncryptMessageTwoBuffers(t *testing.T) {
	l := needLab(t)
	ini, acc := handshake(t, l.SPN, krbFlags, nil, nil)
	defer ini.Close()
	defer acc.Close()
	msg := []byte("This is your server speaking")
	trailer, ct, err := acc.EncryptMessage(msg)
	require.NoError(t, err)
	t.Logf("trailer %d bytes %x, data %d bytes %x", len(trailer), trailer, len(ct), ct)
	assert.Len(t, ct, len(msg))
	got, sealed, err := ini.DecryptMessage(trailer, ct)
	require.NoError(t, err)
	assert.True(t, sealed)
	assert.Equal(t, string(msg), string(got))
	if IsWine() {
		// Wine: DATA holds the first len(msg) bytes of the gss_wrap token
		// (the RFC 4121 header first), TOKEN the rest.
		assert.Equal(t, []byte{0x05, 0x04}, ct[:2])
	}
	skipOnWine(t, "EncryptMessage splits the gss_wrap token as DATA‖TOKEN, not Windows' [header+trailer][ciphertext] (MS-KILE 3.4.5.4.1)")
	// Windows: TOKEN starts with the RFC 4121 header, DATA is the
	// ciphertext in place, and TOKEN‖DATA is a standard wrap token.
	assert.Equal(t, []byte{0x05, 0x04}, trailer[:2])
	got, _, err = acc.Unwrap(append(bytes.Clone(trailer), ct...))
	require.Error(t, err, "replayed as a whole token: the sequence number was used")
	trailer, ct, err = acc.EncryptMessage(msg)
	require.NoError(t, err)
	got, _, err = ini.Unwrap(append(bytes.Clone(trailer), ct...))
	require.NoError(t, err)
	assert.Equal(t, string(msg), string(got))
}

// TestKerberosSingleEtype runs in the Wine runner's extra passes, where the
// realm's configuration allows one etype only, so the acceptor subkey and
// every per-message token are of that etype (RFC 4757 tokens for RC4,
// 24-octet checksums for aes256-sha384).
func TestKerberosSingleEtype(t *testing.T) {
	l := needLab(t)
	if l.OnlyEtype == 0 {
		t.Skipf("runs only in the Wine runner's single-etype passes (%s)", "GSSNEGO_SSPI_ONLY_ETYPE")
	}
	e := gss.Enctype(l.OnlyEtype)
	// The service's keys must be of e too: MIT refuses to decrypt a ticket
	// whose enctype is not permitted.
	spn, ok := l.EtypeSPNs[l.OnlyEtype]
	require.True(t, ok, "no service for %v in %s", e, "GSSNEGO_SSPI_ETYPE_SPNS")
	t.Logf("every key is %v, service %s", e, spn)
	ini, acc := handshake(t, spn, krbFlags, nil, nil)
	defer ini.Close()
	defer acc.Close()
	// The acceptor's MIC first, as a mechListMIC would be: under Wine it
	// tells the initiator the checksum length Unwrap needs (package doc).
	mic, err := acc.GetMIC([]byte("mechTypes"))
	require.NoError(t, err)
	t.Logf("acceptor MIC (%d bytes): %x", len(mic), mic)
	switch e {
	case gss.EnctypeRC4HMAC:
		require.Equal(t, byte(0x60), mic[0], "RFC 4757 MICs keep the GSS framing")
		inner, err := legacyInner(mic)
		require.NoError(t, err)
		assert.Equal(t, []byte{0x01, 0x01, 0x11, 0x00}, inner[:4], "TOK_ID 01 01, SGN_ALG HMAC-MD5")
		assert.Len(t, mic, 37)
	case gss.EnctypeAES256SHA384:
		assert.Equal(t, []byte{0x04, 0x04}, mic[:2])
		assert.Len(t, mic, 16+24, "hmac-sha384-192 checksum")
	}
	require.NoError(t, ini.VerifyMIC([]byte("mechTypes"), mic))
	// The acceptor has not seen a MIC yet, only made one: enough too.
	w, _, err := ini.Wrap([]byte("first message"), true)
	require.NoError(t, err)
	got, _, err := acc.Unwrap(w)
	require.NoError(t, err)
	assert.Equal(t, "first message", string(got))
	exchangeMessages(t, ini, acc)
}
