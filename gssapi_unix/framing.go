//go:build !windows && cgo

package gssapi_unix

import "github.com/gssnego/gssnego/gss"

// krb5TokenID returns the two-byte token ID of a GSS-framed krb5 token
// (RFC 2743 §3.1 framing: 0x60, DER length, the krb5 mech OID, then the
// RFC 1964 token ID), and whether tok is one.
func krb5TokenID(tok []byte) (uint16, bool) {
	if len(tok) < 2 || tok[0] != 0x60 {
		return 0, false
	}
	n, rest := int(tok[1]), tok[2:]
	if n&0x80 != 0 {
		k := n & 0x7f
		if k == 0 || k > 3 || len(rest) < k {
			return 0, false
		}
		n = 0
		for _, b := range rest[:k] {
			n = n<<8 | int(b)
		}
		rest = rest[k:]
	}
	if n != len(rest) || len(rest) < 2 || rest[0] != 0x06 {
		return 0, false
	}
	oidLen := int(rest[1])
	rest = rest[2:]
	if oidLen > len(rest) || !gss.OID(rest[:oidLen]).IsKerberos() {
		return 0, false
	}
	rest = rest[oidLen:]
	if len(rest) < 2 {
		return 0, false
	}
	return uint16(rest[0])<<8 | uint16(rest[1]), true
}
