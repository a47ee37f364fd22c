package kerberos

import (
	"errors"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"

	"github.com/gssnego/gssnego/gss"
)

// Context-token TOK_IDs (RFC 4121 §4.1).
const (
	tokAPReq    = 0x0100
	tokAPRep    = 0x0200
	tokKRBError = 0x0300
)

// tagGSSFraming is [APPLICATION 0] constructed, RFC 2743 §3.1.
const tagGSSFraming = asn1.Tag(0x60)

// frame wraps a Kerberos message in the RFC 2743 §3.1 framing with the
// RFC 4121 TOK_ID. (Private until the shared framing in gss/ lands; the
// parser is unframe.)
func frame(tokID uint16, msg []byte) []byte {
	var b cryptobyte.Builder
	b.AddASN1(tagGSSFraming, func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.OBJECT_IDENTIFIER, func(b *cryptobyte.Builder) { b.AddBytes([]byte(gss.MechKRB5)) })
		b.AddUint16(tokID)
		b.AddBytes(msg)
	})
	return b.BytesOrPanic()
}

var errFraming = errors.New("not a GSS-framed Kerberos token")

// unframe reads the framing, the mechanism OID and the TOK_ID; msg aliases
// b. Both the RFC and Microsoft's Kerberos OIDs are accepted.
func unframe(b []byte) (tokID uint16, msg []byte, err error) {
	s := cryptobyte.String(b)
	var body, oid cryptobyte.String
	if !s.ReadASN1(&body, tagGSSFraming) || !s.Empty() {
		return 0, nil, errFraming
	}
	if !body.ReadASN1(&oid, asn1.OBJECT_IDENTIFIER) {
		return 0, nil, errFraming
	}
	if o := gss.OID(oid); o != gss.MechKRB5 && o != gss.MechMSKRB5 {
		return 0, nil, errors.New("token is for mechanism " + o.String() + ", not Kerberos")
	}
	if !body.ReadUint16(&tokID) {
		return 0, nil, errFraming
	}
	return tokID, body, nil
}
