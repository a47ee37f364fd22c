package replay

import (
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/negotiate/mechtoken"
)

// TokenKey returns the Key of the AP-REQ in an acceptor's input token: a
// framed or raw Kerberos AP-REQ, or one carried as the mechanism token of
// a SPNEGO NegTokenInit or NegTokenResp (a provider's own SPNEGO). ok is
// false for any other token (NTLM, a MIC, a malformed token), which has no
// key: NTLM's own challenge stops its replays.
func TokenKey(tok []byte) (key Key, ok bool) {
	if inner := spnegoMechToken(tok); inner != nil {
		tok = inner
	}
	if len(tok) == 0 {
		return key, false
	}
	switch tok[0] {
	case gss.TagFraming, 0x6e: // framed token, raw (DCE-style) AP-REQ
	default:
		return key, false
	}
	info, err := mechtoken.Sniff(tok)
	if err != nil || info.Kind != mechtoken.KindKRB5APReq || len(info.Kerberos.AuthenticatorCipher) == 0 {
		return key, false
	}
	return KeyOf(info.Kerberos.AuthenticatorCipher), true
}

// spnegoMechToken returns the mechToken/responseToken ([2] OCTET STRING)
// of a SPNEGO NegTokenInit (framed, RFC 4178 §4.2.1) or NegTokenResp
// (§4.2.2), nil for anything else. Both carry the token in field 2.
func spnegoMechToken(tok []byte) []byte {
	if len(tok) == 0 {
		return nil
	}
	body := tok
	if tok[0] == gss.TagFraming {
		mech, inner, err := gss.ParseFraming(tok)
		if err != nil || mech != gss.MechSPNEGO {
			return nil
		}
		body = inner
	}
	s := cryptobyte.String(body)
	var choice, seq cryptobyte.String
	var tag asn1.Tag
	if !s.ReadAnyASN1(&choice, &tag) || !s.Empty() {
		return nil
	}
	if tag != ctx(0) && tag != ctx(1) || tok[0] != gss.TagFraming && tag != ctx(1) {
		return nil // NegTokenInit is framed; NegTokenResp is not
	}
	if !choice.ReadASN1(&seq, asn1.SEQUENCE) || !choice.Empty() {
		return nil
	}
	for !seq.Empty() {
		var field cryptobyte.String
		if !seq.ReadAnyASN1(&field, &tag) {
			return nil
		}
		if tag == ctx(2) {
			var octets cryptobyte.String
			if !field.ReadASN1(&octets, asn1.OCTET_STRING) || !field.Empty() {
				return nil
			}
			return octets
		}
	}
	return nil
}

func ctx(n uint8) asn1.Tag { return asn1.Tag(n).ContextSpecific().Constructed() }
