package mechtoken

import (
	"encoding/binary"

	"github.com/gssnego/gssnego/gss"
)

// Per-message token TOK_IDs, read big-endian. RFC 4121 tokens are never
// GSS-framed; RFC 1964/4757 ones always are.
const (
	TokIDMIC        uint16 = 0x0404 // RFC 4121 MIC
	TokIDWrap       uint16 = 0x0504 // RFC 4121 Wrap
	TokIDLegacyMIC  uint16 = 0x0101 // RFC 1964 / RFC 4757 MIC
	TokIDLegacyWrap uint16 = 0x0201 // RFC 1964 / RFC 4757 Wrap
)

// CFXFlags is the Flags octet of an RFC 4121 token (§4.2.2).
type CFXFlags uint8

// CFXFlags bits.
const (
	FlagSentByAcceptor CFXFlags = 0x01 // sender is the context acceptor
	FlagSealed         CFXFlags = 0x02 // Wrap payload is encrypted
	FlagAcceptorSubkey CFXFlags = 0x04 // protected with the acceptor's subkey (from AP-REP)
)

var cfxFlagNames = []flagName{
	{uint32(FlagSentByAcceptor), "sent-by-acceptor"},
	{uint32(FlagSealed), "sealed"},
	{uint32(FlagAcceptorSubkey), "acceptor-subkey"},
}

// String lists the set flags, e.g. "sent-by-acceptor|acceptor-subkey".
func (f CFXFlags) String() string { return formatFlags(uint32(f), cfxFlagNames) }

// MarshalText makes JSON show the flag names.
func (f CFXFlags) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// CFX is an RFC 4121 per-message token (MIC `04 04` or Wrap `05 04`).
type CFX struct {
	TokID uint16   `json:"tok_id"`
	Flags CFXFlags `json:"flags"`
	// EC and RRC are the Wrap token's extra count and right rotation count.
	EC  uint16 `json:"ec,omitempty"`
	RRC uint16 `json:"rrc,omitempty"`
	// SeqNum is SND_SEQ, sent in clear.
	SeqNum uint64 `json:"seq"`
	// ChecksumLen is the MIC checksum length, or for an unsealed Wrap the EC;
	// 0 for a sealed Wrap (the checksum is inside the cipher text).
	ChecksumLen int `json:"checksum_len,omitempty"`
	// PayloadLen is the number of bytes after the 16-byte header.
	PayloadLen int `json:"payload_len"`
	// Family is the enctype family the checksum length implies.
	Family EnctypeFamily `json:"family"`
}

// Legacy is an RFC 1964 (DES, DES3) or RFC 4757 (RC4-HMAC) per-message token:
// MIC `01 01` or Wrap `02 01`, always GSS-framed with a Kerberos OID. Its
// sequence number is encrypted, so it is not reported.
type Legacy struct {
	TokID uint16 `json:"tok_id"`
	// SGNAlg is SGN_ALG as MIT stores it (little-endian): see the SGNAlg constants.
	SGNAlg uint16 `json:"sgn_alg"`
	// SealAlg is SEAL_ALG (Wrap only, little-endian): see the SealAlg constants.
	SealAlg uint16 `json:"seal_alg,omitempty"`
	// ChecksumLen is the SGN_CKSUM length (8, or 20 for DES3).
	ChecksumLen int `json:"checksum_len"`
	// PayloadLen is the number of bytes after SGN_CKSUM (confounder and data for Wrap).
	PayloadLen int `json:"payload_len,omitempty"`
	// Family is the enctype family SGN_ALG implies.
	Family EnctypeFamily `json:"family"`
}

// SGN_ALG and SEAL_ALG values (RFC 1964 §1.2, RFC 4757 §7.2, MIT gssapiP_krb5.h).
const (
	SGNAlgDESMACMD5      uint16 = 0x0000
	SGNAlgMD25           uint16 = 0x0001
	SGNAlgDESMAC         uint16 = 0x0002
	SGNAlgHMACSHA1DES3   uint16 = 0x0004
	SGNAlgHMACMD5        uint16 = 0x0011 // RC4-HMAC
	SealAlgNone          uint16 = 0xffff
	SealAlgDES           uint16 = 0x0000
	SealAlgDES3          uint16 = 0x0002
	SealAlgRC4           uint16 = 0x0010
	legacyHeaderLen             = 8 // TOK_ID, SGN_ALG, SEAL_ALG/filler, filler
	legacySeqLen                = 8
	cfxHeaderLen                = 16
	ntlmSignatureLen            = 16
	ntlmSignatureVersion        = 1
)

