package mechtoken

import (
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// DER helpers shared by the Kerberos parsers. Everything is strict DER
// (cryptobyte rejects non-minimal lengths and indefinite forms): every real
// token in testdata is strict DER, and RFC 4120 and RFC 2743 require it.

// Tags cryptobyte has no names for.
const (
	tagGSSFraming          = asn1.Tag(0x60) // [APPLICATION 0], RFC 2743 §3.1
	tagGeneralString       = asn1.Tag(27)   // KerberosString, Realm
	tagKerberosTime        = asn1.GeneralizedTime
	tagTicket              = asn1.Tag(0x61) // [APPLICATION 1]
	tagAPReq               = asn1.Tag(0x6e) // [APPLICATION 14]
	tagAPRep               = asn1.Tag(0x6f) // [APPLICATION 15]
	tagKRBError            = asn1.Tag(0x7e) // [APPLICATION 30]
	maxInt32         int64 = 1<<31 - 1
	minInt32         int64 = -1 << 31
	maxUint32        int64 = 1<<32 - 1
)

// ctx returns the tag of an EXPLICIT [n] context field.
func ctx(n uint8) asn1.Tag { return asn1.Tag(n).ContextSpecific().Constructed() }

// read reads one element with tag from s into out, or says why it cannot.
func (p *parser) read(s *cryptobyte.String, out *cryptobyte.String, tag asn1.Tag, field string) error {
	at := *s
	if s.ReadASN1(out, tag) {
		return nil
	}
	switch {
	case len(at) == 0:
		return p.fail(field, at, "truncated: field missing")
	case at[0] != uint8(tag):
		return p.failf(field, at, "wrong tag 0x%02x, want 0x%02x", at[0], uint8(tag))
	}
	return p.fail(field, at, "bad DER length (non-minimal, or past the end of its container)")
}

// explicit reads the EXPLICIT [n] wrapper around a field and returns its content.
func (p *parser) explicit(s *cryptobyte.String, n uint8, field string) (cryptobyte.String, error) {
	var x cryptobyte.String
	err := p.read(s, &x, ctx(n), field)
	return x, err
}

// done checks that s, the content of field, has been consumed.
func (p *parser) done(s cryptobyte.String, field string) error {
	if len(s) != 0 {
		return p.failf(field, s, "%d trailing bytes", len(s))
	}
	return nil
}

// integer reads "[n] INTEGER" and checks that the value lies in [lo, hi].
func (p *parser) integer(s *cryptobyte.String, n uint8, field string, lo, hi int64) (int64, error) {
	x, err := p.explicit(s, n, field)
	if err != nil {
		return 0, err
	}
	var v cryptobyte.String
	if err := p.read(&x, &v, asn1.INTEGER, field); err != nil {
		return 0, err
	}
	var out int64
	if !readInt(v, &out) {
		return 0, p.fail(field, v, "bad INTEGER encoding or value out of int64 range")
	}
	if out < lo || out > hi {
		return 0, p.failf(field, v, "value %d out of range [%d, %d]", out, lo, hi)
	}
	return out, p.done(x, field)
}

// readInt decodes the content octets of a DER INTEGER into out.
func readInt(v []byte, out *int64) bool {
	if len(v) == 0 || len(v) > 8 {
		return false
	}
	if len(v) > 1 && (v[0] == 0 && v[1]&0x80 == 0 || v[0] == 0xff && v[1]&0x80 != 0) {
		return false // non-minimal
	}
	var x int64
	if v[0]&0x80 != 0 {
		x = -1
	}
	for _, c := range v {
		x = x<<8 | int64(c)
	}
	*out = x
	return true
}

// expectInt reads "[n] INTEGER" and requires it to equal want.
func (p *parser) expectInt(s *cryptobyte.String, n uint8, field string, want int64) error {
	at := *s
	v, err := p.integer(s, n, field, minInt32, maxInt32)
	if err != nil {
		return err
	}
	if v != want {
		return p.failf(field, at, "value %d, want %d", v, want)
	}
	return nil
}

// generalString reads "[n] KerberosString" (GeneralString, tag 27).
func (p *parser) generalString(s *cryptobyte.String, n uint8, field string) (Text, error) {
	x, err := p.explicit(s, n, field)
	if err != nil {
		return nil, err
	}
	var v cryptobyte.String
	if err := p.read(&x, &v, tagGeneralString, field); err != nil {
		return nil, err
	}
	return Text(v), p.done(x, field)
}
