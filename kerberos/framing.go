package kerberos

import (
	"encoding/binary"
	"errors"

	"github.com/gssnego/gssnego/gss"
)

// Context-token TOK_IDs (RFC 4121 §4.1).
const (
	tokAPReq    = 0x0100
	tokAPRep    = 0x0200
	tokKRBError = 0x0300
)

// frame wraps a Kerberos message in the RFC 2743 §3.1 framing (gss's one
// builder) with the RFC 4121 TOK_ID in front of it.
func frame(tokID uint16, msg []byte) []byte {
	inner := make([]byte, 2, 2+len(msg))
	binary.BigEndian.PutUint16(inner, tokID)
	return gss.AppendFraming(nil, gss.MechKRB5, append(inner, msg...))
}

// unframe reads the framing with gss's one strict parser (its *ParseError
// names field and offset), checks the mechanism and reads the TOK_ID; msg
// aliases b. Both the RFC and Microsoft's Kerberos OIDs are accepted.
func unframe(b []byte) (tokID uint16, msg []byte, err error) {
	mech, inner, err := gss.ParseFraming(b)
	if err != nil {
		return 0, nil, err
	}
	if mech != gss.MechKRB5 && mech != gss.MechMSKRB5 {
		return 0, nil, errors.New("token is for mechanism " + mech.String() + ", not Kerberos")
	}
	if len(inner) < 2 {
		return 0, nil, errors.New("GSS-framed token too short for its TOK_ID")
	}
	return binary.BigEndian.Uint16(inner), inner[2:], nil
}
