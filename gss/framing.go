package gss

import (
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"

	"github.com/gssnego/gssnego/internal/der"
)

// ParseError is the error of every token parser in this module (the
// framing here, the SPNEGO codec, the mechanism-token sniffers): it names
// the structure, the field, the byte offset from the start of the parsed
// input, and the rule that was broken. Every ParseError matches ErrMalformed.
type ParseError = der.ParseError

// ErrMalformed is matched (errors.Is) by every *ParseError.
var ErrMalformed = der.ErrMalformed

// TagFraming is the first octet of an RFC 2743 §3.1 framed token: the
// InitialContextToken's [APPLICATION 0] constructed tag.
const TagFraming = byte(der.TagGSSFraming)

// ParseFraming reads the RFC 2743 §3.1 mechanism-independent token framing
//
//	60 LL 06 LL <thisMech> <innerContextToken>
//
// that wraps every initial context token (and, for RFC 1964/4757 Kerberos,
// every per-message token too). It returns the mechanism OID and the inner
// token, which aliases b; the inner token may be empty. It is the one
// framing reader of this module, used by the SPNEGO sniffers, the cgo and
// SSPI backends, the adapters and the capture tools.
//
// The framing is read strictly: the outer length must be DER (definite,
// minimal) and span all of b, so trailing bytes are an error, and thisMech
// must be a well-formed OID (ValidOID). No tolerance is needed: every
// framed token recorded from MIT, Heimdal, Samba, Windows and Wine peers
// is DER, as RFC 2743 requires. (The byte walkers this replaced accepted
// non-minimal long-form lengths, and one no length check at all, for no
// peer's sake.) Failures are a *ParseError with Token "GSS framing" and
// Field "InitialContextToken" or "thisMech".
//
// Well-known mechanisms are returned as the package's constants without
// allocating; any other OID is copied.
func ParseFraming(b []byte) (mech OID, inner []byte, err error) {
	p := der.Parser{Base: b, Token: "GSS framing"}
	s := cryptobyte.String(b)
	var body, oid cryptobyte.String
	if err := p.Read(&s, &body, der.TagGSSFraming, "InitialContextToken"); err != nil {
		return "", nil, err
	}
	if err := p.Done(s, "InitialContextToken"); err != nil {
		return "", nil, err
	}
	if err := p.Read(&body, &oid, asn1.OBJECT_IDENTIFIER, "thisMech"); err != nil {
		return "", nil, err
	}
	if !ValidOID(oid) {
		return "", nil, p.Failf("thisMech", oid, "malformed OBJECT IDENTIFIER encoding % x", []byte(oid))
	}
	if o, ok := KnownOID(oid); ok {
		return o, body, nil
	}
	return OID(oid), body, nil
}

// AppendFraming appends inner wrapped in the RFC 2743 §3.1 framing for mech
// to dst: the inverse of ParseFraming.
func AppendFraming(dst []byte, mech OID, inner []byte) []byte {
	b := cryptobyte.NewBuilder(dst)
	b.AddASN1(der.TagGSSFraming, func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.OBJECT_IDENTIFIER, func(b *cryptobyte.Builder) { b.AddBytes([]byte(mech)) })
		b.AddBytes(inner)
	})
	return b.BytesOrPanic()
}