// NTLMSignature is an NTLMSSP_MESSAGE_SIGNATURE (MS-NLMP §2.2.2.9): the
// 16-byte token NTLM uses as GetMIC output, and so as SPNEGO mechListMIC.
type NTLMSignature struct {
	Version  uint32 `json:"version"`  // always 1
	Checksum []byte `json:"checksum"` // 8 bytes (with extended session security: HMAC; else RandomPad+CRC); aliases the input
	SeqNum   uint32 `json:"seq"`
}

// EnctypeFamily is the set of Kerberos enctypes a per-message token's format
// is consistent with.
type EnctypeFamily uint8

// Enctype families.
const (
	FamilyUnknown      EnctypeFamily = iota
	FamilyAESSHA1                    // 17, 18: 12-byte HMAC-SHA1-96
	FamilyAES128SHA256               // 19, or Camellia 25/26: 16-byte checksum
	FamilyAES256SHA384               // 20: 24-byte HMAC-SHA384-192
	FamilyDES                        // 1, 3: RFC 1964 DES
	FamilyDES3                       // 16: RFC 1964 with HMAC-SHA1-DES3-KD
	FamilyRC4                        // 23, 24: RFC 4757 HMAC-MD5
)

var familyNames = [...]string{"unknown", "aes-sha1", "aes128-sha256-or-camellia", "aes256-sha384", "des", "des3", "rc4"}

// String returns a short name, e.g. "aes-sha1".
func (f EnctypeFamily) String() string {
	if int(f) < len(familyNames) {
		return familyNames[f]
	}
	return "unknown"
}

// MarshalText makes JSON show the name.
func (f EnctypeFamily) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// Enctypes returns the enctypes in the family (a new slice).
func (f EnctypeFamily) Enctypes() []gss.Enctype {
	switch f {
	case FamilyAESSHA1:
		return []gss.Enctype{gss.EnctypeAES128SHA1, gss.EnctypeAES256SHA1}
	case FamilyAES128SHA256:
		return []gss.Enctype{gss.EnctypeAES128SHA256, gss.EnctypeCamellia128CMAC, gss.EnctypeCamellia256CMAC}
	case FamilyAES256SHA384:
		return []gss.Enctype{gss.EnctypeAES256SHA384}
	case FamilyDES:
		return []gss.Enctype{gss.EnctypeDESCBCCRC, gss.EnctypeDESCBCMD5}
	case FamilyDES3:
		return []gss.Enctype{gss.EnctypeDES3CBCSHA1}
	case FamilyRC4:
		return []gss.Enctype{gss.EnctypeRC4HMAC, gss.EnctypeRC4HMACExp}
	}
	return nil
}

// RFC4121 reports whether the family signs with RFC 4121 tokens ("new enctype").
func (f EnctypeFamily) RFC4121() bool {
	return f == FamilyAESSHA1 || f == FamilyAES128SHA256 || f == FamilyAES256SHA384
}

// cfxFamily maps an RFC 4121 checksum length to its enctype family.
func cfxFamily(n int) EnctypeFamily {
	switch n {
	case 12:
		return FamilyAESSHA1
	case 16:
		return FamilyAES128SHA256
	case 24:
		return FamilyAES256SHA384
	}
	return FamilyUnknown
}

// parseCFX reads an RFC 4121 MIC or Wrap token (§4.2.6).
func (p *parser) parseCFX(b []byte, c *CFX) (Kind, error) {
	c.TokID = binary.BigEndian.Uint16(b)
	kind, fillerEnd := KindKRB5MIC, 8
	p.Token = "RFC 4121 MIC"
	if c.TokID == TokIDWrap {
		kind, fillerEnd, p.Token = KindKRB5Wrap, 4, "RFC 4121 Wrap"
	}
	if len(b) < cfxHeaderLen {
		return 0, p.Failf("header", b[len(b):], "truncated: %d bytes, want at least %d", len(b), cfxHeaderLen)
	}
	c.Flags = CFXFlags(b[2])
	for i := 3; i < fillerEnd; i++ {
		if b[i] != 0xff {
			return 0, p.Failf("Filler", b[i:], "byte 0x%02x, want 0xff", b[i])
		}
	}
	c.SeqNum = binary.BigEndian.Uint64(b[8:])
	c.PayloadLen = len(b) - cfxHeaderLen
	if kind == KindKRB5MIC {
		if c.PayloadLen == 0 {
			return 0, p.Fail("SGN_CKSUM", b[cfxHeaderLen:], "truncated: empty checksum")
		}
		c.ChecksumLen = c.PayloadLen
		c.Family = cfxFamily(c.ChecksumLen)
		return kind, nil
	}
	c.EC = binary.BigEndian.Uint16(b[4:])
	c.RRC = binary.BigEndian.Uint16(b[6:])
	if c.Flags&FlagSealed == 0 {
		if int(c.EC) > c.PayloadLen {
			return 0, p.Failf("EC", b[4:], "checksum length %d exceeds the %d payload bytes", c.EC, c.PayloadLen)
		}
		c.ChecksumLen = int(c.EC)
		c.Family = cfxFamily(c.ChecksumLen)
	}
	return kind, nil
}

