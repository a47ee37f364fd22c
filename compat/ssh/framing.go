package sshgss

import (
	"fmt"

	"github.com/gssnego/gssnego/gss"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// tagInitialContextToken is RFC 2743 §3.1's [APPLICATION 0] IMPLICIT
// SEQUENCE framing of a first context token; cryptobyte has no constant
// for APPLICATION tags.
const tagInitialContextToken = asn1.Tag(0x60)

// firstTokenMech reads the mechanism OID of a client's first context token
// (RFC 2743 §3.1: 0x60, length, OID, then the mechanism's own bytes) and
// returns its DER content octets. The framing must cover the whole token.
// A token that is not framed so is gss.ErrDefectiveToken with the byte
// offset where reading stopped.
func firstTokenMech(tok []byte) (gss.OID, error) {
	s := cryptobyte.String(tok)
	var inner, oid cryptobyte.String
	if !s.ReadASN1(&inner, tagInitialContextToken) {
		return "", fmt.Errorf("%w: first token: no RFC 2743 framing ([APPLICATION 0] with a DER length) at offset 0", gss.ErrDefectiveToken)
	}
	if !s.Empty() {
		return "", fmt.Errorf("%w: first token: %d bytes after the framed token at offset %d", gss.ErrDefectiveToken, len(s), len(tok)-len(s))
	}
	at := len(tok) - len(inner)
	if !inner.ReadASN1(&oid, asn1.OBJECT_IDENTIFIER) || len(oid) == 0 {
		return "", fmt.Errorf("%w: first token: no mechanism OID at offset %d", gss.ErrDefectiveToken, at)
	}
	return gss.OID(oid), nil
}
