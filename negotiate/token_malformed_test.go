package negotiate

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/negotiate/mechtoken"
)

// tlv builds one DER element (definite, minimal length) from its parts.
func tlv(tag byte, parts ...[]byte) []byte {
	var body []byte
	for _, p := range parts {
		body = append(body, p...)
	}
	return append(derHeader(tag, len(body)), body...)
}

func oidTLV(o gss.OID) []byte { return tlv(0x06, []byte(o)) }

// framedInit wraps NegTokenInit fields in [0] SEQUENCE and the GSS framing.
func framedInit(fields ...[]byte) []byte {
	return tlv(0x60, oidTLV(gss.MechSPNEGO), tlv(0xa0, tlv(0x30, fields...)))
}

func resp(fields ...[]byte) []byte { return tlv(0xa1, tlv(0x30, fields...)) }

var (
	fMechTypes = tlv(0xa0, tlv(0x30, oidTLV(gss.MechMSKRB5), oidTLV(gss.MechKRB5)))
	fMechToken = tlv(0xa2, tlv(0x04, []byte("tok")))
	fNegState0 = tlv(0xa0, []byte{0x0a, 0x01, 0x00})
	fSupported = tlv(0xa1, oidTLV(gss.MechKRB5))
	fRespToken = tlv(0xa2, tlv(0x04, []byte("tok")))
	fRespMIC   = tlv(0xa3, tlv(0x04, []byte("mic")))
)