// legacyChecksumLen returns the SGN_CKSUM length and family for SGN_ALG.
func legacyChecksumLen(sgn uint16) (int, EnctypeFamily, bool) {
	switch sgn {
	case SGNAlgDESMACMD5, SGNAlgMD25, SGNAlgDESMAC:
		return 8, FamilyDES, true
	case SGNAlgHMACSHA1DES3:
		return 20, FamilyDES3, true
	case SGNAlgHMACMD5:
		return 8, FamilyRC4, true
	}
	return 0, FamilyUnknown, false
}

// sealMatches reports whether SEAL_ALG fits the family SGN_ALG implies.
func sealMatches(seal uint16, f EnctypeFamily) bool {
	switch seal {
	case SealAlgNone:
		return true
	case SealAlgDES:
		return f == FamilyDES
	case SealAlgDES3:
		return f == FamilyDES3
	case SealAlgRC4:
		return f == FamilyRC4
	}
	return false
}

// parseLegacy reads the inner token of a framed RFC 1964/4757 MIC or Wrap.
func (p *parser) parseLegacy(inner []byte, l *Legacy) (Kind, error) {
	l.TokID = binary.BigEndian.Uint16(inner)
	kind := KindKRB5LegacyMIC
	p.Token = "RFC 1964 MIC"
	if l.TokID == TokIDLegacyWrap {
		kind, p.Token = KindKRB5LegacyWrap, "RFC 1964 Wrap"
	}
	if len(inner) < legacyHeaderLen {
		return 0, p.Failf("header", inner[len(inner):], "truncated: %d bytes, want at least %d", len(inner), legacyHeaderLen)
	}
	l.SGNAlg = binary.LittleEndian.Uint16(inner[2:])
	ck, fam, ok := legacyChecksumLen(l.SGNAlg)
	if !ok {
		return 0, p.Failf("SGN_ALG", inner[2:], "unknown value %02x %02x", inner[2], inner[3])
	}
	l.ChecksumLen, l.Family = ck, fam
	fillerAt := 4
	if kind == KindKRB5LegacyWrap {
		l.SealAlg = binary.LittleEndian.Uint16(inner[4:])
		if !sealMatches(l.SealAlg, fam) {
			return 0, p.Failf("SEAL_ALG", inner[4:], "value %02x %02x does not fit SGN_ALG %02x %02x",
				inner[4], inner[5], inner[2], inner[3])
		}
		fillerAt = 6
	}
	for i := fillerAt; i < legacyHeaderLen; i++ {
		if inner[i] != 0xff {
			return 0, p.Failf("Filler", inner[i:], "byte 0x%02x, want 0xff", inner[i])
		}
	}
	need := legacyHeaderLen + legacySeqLen + ck
	if len(inner) < need {
		return 0, p.Failf("SGN_CKSUM", inner[len(inner):], "truncated: %d bytes, want %d", len(inner), need)
	}
	l.PayloadLen = len(inner) - need
	if kind == KindKRB5LegacyMIC && l.PayloadLen != 0 {
		return 0, p.Failf("MIC", inner[need:], "%d trailing bytes", l.PayloadLen)
	}
	if kind == KindKRB5LegacyWrap && l.PayloadLen < 8 {
		return 0, p.Fail("Confounder", inner[len(inner):], "truncated: wrap token without its 8-byte confounder")
	}
	return kind, nil
}

// isNTLMSignature reports whether b looks like an NTLMSSP_MESSAGE_SIGNATURE.
func isNTLMSignature(b []byte) bool {
	return len(b) == ntlmSignatureLen && binary.LittleEndian.Uint32(b) == ntlmSignatureVersion
}

// parseNTLMSignature reads a 16-byte NTLM signature; the caller checked the shape.
func parseNTLMSignature(b []byte, s *NTLMSignature) {
	s.Version = binary.LittleEndian.Uint32(b)
	s.Checksum = b[4:12:12]
	s.SeqNum = binary.LittleEndian.Uint32(b[12:])
}
