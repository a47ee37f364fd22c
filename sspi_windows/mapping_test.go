package sspi

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
)

// These tests cover the pure translation tables; they run on every GOOS
// and under Wine.

func TestFlagMappingRoundTrip(t *testing.T) {
	all := gss.FlagDeleg | gss.FlagMutual | gss.FlagReplay | gss.FlagSequence | gss.FlagConf |
		gss.FlagInteg | gss.FlagAnon | gss.FlagDCEStyle | gss.FlagIdentify | gss.FlagExtendedError
	for f := gss.Flags(1); f <= gss.FlagDelegPolicy; f <<= 1 {
		if all&f == 0 {
			continue
		}
		// ISC_REQ_* and ISC_RET_* share their values; ASC_* likewise.
		assert.Equal(t, f, ISCRetFlags(iscReqFlags(f)&^iscReqConnection), "isc %v", f)
		assert.Equal(t, f, ascRetFlags(ascReqFlags(f)&^ascReqConnection), "asc %v", f)
	}
	assert.Equal(t, all, ISCRetFlags(iscReqFlags(all)))
	assert.Equal(t, all, ascRetFlags(ascReqFlags(all)))
	assert.Equal(t, uint32(iscReqDelegate|iscReqConnection), iscReqFlags(gss.FlagDelegPolicy))
}

func TestFlagMappingValues(t *testing.T) {
	// Values from sspi.h.
	assert.Equal(t, uint32(0x2|0x10|0x10000|0x800), iscReqFlags(gss.FlagMutual|gss.FlagConf|gss.FlagInteg))
	assert.Equal(t, uint32(0x2|0x10|0x20000|0x800), ascReqFlags(gss.FlagMutual|gss.FlagConf|gss.FlagInteg))
	assert.Equal(t, gss.FlagIdentify|gss.FlagAnon, ISCRetFlags(0x20000|0x40000))
	assert.Equal(t, gss.FlagIdentify|gss.FlagAnon, ascRetFlags(0x80000|0x100000))
	assert.Equal(t, gss.FlagExtendedError, ascRetFlags(0x8000))
	assert.Equal(t, gss.Flags(0), ISCRetFlags(0x100|0x800)) // ALLOCATED_MEMORY, CONNECTION
}

func TestStatusMapping(t *testing.T) {
	cases := []struct {
		op       string
		code     uint32
		sentinel error
	}{
		{opVerifySignature, secEMessageAltered, gss.ErrBadMIC},
		{opDecryptMessage, secEDecryptFailure, gss.ErrBadMIC},
		{opAcceptSecurityContext, secEInvalidToken, gss.ErrDefectiveToken},
		{opDecryptMessage, secEIncompleteMessage, gss.ErrDefectiveToken},
		{opAcquireCredentialsHandle, secENoCredentials, gss.ErrNoCred},
		{opInitializeSecurityContext, secETargetUnknown, gss.ErrBadName},
		{opInitializeSecurityContext, secEWrongPrincipal, gss.ErrBadName},
		{opAcquireCredentialsHandle, secELogonDenied, gss.ErrNoCred},
		{opInitializeSecurityContext, secELogonDenied, gss.ErrNoCred},
		{opAcceptSecurityContext, secELogonDenied, gss.ErrFailure},
		{opVerifySignature, secEContextExpired, gss.ErrContextExpired},
		{opVerifySignature, secEOutOfSequence, gss.ErrUnseqToken},
		{opVerifySignature, secEOutOfSequence, gss.ErrGapToken},
		{opMakeSignature, secEInvalidHandle, gss.ErrNoContext},
		{opQueryContextAttributes, secEUnsupportedFunction, gss.ErrUnavailable},
		{opInitializeSecurityContext, secEInternalError, gss.ErrFailure},
		{opAcceptSecurityContext, secESecpkgNotFound, gss.ErrBadMech},
		{opAcceptSecurityContext, secEBadBindings, gss.ErrBadBindings},
		{opEncryptMessage, secEQOPNotSupported, gss.ErrBadQOP},
		{opAcquireCredentialsHandle, statusUnsuccessful, gss.ErrFailure}, // Wine
		{opAcceptSecurityContext, 0x80091234, gss.ErrFailure},            // unknown SEC_E_
		{opAcceptSecurityContext, 0xC0001234, gss.ErrFailure},            // unknown NTSTATUS
	}
	for _, c := range cases {
		err := gss.NewError(c.op, majorFor(c.op, c.code), c.code, gss.MechKRB5, statusName(c.code))
		assert.ErrorIs(t, err, c.sentinel, "%s %s", c.op, statusName(c.code))
	}
	oos := majorFor(opVerifySignature, secEOutOfSequence)
	assert.False(t, oos.IsError(), "out of sequence is supplementary, as in GSS")
	assert.NotErrorIs(t, gss.NewError(opVerifySignature, oos, secEOutOfSequence, "", ""), gss.ErrBadMIC)
	for _, ok := range []uint32{secEOK, secIContinueNeeded, secICompleteNeeded, secICompleteAndContinue} {
		assert.True(t, isSuccess(ok), statusName(ok))
		assert.False(t, majorFor("", ok).IsError(), statusName(ok))
	}
	assert.False(t, isSuccess(secEInvalidToken))
	assert.Equal(t, "SEC_E_MESSAGE_ALTERED", statusName(secEMessageAltered))
	assert.Equal(t, "0x80091234", statusName(0x80091234))
	var ge *gss.Error
	require.True(t, errors.As(error(gss.NewError(opVerifySignature, majorFor(opVerifySignature, secEMessageAltered), secEMessageAltered, "", "x")), &ge))
	assert.Equal(t, uint32(0x8009030F), ge.Minor)
}