func TestMalformedTokens(t *testing.T) {
	cases := []struct {
		name   string
		in     []byte
		token  string
		field  string
		offset int
	}{
		{"empty input", nil, "SPNEGO token", "token", 0},
		{"unknown first tag", []byte{0x30, 0x00}, "SPNEGO token", "NegotiationToken", 0},
		{"unframed NegTokenInit", []byte{0xa0, 0x02, 0x30, 0x00}, "NegTokenInit", "InitialContextToken", 0},
		{"resp trailing garbage", append(resp(fNegState0), 0x00), "NegTokenResp", "NegotiationToken", 9},
		{"framed trailing garbage", append(framedInit(fMechTypes), 0xff, 0xff), "InitialContextToken", "InitialContextToken", 40},
		{"garbage inside framing", tlv(0x60, oidTLV(gss.MechSPNEGO), tlv(0xa0, tlv(0x30, fMechTypes)), []byte{0}), "NegTokenInit", "innerContextToken", 40},
		{"non-minimal long length", []byte{0xa1, 0x81, 0x07, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x00}, "NegTokenResp", "negTokenResp", 0},
		{"non-minimal leading zero", []byte{0xa1, 0x82, 0x00, 0x81}, "NegTokenResp", "negTokenResp", 0},
		{"indefinite length", []byte{0xa1, 0x80, 0x30, 0x80, 0x00, 0x00, 0x00, 0x00}, "NegTokenResp", "negTokenResp", 0},
		{"huge declared length", []byte{0xa1, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x30, 0x00}, "NegTokenResp", "negTokenResp", 0},
		{"length of length 5", []byte{0xa1, 0x85, 0x01, 0x00, 0x00, 0x00, 0x00}, "NegTokenResp", "negTokenResp", 0},
		{"inner length exceeds outer", []byte{0xa1, 0x04, 0x30, 0x05, 0xa0, 0x03}, "NegTokenResp", "negTokenResp", 2},
		{"resp not a SEQUENCE", tlv(0xa1, tlv(0x31)), "NegTokenResp", "negTokenResp", 2},
		{"negState INTEGER not ENUMERATED", resp(tlv(0xa0, []byte{0x02, 0x01, 0x00})), "NegTokenResp", "negState", 6},
		{"negState unknown value", resp(tlv(0xa0, []byte{0x0a, 0x01, 0x04})), "NegTokenResp", "negState", 6},
		{"negState non-minimal enum", resp(tlv(0xa0, []byte{0x0a, 0x02, 0x00, 0x01})), "NegTokenResp", "negState", 6},
		{"duplicate negState", resp(fNegState0, fNegState0), "NegTokenResp", "NegTokenResp", 9},
		{"fields out of order", resp(fRespToken, fNegState0), "NegTokenResp", "NegTokenResp", 11},
		{"universal tag among fields", resp(tlv(0x04)), "NegTokenResp", "NegTokenResp", 4},
		{"primitive context tag", resp([]byte{0x80, 0x00}), "NegTokenResp", "NegTokenResp", 4},
		{"high tag number field", resp([]byte{0xbf, 0x1f, 0x00}), "NegTokenResp", "NegTokenResp", 4},
		{"supportedMech empty OID", resp(tlv(0xa1, tlv(0x06))), "NegTokenResp", "supportedMech", 6},
		{"supportedMech non-minimal arc", resp(tlv(0xa1, tlv(0x06, []byte{0x2a, 0x80, 0x01}))), "NegTokenResp", "supportedMech", 6},
		{"supportedMech unterminated arc", resp(tlv(0xa1, tlv(0x06, []byte{0x2a, 0x86}))), "NegTokenResp", "supportedMech", 6},
		{"supportedMech trailing", resp(tlv(0xa1, oidTLV(gss.MechKRB5), []byte{0x05, 0x00})), "NegTokenResp", "supportedMech", 17},
		{"responseToken wrong tag", resp(tlv(0xa2, tlv(0x03, []byte{0}))), "NegTokenResp", "responseToken", 6},
		{"mechListMIC two strings", resp(tlv(0xa3, tlv(0x04), tlv(0x04))), "NegTokenResp", "mechListMIC", 8},
		{"framed non-SPNEGO OID", tlv(0x60, oidTLV(gss.MechKRB5), []byte{0x01, 0x00}), "InitialContextToken", "thisMech", 2},
		{"framed bad OID", tlv(0x60, tlv(0x06, []byte{0x80}), []byte{0xa0, 0x00}), "InitialContextToken", "thisMech", 2},
		{"framed nothing after OID", tlv(0x60, oidTLV(gss.MechSPNEGO)), "InitialContextToken", "innerContextToken", 10},
		{"framed wrong inner tag", tlv(0x60, oidTLV(gss.MechSPNEGO), tlv(0x30)), "InitialContextToken", "NegotiationToken", 10},
		{"empty mechTypes (gokrb5 panics)", framedInit(tlv(0xa0, tlv(0x30))), "NegTokenInit", "mechTypes", 14},
		{"missing mechTypes", framedInit(fMechToken), "NegTokenInit", "mechTypes", 21},
		{"mechTypes not SEQUENCE", framedInit(tlv(0xa0, tlv(0x31))), "NegTokenInit", "mechTypes", 16},
		{"mechTypes element not OID", framedInit(tlv(0xa0, tlv(0x30, tlv(0x04)))), "NegTokenInit", "mechTypes", 18},
		{"mechTypes bad OID", framedInit(tlv(0xa0, tlv(0x30, oidTLV(gss.MechKRB5), tlv(0x06, []byte{0x80, 0x01})))), "NegTokenInit", "mechTypes", 29},
		{"mechTypes trailing in [0]", framedInit(tlv(0xa0, tlv(0x30, oidTLV(gss.MechKRB5)), []byte{0x05, 0x00})), "NegTokenInit", "mechTypes", 29},
		{"duplicate mechTypes", framedInit(fMechTypes, fMechTypes), "NegTokenInit", "NegTokenInit", 40},
		{"mechToken before mechTypes", framedInit(fMechToken, fMechTypes), "NegTokenInit", "NegTokenInit", 21},
		{"reqFlags bad padding", framedInit(fMechTypes, tlv(0xa1, []byte{0x03, 0x02, 0x01, 0x01})), "NegTokenInit", "reqFlags", 42},
		{"reqFlags 40 bits", framedInit(fMechTypes, tlv(0xa1, tlv(0x03, []byte{0, 1, 2, 3, 4, 5}))), "NegTokenInit", "reqFlags", 42},
		{"reqFlags wrong tag", framedInit(fMechTypes, tlv(0xa1, tlv(0x04))), "NegTokenInit", "reqFlags", 42},
		{"MIC at [3] and [4]", framedInit(fMechTypes, tlv(0xa3, tlv(0x04)), tlv(0xa4, tlv(0x04))), "NegTokenInit", "mechListMIC", 44},
		{"[3] neither MIC nor hints", framedInit(fMechTypes, tlv(0xa3, tlv(0x02, []byte{0}))), "NegTokenInit", "mechListMIC", 42},
		{"negHints hintName wrong type", framedInit(fMechTypes, tlv(0xa3, tlv(0x30, tlv(0xa0, tlv(0x0c, []byte("x")))))), "NegTokenInit", "negHints.hintName", 46},
		{"negHints duplicate", framedInit(fMechTypes, tlv(0xa3, tlv(0x30, tlv(0xa0, tlv(0x1b)), tlv(0xa0, tlv(0x1b))))), "NegTokenInit", "NegHints", 48},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tok, err := Parse(c.in)
			require.Error(t, err, "parsed as %+v", tok)
			var pe *ParseError
			require.True(t, errors.As(err, &pe), "%T %v", err, err)
			assert.ErrorIs(t, err, mechtoken.ErrMalformed)
			assert.Equal(t, c.token, pe.Token, err.Error())
			assert.Equal(t, c.field, pe.Field, err.Error())
			assert.Equal(t, c.offset, pe.Offset, err.Error())
			assert.NotEmpty(t, pe.Reason)
		})
	}
}

