package mechtoken

import (
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"

	"github.com/gssnego/gssnego/gss"
)

// ParseFraming reads the RFC 2743 §3.1 mechanism-independent token framing
// `60 LL 06 LL <oid> <inner>` that wraps every initial context token (and,
// for RFC 1964/4757 Kerberos, every per-message token too). It returns the
// mechanism OID and the inner token, which aliases b. The framing must span
// all of b: trailing bytes are an error. Lengths must be DER (minimal,
// definite). Well-known mechanisms are returned as the gss constants without
// allocating; any other OID is copied into a new gss.OID.
func ParseFraming(b []byte) (mech gss.OID, inner []byte, err error) {
	p := parser{base: b, token: "GSS framing"}
	return p.framing(b)
}

func (p *parser) framing(b []byte) (gss.OID, []byte, error) {
	s := cryptobyte.String(b)
	var body, oid cryptobyte.String
	if err := p.read(&s, &body, tagGSSFraming, "InitialContextToken"); err != nil {
		return "", nil, err
	}
	if err := p.done(s, "InitialContextToken"); err != nil {
		return "", nil, err
	}
	if err := p.read(&body, &oid, asn1.OBJECT_IDENTIFIER, "thisMech"); err != nil {
		return "", nil, err
	}
	if !validOID(oid) {
		return "", nil, p.fail("thisMech", oid, "malformed OBJECT IDENTIFIER encoding")
	}
	return internOID(oid), body, nil
}

// internOID returns the gss constant equal to der, or a new OID.
func internOID(der []byte) gss.OID {
	if o, ok := gss.KnownOID(der); ok {
		return o
	}
	return gss.OID(der)
}

// validOID checks OID content octets: non-empty, minimal base-128 arcs.
func validOID(der []byte) bool {
	if len(der) == 0 || der[len(der)-1]&0x80 != 0 {
		return false
	}
	start := true
	for _, c := range der {
		if start && c == 0x80 {
			return false
		}
		start = c&0x80 == 0
	}
	return true
}