func TestPackageForMech(t *testing.T) {
	for mech, want := range map[gss.OID]string{
		"": PackageKerberos, gss.MechKRB5: PackageKerberos, gss.MechMSKRB5: PackageKerberos,
		gss.MechKRB5Old: PackageKerberos, gss.MechNTLMSSP: PackageNTLM, gss.MechSPNEGO: PackageNegotiate,
	} {
		got, ok := packageForMech(mech)
		assert.True(t, ok, mech.String())
		assert.Equal(t, want, got, mech.String())
	}
	_, ok := packageForMech(gss.MechNegoEx)
	assert.False(t, ok)
	m, ok := mechForPackage("Kerberos")
	assert.True(t, ok)
	assert.Equal(t, gss.MechKRB5, m)
	m, _ = mechForPackage("NTLM")
	assert.Equal(t, gss.MechNTLMSSP, m)
	_, ok = mechForPackage("Schannel")
	assert.False(t, ok)
}

func TestTargetSPNAndUser(t *testing.T) {
	assert.Equal(t, "HTTP/www.example.com", targetSPN("HTTP@www.example.com", gss.NameHostBasedService))
	assert.Equal(t, "host/localhost", targetSPN("host", gss.NameHostBasedService))
	assert.Equal(t, "HTTP/www.example.com@EXAMPLE.COM", targetSPN("HTTP/www.example.com@EXAMPLE.COM", gss.NameKerberosPrincipal))
	assert.Equal(t, "alice", targetSPN("alice", gss.NameUserName))
	for in, want := range map[string][2]string{
		`EXAMPLE\alice`:     {"alice", "EXAMPLE"},
		"alice@EXAMPLE.COM": {"alice", "EXAMPLE.COM"},
		"alice":             {"alice", ""},
	} {
		u, d := splitUser(in)
		assert.Equal(t, want, [2]string{u, d}, in)
	}
}

func TestEnctypeFromKeyInfo(t *testing.T) {
	assert.Equal(t, gss.EnctypeAES256SHA1, enctypeFromKeyInfo("Kerberos", 18))
	assert.Equal(t, gss.EnctypeRC4HMAC, enctypeFromKeyInfo("kerberos", 23))
	assert.Equal(t, gss.EnctypeAES256SHA384, enctypeFromKeyInfo("Kerberos", 20))
	assert.Equal(t, gss.EnctypeUnknown, enctypeFromKeyInfo("NTLM", 0x6801)) // CALG_RC4
	assert.Equal(t, gss.EnctypeUnknown, enctypeFromKeyInfo("Kerberos", 0x6801))
}