func TestExtensionsIgnored(t *testing.T) {
	ext := tlv(0xa7, tlv(0x04, []byte("future")))
	tok, err := Parse(resp(fNegState0, fSupported, fRespToken, fRespMIC, ext))
	require.NoError(t, err)
	assert.Equal(t, NegStateAcceptCompleted, tok.NegState)
	assert.Equal(t, []byte("mic"), tok.MechListMIC)

	tok, err = Parse(framedInit(fMechTypes, fMechToken, tlv(0xa5, tlv(0x30)), tlv(0xa9)))
	require.NoError(t, err)
	assert.Equal(t, KindInit, tok.Kind)
	assert.Equal(t, []byte("tok"), tok.MechToken)

	// RFC 4178 NegTokenInit MIC at [3] followed by an extension at [5].
	tok, err = Parse(framedInit(fMechTypes, tlv(0xa3, tlv(0x04, []byte("m"))), tlv(0xa5, tlv(0x05))))
	require.NoError(t, err)
	assert.Equal(t, KindInit, tok.Kind)
	assert.Equal(t, []byte("m"), tok.MechListMIC)
}

func TestInit2Variants(t *testing.T) {
	// MIC at [4] without negHints makes it NegTokenInit2.
	in := framedInit(fMechTypes, tlv(0xa4, tlv(0x04, []byte("m"))))
	tok, err := Parse(in)
	require.NoError(t, err)
	assert.Equal(t, KindInit2, tok.Kind)
	assert.False(t, tok.HasNegHints)
	out, err := tok.Marshal()
	require.NoError(t, err)
	assert.Equal(t, in, out)

	// negHints with both fields, and an empty negHints.
	for _, hints := range [][]byte{
		tlv(0x30, tlv(0xa0, tlv(0x1b, []byte("srv@REALM"))), tlv(0xa1, tlv(0x04, []byte{10, 0, 0, 1}))),
		tlv(0x30),
	} {
		in = framedInit(fMechTypes, tlv(0xa3, hints), tlv(0xa4, tlv(0x04, []byte("m"))))
		tok, err = Parse(in)
		require.NoError(t, err)
		assert.Equal(t, KindInit2, tok.Kind)
		assert.True(t, tok.HasNegHints)
		out, err = tok.Marshal()
		require.NoError(t, err)
		assert.Equal(t, in, out)
	}

	// NegTokenInit2 may omit mechTypes.
	tok, err = Parse(framedInit(tlv(0xa3, tlv(0x30))))
	require.NoError(t, err)
	assert.Equal(t, KindInit2, tok.Kind)
	assert.Nil(t, tok.MechTypes)
}

func TestUnknownOIDsShareOneAllocation(t *testing.T) {
	odd := gss.MustParseOID("1.2.3.4.5")
	in := framedInit(tlv(0xa0, tlv(0x30, oidTLV(odd), oidTLV(gss.MechKRB5), oidTLV(gss.MustParseOID("1.2.3.99")))))
	var tok Token
	n := testing.AllocsPerRun(50, func() { require.NoError(t, tok.Unmarshal(in)) })
	assert.Equal(t, 1.0, n)
	assert.Equal(t, []gss.OID{odd, gss.MechKRB5, gss.MustParseOID("1.2.3.99")}, tok.MechTypes)
	in[20] ^= 0xff // the OIDs must not alias the input
	assert.Equal(t, odd, tok.MechTypes[0])

	// Lists longer than the inline array still work.
	var many [][]byte
	for i := 0; i < 12; i++ {
		many = append(many, oidTLV(gss.MustParseOID(fmt.Sprintf("1.2.3.%d", i))))
	}
	tok2, err := Parse(framedInit(tlv(0xa0, tlv(0x30, many...))))
	require.NoError(t, err)
	assert.Len(t, tok2.MechTypes, 12)
	assert.Equal(t, "1.2.3.11", tok2.MechTypes[11].String())
}

// TestTruncatedVectors cuts several real tokens at every byte: each prefix
// must fail with a ParseError whose offset lies inside the prefix.
func TestTruncatedVectors(t *testing.T) {
	for _, name := range []string{
		"mit/mit-b-ntlm1st-krb5chosen-aes256-01-i2a.hex",
		"mit/mit-b-ntlm1st-krb5chosen-aes256-04-a2i.hex",
		"samba/smb2-negprot-negtokeninit2-a2i.hex",
		"windows/zeek-smb1_krb_rc4_xp_to_win2000-03-a2i.hex",
		"windows/zeek-dcerpc_krb_aes256_dcestyle_win_to_win-04-a2i.hex",
		"windows/kerberosnet-negoex_pku2u_win10-01-i2a.hex",
	} {
		b := loadVector(t, name)
		for i := 0; i < len(b); i++ {
			prefix := append([]byte(nil), b[:i]...)
			_, err := Parse(prefix)
			var pe *ParseError
			require.True(t, errors.As(err, &pe), "%s[:%d]: %v", name, i, err)
			require.LessOrEqual(t, pe.Offset, i, "%s[:%d]: %v", name, i, err)
		}
	}
}
