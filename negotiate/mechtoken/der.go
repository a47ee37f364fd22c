package mechtoken

import (
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"

	"github.com/gssnego/gssnego/internal/der"
)

// Kerberos tags cryptobyte has no names for; the DER helpers themselves
// (strict lengths, typed errors) are internal/der's, shared with gss and
// negotiate.
const (
	tagKerberosTime = asn1.GeneralizedTime
	tagTicket       = asn1.Tag(0x61) // [APPLICATION 1]
	tagAPReq        = asn1.Tag(0x6e) // [APPLICATION 14]
	tagAPRep        = asn1.Tag(0x6f) // [APPLICATION 15]
	tagKRBError     = asn1.Tag(0x7e) // [APPLICATION 30]
)

// generalString reads "[n] KerberosString" (GeneralString, tag 27).
func (p *parser) generalString(s *cryptobyte.String, n uint8, field string) (Text, error) {
	x, err := p.Explicit(s, n, field)
	if err != nil {
		return nil, err
	}
	v, err := p.Contents(&x, der.TagGeneralString, field)
	if err != nil {
		return nil, err
	}
	return Text(v), p.Done(x, field)
}