func TestWrapPlaintextLen(t *testing.T) {
	hdr := func(flags byte, ec int) []byte {
		return []byte{0x05, 0x04, flags, 0xff, byte(ec >> 8), byte(ec), 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}
	}
	pad := func(b []byte, n int) []byte { return append(b, make([]byte, n)...) }
	// Sealed, aes-sha1: 16 header + 16 confounder + p + EC + 16 header copy + 12 HMAC.
	n, err := wrapPlaintextLen(pad(hdr(0x06, 0), 16+28+16+12), 0)
	require.NoError(t, err)
	assert.Equal(t, 28, n)
	n, err = wrapPlaintextLen(pad(hdr(0x06, 16), 16+28+16+16+24), 24)
	require.NoError(t, err)
	assert.Equal(t, 28, n)
	// Not sealed: p + EC (the checksum length).
	n, err = wrapPlaintextLen(pad(hdr(0x04, 12), 5+12), 0)
	require.NoError(t, err)
	assert.Equal(t, 5, n)
	_, err = wrapPlaintextLen(pad(hdr(0x06, 0), 10), 0)
	assert.Error(t, err)
	// RC4 (RFC 4757): framed, 32-octet header, data, one pad octet.
	inner := append([]byte{0x02, 0x01, 0x11, 0x00, 0x10, 0x00, 0xff, 0xff}, make([]byte, 24+7+1)...)
	oid := []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02}
	tok := append([]byte{0x60, byte(len(oid) + len(inner))}, append(oid, inner...)...)
	n, err = wrapPlaintextLen(tok, 0)
	require.NoError(t, err)
	assert.Equal(t, 7, n)
	inner[2] = 0x04 // DES3: padding is hidden
	_, err = wrapPlaintextLen(append([]byte{0x60, byte(len(oid) + len(inner))}, append(oid, inner...)...), 0)
	assert.Error(t, err)
	_, err = wrapPlaintextLen([]byte("garbage"), 0)
	assert.Error(t, err)
	assert.Equal(t, 12, micChecksumLen(pad([]byte{0x04, 0x04}, 26)))
	assert.Equal(t, 24, sealedChecksumLen(pad(hdr(0x06, 16), 16+28+16+16+24), 28))
	assert.Equal(t, 0, sealedChecksumLen(pad(hdr(0x04, 12), 5+12), 5))
	assert.Equal(t, 0, micChecksumLen([]byte{0x60, 0x23}))
}

func TestPackageForToken(t *testing.T) {
	assert.Equal(t, PackageNTLM, packageForToken([]byte("NTLMSSP\x00\x01\x00\x00\x00")))
	spnego := gss.AppendFraming(nil, gss.MechSPNEGO, append([]byte{0xa0, 0x82, 0x01, 0x00}, make([]byte, 0x100)...))
	assert.Equal(t, PackageNegotiate, packageForToken(spnego))
	assert.Equal(t, PackageNegotiate, packageForToken(gss.AppendFraming(nil, gss.MechSPNEGO, []byte{0xa0, 0x00})))
	krb5 := gss.AppendFraming(nil, gss.MechKRB5, append([]byte{0x01, 0x00}, make([]byte, 0x2d0)...))
	assert.Equal(t, PackageKerberos, packageForToken(krb5))
	assert.Equal(t, PackageKerberos, packageForToken([]byte{0x60, 0x05, 0x06, 0x03, 0x2a, 0x03, 0x04}))
	assert.Equal(t, PackageKerberos, packageForToken(nil))
	assert.Equal(t, PackageKerberos, packageForToken([]byte{0x60, 0x84}))
	// A SPNEGO framing that is cut short, or whose length does not match
	// the token, goes to Kerberos, which refuses it.
	assert.Equal(t, PackageKerberos, packageForToken(spnego[:13]))
	assert.Equal(t, PackageKerberos, packageForToken(append(spnego, 0)))
}
