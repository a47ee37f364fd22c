package sspi

import (
	"bytes"
	"errors"
	"testing"
	"unsafe"

	winsspi "github.com/alexbrainman/sspi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
)

// spnegoOIDFramed is how an SPNEGO NegTokenInit starts: 60 len 06 06 2b 06 01 05 05 02.
var spnegoOID = []byte{0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02}

func TestNegotiateHandshake(t *testing.T) {
	l := needLab(t)
	p := New()
	target, err := p.ImportName(l.SPN, gss.NameKerberosPrincipal)
	require.NoError(t, err)
	ic, err := p.InitSecContext(target, gss.WithMech(gss.MechSPNEGO), gss.WithFlags(krbFlags))
	require.NoError(t, err)
	ini := ic.(*SecContext)
	defer ini.Close()
	assert.Equal(t, PackageNegotiate, ini.Package())
	acc, err := p.NewAcceptor(gss.MechSPNEGO)
	require.NoError(t, err)
	defer acc.Close()

	tok, err := ini.Continue(nil)
	require.NoError(t, err)
	require.NotEmpty(t, tok)
	isSPNEGO := len(tok) > 2+len(spnegoOID) && tok[0] == 0x60 && string(tok[2:2+len(spnegoOID)]) == string(spnegoOID)
	tok0 := tok
	t.Logf("first Negotiate token (%d bytes) starts % x", len(tok), tok[:min(len(tok), 20)])
	for ini.ContinueNeeded() || acc.ContinueNeeded() {
		if acc.ContinueNeeded() {
			tok, err = acc.Continue(tok)
		} else {
			tok, err = ini.Continue(tok)
		}
		require.NoError(t, err)
		if len(tok) == 0 {
			break
		}
	}
	require.False(t, ini.ContinueNeeded())
	require.False(t, acc.ContinueNeeded())
	exchangeMessages(t, ini, acc)
	info, err := ini.Inquire()
	require.NoError(t, err)
	t.Logf("Negotiate initiator: mech %v, flags %v", info.Mech.MechName(), info.Flags)
	// SECPKG_ATTR_NEGOTIATION_INFO names the chosen package, under Wine too.
	assert.Equal(t, gss.MechKRB5, info.Mech, "Negotiate chose Kerberos")
	if IsWine() {
		// Wine's Negotiate passes the Kerberos package's GSS-framed
		// AP-REQ through without SPNEGO around it.
		assert.False(t, isSPNEGO, "Wine's Negotiate started emitting SPNEGO: update the package doc")
		krb5OID := []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02}
		assert.True(t, bytes.Contains(tok0[:min(len(tok0), 20)], krb5OID), "raw krb5 token % x", tok0[:20])
		return
	}
	assert.True(t, isSPNEGO, "Windows Negotiate emits a NegTokenInit")
}

func TestNTLMHandshake(t *testing.T) {
	l := needLab(t)
	if l.Password == "" {
		t.Skip("NTLM needs explicit credentials here (set GSSNEGO_SSPI_PASSWORD)")
	}
	p := New()
	user, err := p.ImportName(l.User+"@"+l.Realm, gss.NameKerberosPrincipal)
	require.NoError(t, err)
	cred, err := p.AcquireCredential(user, []gss.OID{gss.MechNTLMSSP}, gss.CredInitiateOnly, gss.WithPassword(l.Password))
	if IsWine() && err != nil {
		t.Skipf("Wine %s: NTLM needs Samba's ntlm_auth and a domain; AcquireCredentialsHandle: %v", WineVersion(), err)
	}
	require.NoError(t, err)
	defer cred.Release()
	target, err := p.ImportName(l.SPN, gss.NameKerberosPrincipal)
	require.NoError(t, err)
	ic, err := p.InitSecContext(target, gss.WithMech(gss.MechNTLMSSP), gss.WithFlags(gss.FlagInteg|gss.FlagConf), gss.WithInitiatorCredential(cred))
	require.NoError(t, err)
	ini := ic.(*SecContext)
	defer ini.Close()
	tok, err := ini.Continue(nil)
	if IsWine() && err != nil {
		t.Skipf("Wine %s: NTLM needs Samba's ntlm_auth and a domain; InitializeSecurityContext: %v", WineVersion(), err)
	}
	require.NoError(t, err)
	assert.Equal(t, "NTLMSSP\x00", string(tok[:8]))
	acc, err := p.NewAcceptor(gss.MechNTLMSSP)
	require.NoError(t, err)
	defer acc.Close()
	for ini.ContinueNeeded() || acc.ContinueNeeded() {
		if acc.ContinueNeeded() {
			tok, err = acc.Continue(tok)
		} else {
			tok, err = ini.Continue(tok)
		}
		if IsWine() && err != nil {
			t.Skipf("Wine %s: NTLM needs a domain behind Samba's ntlm_auth to accept; handshake: %v", WineVersion(), err)
		}
		require.NoError(t, err)
		if len(tok) == 0 {
			break
		}
	}
	exchangeMessages(t, ini, acc)
}

