package gss

import (
	"fmt"
	"strconv"
	"strings"
)

// OID is an ASN.1 OBJECT IDENTIFIER held as its DER content octets (no tag,
// no length). Keeping the encoded form makes OIDs comparable with == and
// usable as map keys, and lets codecs compare raw bytes without decoding.
type OID string

// Well-known mechanisms, with their DER encodings in docs/protocol.md.
var (
	MechKRB5       = MustParseOID("1.2.840.113554.1.2.2")   // Kerberos v5, RFC 1964/4121
	MechMSKRB5     = MustParseOID("1.2.840.48018.1.2.2")    // Microsoft's truncated Kerberos OID
	MechKRB5Old    = MustParseOID("1.3.5.1.5.2")            // pre-RFC Kerberos OID
	MechKRB5U2U    = MustParseOID("1.2.840.113554.1.2.2.3") // Kerberos user-to-user
	MechSPNEGO     = MustParseOID("1.3.6.1.5.5.2")          // SPNEGO, RFC 4178
	MechNTLMSSP    = MustParseOID("1.3.6.1.4.1.311.2.2.10") // NTLMSSP
	MechNegoEx     = MustParseOID("1.3.6.1.4.1.311.2.2.30") // NegoEx, MS-NEGOEX
	MechIAKERB     = MustParseOID("1.3.6.1.5.2.5")          // IAKERB
	MechPKU2U      = MustParseOID("1.3.6.1.5.2.7")          // PKU2U
	MechLateFallbk = MustParseOID("1.3.6.1.4.1.311.2.2.40") // Negotiate Late Fallback (MS-SPNG 2026)
)

// ParseOID parses a dotted-decimal OID such as "1.2.840.113554.1.2.2".
func ParseOID(dotted string) (OID, error) {
	parts := strings.Split(dotted, ".")
	if len(parts) < 2 {
		return "", fmt.Errorf("gss: OID %q: need at least two arcs", dotted)
	}
	arcs := make([]uint64, len(parts))
	for i, p := range parts {
		v, err := strconv.ParseUint(p, 10, 64)
		if err != nil {
			return "", fmt.Errorf("gss: OID %q: arc %d: %w", dotted, i, err)
		}
		arcs[i] = v
	}
	if arcs[0] > 2 || (arcs[0] < 2 && arcs[1] > 39) {
		return "", fmt.Errorf("gss: OID %q: first arcs out of range", dotted)
	}
	first := arcs[0]*40 + arcs[1]
	if first < arcs[1] { // overflow
		return "", fmt.Errorf("gss: OID %q: second arc too large", dotted)
	}
	b := appendBase128(nil, first)
	for _, a := range arcs[2:] {
		b = appendBase128(b, a)
	}
	return OID(b), nil
}

// MustParseOID is ParseOID for constants; it panics on a malformed OID.
func MustParseOID(dotted string) OID {
	o, err := ParseOID(dotted)
	if err != nil {
		panic(err)
	}
	return o
}

// OIDFromDER returns the OID whose DER content octets are der, after checking
// that they are a minimal base-128 encoding.
func OIDFromDER(der []byte) (OID, error) {
	if !ValidOID(der) {
		return "", fmt.Errorf("gss: malformed OID encoding % x", der)
	}
	return OID(der), nil
}

// ValidOID reports whether der is a well-formed OBJECT IDENTIFIER content
// encoding (X.690 §8.19): not empty, every arc minimal base-128 (no leading
// 0x80 octet), the last arc terminated. It is the one OID check of every
// parser in this module: the RFC 2743 framing, SPNEGO's mechTypes and
// supportedMech, and the OIDs a backend reports.
func ValidOID(der []byte) bool {
	if len(der) == 0 || der[len(der)-1]&0x80 != 0 {
		return false
	}
	start := true
	for _, c := range der {
		if start && c == 0x80 { // non-minimal arc
			return false
		}
		start = c&0x80 == 0
	}
	return true
}

func appendBase128(b []byte, v uint64) []byte {
	var tmp [10]byte
	i := len(tmp) - 1
	tmp[i] = byte(v & 0x7f)
	for v >>= 7; v > 0; v >>= 7 {
		i--
		tmp[i] = byte(v&0x7f) | 0x80
	}
	return append(b, tmp[i:]...)
}

// DER returns the content octets (a copy).
func (o OID) DER() []byte { return []byte(o) }

// String returns the dotted-decimal form; an invalid encoding is shown as hex.
func (o OID) String() string {
	if d, ok := wellKnownDotted[o]; ok {
		return d
	}
	if !ValidOID([]byte(o)) {
		return fmt.Sprintf("invalid-oid(% x)", []byte(o))
	}
	return string(o.appendDotted(make([]byte, 0, 4*len(o))))
}

func (o OID) appendDotted(b []byte) []byte {
	var v uint64
	first := true
	for i := 0; i < len(o); i++ {
		v = v<<7 | uint64(o[i]&0x7f)
		if o[i]&0x80 != 0 {
			continue
		}
		if first {
			a := min(v/40, 2)
			b = strconv.AppendUint(b, a, 10)
			b = append(b, '.')
			b = strconv.AppendUint(b, v-a*40, 10)
			first = false
		} else {
			b = append(b, '.')
			b = strconv.AppendUint(b, v, 10)
		}
		v = 0
	}
	return b
}

// wellKnown lists the mechanisms every codec meets; KnownOID returns these
// constants instead of copying, and String has their dotted forms cached.
var wellKnown = [...]OID{
	MechMSKRB5, MechKRB5, MechNTLMSSP, MechNegoEx, MechKRB5U2U,
	MechKRB5Old, MechIAKERB, MechPKU2U, MechSPNEGO, MechLateFallbk,
}

// WellKnownMechs returns the mechanisms KnownOID recognises.
func WellKnownMechs() []OID { return append([]OID(nil), wellKnown[:]...) }

// KnownOID returns the shared constant whose content octets are der, and
// false when der is not a well-known mechanism. It does not allocate, so
// parsers and the cgo binding call it before copying an OID.
func KnownOID(der []byte) (OID, bool) {
	for _, o := range wellKnown {
		if string(der) == string(o) {
			return o, true
		}
	}
	return "", false
}

// wellKnownDotted caches the dotted form of the well-known mechanisms:
// transcripts name the mechanisms of every token, and formatting them was
// a fifth of a handshake's allocations.
var wellKnownDotted = func() map[OID]string {
	m := map[OID]string{}
	for _, o := range wellKnown {
		m[o] = string(o.appendDotted(nil))
	}
	return m
}()

// IsKerberos reports whether o names Kerberos v5 under any of its OIDs (RFC,
// Microsoft's truncated one, or the pre-RFC one). SPNEGO treats them as one mech.
func (o OID) IsKerberos() bool {
	return o == MechKRB5 || o == MechMSKRB5 || o == MechKRB5Old
}

// MechName returns a short human name for well-known mechanisms, or the dotted form.
func (o OID) MechName() string {
	switch o {
	case MechKRB5:
		return "krb5"
	case MechMSKRB5:
		return "ms-krb5"
	case MechKRB5Old:
		return "krb5-old"
	case MechKRB5U2U:
		return "krb5-u2u"
	case MechSPNEGO:
		return "spnego"
	case MechNTLMSSP:
		return "ntlmssp"
	case MechNegoEx:
		return "negoex"
	case MechIAKERB:
		return "iakerb"
	case MechPKU2U:
		return "pku2u"
	case MechLateFallbk:
		return "late-fallback"
	}
	return o.String()
}
