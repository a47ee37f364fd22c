package sspi

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/gssnego/gssnego/gss"
)

// Wine's Kerberos DecryptMessage (Wine 8.0, non-DCE contexts) joins
// DATA‖TOKEN, calls gss_unwrap on the result and copies exactly len(DATA)
// bytes of plaintext back into DATA. To unwrap a standard token there the
// DATA buffer must be exactly as long as the plaintext, which this file
// computes from the token header.

// defaultCFXChecksumLen is the checksum length assumed for a sealed RFC 4121
// token before the context has shown its own: 12 octets, the
// aes128/aes256-cts-hmac-sha1-96 HMAC (MIT's acceptor subkey is
// aes256-cts-hmac-sha1-96 whenever both sides allow it).
const defaultCFXChecksumLen = 12

// cfxHeaderLen is the RFC 4121 token header; a sealed token's encrypted part
// carries a 16-octet confounder (the AES/Camellia block) and a header copy too.
const cfxHeaderLen = 16

// wrapPlaintextLen returns the plaintext length of a GSS wrap token:
// RFC 4121 (05 04) sealed or not, or RFC 4757 RC4 (framed, 02 01 / SGN_ALG
// 11 00). cksumLen is the RFC 4121 checksum length for sealed tokens (0:
// defaultCFXChecksumLen).
func wrapPlaintextLen(token []byte, cksumLen int) (int, error) {
	if cksumLen == 0 {
		cksumLen = defaultCFXChecksumLen
	}
	if len(token) >= cfxHeaderLen && token[0] == 0x05 && token[1] == 0x04 {
		ec := int(binary.BigEndian.Uint16(token[4:6]))
		n := len(token) - cfxHeaderLen - ec
		if token[2]&0x02 != 0 { // Sealed
			n -= 16 + cfxHeaderLen + cksumLen
		}
		if n < 0 {
			return 0, errors.New("wrap token shorter than its header, filler and checksum")
		}
		return n, nil
	}
	inner, err := legacyInner(token)
	if err != nil {
		return 0, err
	}
	// TOK_ID(2) SGN_ALG(2) SEAL_ALG(2) filler(2) SND_SEQ(8) SGN_CKSUM(8) confounder(8)
	const hdr = 32
	if len(inner) < hdr+1 || inner[0] != 0x02 || inner[1] != 0x01 {
		return 0, errors.New("not an RFC 4121 or RFC 1964 wrap token")
	}
	if inner[2] != 0x11 || inner[3] != 0x00 {
		return 0, errors.New("DES/DES3 wrap tokens hide their padding length; not supported under Wine")
	}
	return len(inner) - hdr - 1, nil // RC4 pads with exactly one octet
}

// legacyInner strips the RFC 2743 framing (60 len 06 09 <krb5 OID>) off a
// legacy per-message token.
func legacyInner(token []byte) ([]byte, error) {
	_, inner, err := gss.ParseFraming(token)
	if err != nil {
		return nil, fmt.Errorf("not a framed GSS token: %w", err)
	}
	return inner, nil
}

// micChecksumLen returns the checksum length an RFC 4121 MIC token shows,
// or 0 for other tokens.
func micChecksumLen(mic []byte) int {
	if len(mic) > cfxHeaderLen && mic[0] == 0x04 && mic[1] == 0x04 {
		return len(mic) - cfxHeaderLen
	}
	return 0
}

// sealedChecksumLen returns the checksum length of a sealed RFC 4121 wrap
// token whose plaintext was msgLen octets long, or 0 for other tokens.
func sealedChecksumLen(token []byte, msgLen int) int {
	if len(token) < cfxHeaderLen || token[0] != 0x05 || token[1] != 0x04 || token[2]&0x02 == 0 {
		return 0
	}
	ec := int(binary.BigEndian.Uint16(token[4:6]))
	n := len(token) - cfxHeaderLen - 16 - msgLen - ec - cfxHeaderLen
	if n <= 0 {
		return 0
	}
	return n
}