// TestWineContextAttributes records which SECPKG_ATTR_* queries Wine's
// Kerberos answers, so that the package doc stays true: when Wine starts
// supporting one, this test fails and says which.
func TestWineContextAttributes(t *testing.T) {
	l := needLab(t)
	if !IsWine() {
		t.Skip("Wine-only record of unsupported attributes; TestContextAttributes covers Windows")
	}
	ini, acc := handshake(t, l.SPN, krbFlags, nil, nil)
	defer ini.Close()
	defer acc.Close()
	unsupported := map[string]uint32{
		"NAMES": secpkgAttrNames, "LIFESPAN": secpkgAttrLifespan, "KEY_INFO": secpkgAttrKeyInfo,
		"SESSION_KEY": 9, "PACKAGE_INFO": secpkgAttrPackageInfo,
		"NATIVE_NAMES": secpkgAttrNativeNames, "FLAGS": secpkgAttrFlags,
	}
	for name, attr := range unsupported {
		var buf [64]byte
		ret := ini.query(attr, unsafe.Pointer(&buf[0]))
		t.Logf("SECPKG_ATTR_%s: %s", name, statusName(ret))
		assert.Equal(t, statusName(secEUnsupportedFunction), statusName(ret), "SECPKG_ATTR_%s", name)
	}
	var sz secPkgContextSizes
	require.Equal(t, statusName(secEOK), statusName(ini.query(secpkgAttrSizes, unsafe.Pointer(&sz))))
	t.Logf("SECPKG_ATTR_SIZES: %+v", sz)
	name, ret := ini.negotiatedPackage()
	require.Equal(t, statusName(secEOK), statusName(ret), "SECPKG_ATTR_NEGOTIATION_INFO")
	assert.Equal(t, PackageKerberos, name)
}

func TestContextAttributes(t *testing.T) {
	l := needLab(t)
	skipOnWine(t, "Kerberos answers only SECPKG_ATTR_SIZES and NEGOTIATION_INFO (see TestWineContextAttributes)")
	ini, acc := handshake(t, l.SPN, krbFlags, nil, nil)
	defer ini.Close()
	defer acc.Close()
	for _, c := range []*SecContext{ini, acc} {
		info, err := c.Inquire()
		require.NoError(t, err)
		t.Logf("%+v", info)
		assert.NotEmpty(t, info.InitiatorName)
		assert.NotEqual(t, gss.EnctypeUnknown, info.SessionKeyEnctype, info.SessionKeyNote)
		ki, err := c.KeyInfo()
		require.NoError(t, err)
		assert.Equal(t, uint32(info.SessionKeyEnctype), ki.EncryptAlgorithm)
	}
}

func TestIndicateMechs(t *testing.T) {
	mechs, err := New().IndicateMechs()
	require.NoError(t, err)
	assert.Contains(t, mechs, gss.MechKRB5)
	assert.Contains(t, mechs, gss.MechSPNEGO)
	pi, err := QueryPackageInfo(PackageKerberos)
	require.NoError(t, err)
	t.Logf("Kerberos package: %+v", pi)
	assert.NotZero(t, pi.MaxToken)
	_, err = QueryPackageInfo("NoSuchPackage")
	assert.ErrorIs(t, err, gss.ErrBadMech)
}

func TestProviderRegistered(t *testing.T) {
	p, err := gss.Default()
	require.NoError(t, err)
	assert.Equal(t, "SSPI", p.Name())
	_, err = p.ImportSecContext([]byte{1})
	assert.ErrorIs(t, err, gss.ErrUnavailable)
	_, err = p.AcquireCredential(nil, nil, gss.CredInitiateOnly, gss.WithKeytab("FILE:/x"))
	assert.ErrorIs(t, err, gss.ErrUnavailable)
	var ge *gss.Error
	assert.True(t, errors.As(err, &ge))
}

func TestCredentialInquire(t *testing.T) {
	l := needLab(t)
	p := New()
	cred, err := p.AcquireCredential(nil, nil, gss.CredInitiateOnly)
	require.NoError(t, err)
	info, err := cred.Inquire()
	require.NoError(t, err)
	t.Logf("default initiator credential: %+v", info)
	assert.Equal(t, gss.CredInitiateOnly, info.Usage)
	assert.Contains(t, info.Mechs, gss.MechKRB5)
	if !IsWine() {
		assert.Contains(t, info.Name, l.User, "SECPKG_CRED_ATTR_NAMES")
	}
	require.NoError(t, cred.Release())
	require.NoError(t, cred.Release(), "second Release")
	_, err = cred.Inquire()
	assert.ErrorIs(t, err, gss.ErrNoCred)

	_, err = p.AcquireCredential(nil, []gss.OID{gss.MechNegoEx}, gss.CredInitiateOnly)
	assert.ErrorIs(t, err, gss.ErrBadMech)
}

// TestWineStreamDecrypt records that Wine 8's Kerberos DecryptMessage does
// not take SECBUFFER_STREAM (the form Unwrap uses on Windows), which is why
// Unwrap computes the DATA length itself under Wine.
func TestWineStreamDecrypt(t *testing.T) {
	l := needLab(t)
	if !IsWine() {
		t.Skip("Wine-only record; on Windows Unwrap itself uses SECBUFFER_STREAM")
	}
	ini, acc := handshake(t, l.SPN, krbFlags, nil, nil)
	defer ini.Close()
	defer acc.Close()
	w, _, err := ini.Wrap([]byte("stream me"), true)
	require.NoError(t, err)
	stream := bytes.Clone(w)
	bufs := []winsspi.SecBuffer{secBuf(winsspi.SECBUFFER_STREAM, stream), {BufferType: winsspi.SECBUFFER_DATA}}
	var qop uint32
	ret := winsspi.DecryptMessage(&acc.h.h, newDesc(bufs...), 0, &qop)
	t.Logf("DecryptMessage(STREAM, DATA): %s", statusName(uint32(ret)))
	assert.Equal(t, statusName(secEInvalidToken), statusName(uint32(ret)), "Wine started accepting SECBUFFER_STREAM: use it and update the package doc")
}
