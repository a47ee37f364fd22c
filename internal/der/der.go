// Package der is the one set of DER reading helpers behind every token
// parser of the module: the RFC 2743 framing in gss, the SPNEGO codec in
// negotiate and the mechanism-token sniffers in negotiate/mechtoken. It turns
// cryptobyte's boolean failures into a *ParseError that names the
// structure, the field, the byte offset and the rule that was broken.
//
// Everything is strict DER: cryptobyte rejects non-minimal and indefinite
// lengths, and every helper rejects trailing bytes. Every real peer's token
// recorded in testdata is strict DER (RFC 4120 and RFC 2743 require it), so
// no BER is tolerated anywhere; a parser that must tolerate a deviation says
// so where it does.
package der

import (
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// Tags cryptobyte has no names for.
const (
	// TagGSSFraming is RFC 2743 §3.1's InitialContextToken,
	// [APPLICATION 0] IMPLICIT SEQUENCE (constructed).
	TagGSSFraming = asn1.Tag(0x60)
	// TagGeneralString is the universal GeneralString (27): KerberosString,
	// Realm, and SPNEGO's hintName.
	TagGeneralString = asn1.Tag(27)
)

// Ranges of the INTEGER fields Integer reads.
const (
	MaxInt32  int64 = 1<<31 - 1
	MinInt32  int64 = -1 << 31
	MaxUint32 int64 = 1<<32 - 1
)

// Ctx returns the tag of an EXPLICIT [n] context-specific field.
func Ctx(n uint8) asn1.Tag { return asn1.Tag(n).ContextSpecific().Constructed() }

// ErrMalformed is matched (errors.Is) by every ParseError, whichever parser
// returned it, so callers can branch on "the token is bad" without caring
// which parser said so.
var ErrMalformed = errors.New("malformed token")

// ParseError says which field of which token could not be read, at which
// byte offset from the start of the bytes handed to the parser, and why.
type ParseError struct {
	Token  string // structure being read, e.g. "NegTokenInit", "AP-REQ", "GSS framing"
	Field  string // field being read, e.g. "mechTypes", "thisMech"
	Offset int    // byte offset where the field starts (or where reading stopped)
	Reason string // what was wrong, e.g. "truncated", "wrong tag 0x04, want 0xa0"
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%s: field %s at offset %d: %s", e.Token, e.Field, e.Offset, e.Reason)
}

// Is makes every ParseError match ErrMalformed.
func (e *ParseError) Is(target error) bool { return target == ErrMalformed }

// Parser carries what every error needs: the whole input handed to the
// exported entry point (offsets are measured from its start) and the name of
// the structure being read, which a parser may change as it descends.
type Parser struct {
	Base  []byte
	Token string
}

// Off returns the offset of s inside p.Base. Every cryptobyte.String and
// sub-slice read from p.Base shares its backing array and only ever drops
// bytes from the front, so the difference of capacities is the position.
func (p *Parser) Off(s []byte) int {
	o := cap(p.Base) - cap(s)
	if s == nil || o < 0 || o > len(p.Base) {
		return len(p.Base)
	}
	return o
}

// Fail returns a ParseError for field at the position of at.
func (p *Parser) Fail(field string, at []byte, reason string) error {
	return &ParseError{Token: p.Token, Field: field, Offset: p.Off(at), Reason: reason}
}

// Failf is Fail with a formatted reason.
func (p *Parser) Failf(field string, at []byte, format string, args ...any) error {
	return p.Fail(field, at, fmt.Sprintf(format, args...))
}

// Read reads one element with tag from s into out (its contents), or says
// why it cannot.
func (p *Parser) Read(s, out *cryptobyte.String, tag asn1.Tag, field string) error {
	at := *s
	if s.ReadASN1(out, tag) {
		return nil
	}
	return p.Diagnose(at, tag, field)
}

// Contents is Read returning the element's contents.
func (p *Parser) Contents(s *cryptobyte.String, tag asn1.Tag, field string) (cryptobyte.String, error) {
	var out cryptobyte.String
	if err := p.Read(s, &out, tag, field); err != nil {
		return nil, err
	}
	return out, nil
}

// Diagnose says why reading an element with tag from s failed.
func (p *Parser) Diagnose(s cryptobyte.String, tag asn1.Tag, field string) error {
	switch {
	case len(s) == 0:
		return p.Failf(field, s, "truncated: input ends where tag 0x%02x was expected", byte(tag))
	case s[0] != byte(tag):
		return p.Failf(field, s, "wrong tag 0x%02x, want 0x%02x", s[0], byte(tag))
	case len(s) < 2:
		return p.Fail(field, s, "truncated: input ends inside the length")
	}
	l := s[1]
	rest := len(s) - 2
	if l&0x80 == 0 {
		if int(l) > rest {
			return p.Failf(field, s, "truncated: declared length %d exceeds the %d bytes remaining", l, rest)
		}
		return p.Fail(field, s, "malformed element")
	}
	n := int(l & 0x7f)
	switch {
	case n == 0:
		return p.Fail(field, s, "indefinite length (BER 0x80) not allowed in DER")
	case n > 4:
		return p.Failf(field, s, "length of length %d too large", n)
	case n > rest:
		return p.Fail(field, s, "truncated: input ends inside the length")
	}
	var v uint64
	for _, c := range s[2 : 2+n] {
		v = v<<8 | uint64(c)
	}
	rest -= n
	switch {
	case v < 128 || s[2] == 0:
		return p.Failf(field, s, "non-minimal length encoding (%d in %d octets)", v, n)
	case v > uint64(rest):
		return p.Failf(field, s, "truncated: declared length %d exceeds the %d bytes remaining", v, rest)
	}
	return p.Fail(field, s, "malformed element")
}

// Done checks that s, the content of field, has been consumed.
func (p *Parser) Done(s cryptobyte.String, field string) error {
	if len(s) != 0 {
		return p.Failf(field, s, "%d trailing bytes", len(s))
	}
	return nil
}

// Explicit reads the EXPLICIT [n] wrapper around a field and returns its content.
func (p *Parser) Explicit(s *cryptobyte.String, n uint8, field string) (cryptobyte.String, error) {
	return p.Contents(s, Ctx(n), field)
}

// ExplicitSeq reads tag { SEQUENCE { ... } } and returns the SEQUENCE contents.
func (p *Parser) ExplicitSeq(s *cryptobyte.String, tag asn1.Tag, field string) (cryptobyte.String, error) {
	outer, err := p.Contents(s, tag, field)
	if err != nil {
		return nil, err
	}
	seq, err := p.Contents(&outer, asn1.SEQUENCE, field)
	if err != nil {
		return nil, err
	}
	return seq, p.Done(outer, field)
}

// Field reads the next [n] EXPLICIT field of a SEQUENCE, enforcing strictly
// increasing tag numbers (no duplicates, DER order). Unknown higher tags are
// returned too; callers skip them.
func (p *Parser) Field(s *cryptobyte.String, last *int, structure string) (int, cryptobyte.String, error) {
	at := *s
	var inner cryptobyte.String
	var tag asn1.Tag
	if len(at) > 0 && at[0]&0x1f == 0x1f {
		return 0, nil, p.Failf(structure, at, "high-tag-number field 0x%02x not supported", at[0])
	}
	if !s.ReadAnyASN1(&inner, &tag) {
		if len(at) == 0 {
			return 0, nil, p.Fail(structure, at, "truncated")
		}
		return 0, nil, p.Diagnose(at, asn1.Tag(at[0]), structure)
	}
	if byte(tag)&0xe0 != 0xa0 {
		return 0, nil, p.Failf(structure, at, "wrong tag 0x%02x, want a constructed context-specific field", byte(tag))
	}
	num := int(byte(tag) & 0x1f)
	if num <= *last {
		return 0, nil, p.Failf(structure, at, "field [%d] after [%d]: duplicate or out of order", num, *last)
	}
	*last = num
	return num, inner, nil
}

// Octets reads an OCTET STRING that must fill inner exactly.
func (p *Parser) Octets(inner cryptobyte.String, field string) ([]byte, error) {
	v, err := p.Contents(&inner, asn1.OCTET_STRING, field)
	if err != nil {
		return nil, err
	}
	return v, p.Done(inner, field)
}

// Integer reads "[n] INTEGER" and checks that the value lies in [lo, hi].
func (p *Parser) Integer(s *cryptobyte.String, n uint8, field string, lo, hi int64) (int64, error) {
	x, err := p.Explicit(s, n, field)
	if err != nil {
		return 0, err
	}
	v, err := p.Contents(&x, asn1.INTEGER, field)
	if err != nil {
		return 0, err
	}
	out, ok := Int64(v)
	if !ok {
		return 0, p.Fail(field, v, "bad INTEGER encoding or value out of int64 range")
	}
	if out < lo || out > hi {
		return 0, p.Failf(field, v, "value %d out of range [%d, %d]", out, lo, hi)
	}
	return out, p.Done(x, field)
}

// ExpectInt reads "[n] INTEGER" and requires it to equal want.
func (p *Parser) ExpectInt(s *cryptobyte.String, n uint8, field string, want int64) error {
	at := *s
	v, err := p.Integer(s, n, field, MinInt32, MaxInt32)
	if err != nil {
		return err
	}
	if v != want {
		return p.Failf(field, at, "value %d, want %d", v, want)
	}
	return nil
}

// Int64 decodes the content octets of a DER INTEGER; false when they are
// empty, non-minimal or longer than eight octets.
func Int64(v []byte) (int64, bool) {
	if len(v) == 0 || len(v) > 8 {
		return 0, false
	}
	if len(v) > 1 && (v[0] == 0 && v[1]&0x80 == 0 || v[0] == 0xff && v[1]&0x80 != 0) {
		return 0, false // non-minimal
	}
	var x int64
	if v[0]&0x80 != 0 {
		x = -1
	}
	for _, c := range v {
		x = x<<8 | int64(c)
	}
	return x, true
}
