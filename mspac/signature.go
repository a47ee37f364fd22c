package mspac

import (
	"crypto/hmac"
	"encoding/binary"
	"fmt"

	"github.com/jcmturner/gokrb5/v8/crypto"
)

// Checksum types a PAC signature uses (MS-PAC 2.8).
const (
	ChecksumHMACMD5          int32 = -138 // KERB_CHECKSUM_HMAC_MD5, RC4 keys
	ChecksumHMACSHA1AES128   int32 = 15
	ChecksumHMACSHA1AES256   int32 = 16
	ChecksumHMACSHA256AES128 int32 = 19
	ChecksumHMACSHA384AES256 int32 = 20
)

// keyUsagePAC is KERB_NON_KERB_CKSUM_SALT, the key usage of every PAC
// signature.
const keyUsagePAC = 17

// Signature is a PAC_SIGNATURE_DATA.
type Signature struct {
	Type           int32
	Value          []byte // aliases the PAC
	ValueOffset    int    // where Value sits in the PAC
	RODCIdentifier uint16 // KDC signature of a read-only DC; 0 otherwise
}

func parseSignature(buf Buffer, name string) (*Signature, error) {
	if len(buf.Data) < 4 {
		return nil, malformed(name, buf.Offset, "needs 4 bytes, has %d", len(buf.Data))
	}
	s := &Signature{Type: int32(binary.LittleEndian.Uint32(buf.Data))}
	n := signatureSize(s.Type)
	if n == 0 {
		return nil, malformed(name, buf.Offset, "SignatureType %d is not a PAC checksum type", s.Type)
	}
	rest := buf.Data[4:]
	if len(rest) < n {
		return nil, malformed(name, buf.Offset+4, "a type %d signature needs %d bytes, has %d", s.Type, n, len(rest))
	}
	s.Value, s.ValueOffset = rest[:n:n], buf.Offset+4
	if len(rest) >= n+2 {
		s.RODCIdentifier = binary.LittleEndian.Uint16(rest[n:])
	}
	return s, nil
}

func signatureSize(t int32) int {
	switch t {
	case ChecksumHMACMD5:
		return 16
	case ChecksumHMACSHA1AES128, ChecksumHMACSHA1AES256:
		return 12
	case ChecksumHMACSHA256AES128:
		return 16
	case ChecksumHMACSHA384AES256:
		return 24
	}
	return 0
}

// checksumEtype is the enctype whose key a checksum type takes.
func checksumEtype(t int32) int32 {
	switch t {
	case ChecksumHMACMD5:
		return 23
	case ChecksumHMACSHA1AES128:
		return 17
	case ChecksumHMACSHA1AES256:
		return 18
	case ChecksumHMACSHA256AES128:
		return 19
	case ChecksumHMACSHA384AES256:
		return 20
	}
	return 0
}

// SignedData returns a copy of the PAC with the server and KDC signature
// values zeroed: the bytes the server signature covers (MS-PAC 2.8.1).
func (p *PAC) SignedData() []byte {
	out := make([]byte, len(p.Raw))
	copy(out, p.Raw)
	for _, s := range []*Signature{p.ServerSignature, p.KDCSignature} {
		if s != nil {
			clear(out[s.ValueOffset : s.ValueOffset+len(s.Value)])
		}
	}
	return out
}

// VerifyServerSignature checks the server signature with the service's
// long-term key (the one that decrypted the ticket) of enctype etype.
// It is what makes the PAC's content trustworthy to the service: only the
// KDC and the service know that key.
func (p *PAC) VerifyServerSignature(etype int32, key []byte) error {
	const name = "PAC_SERVER_CHECKSUM"
	if p.ServerSignature == nil {
		return &Error{Buffer: name, Reason: "the PAC has no server signature", Err: ErrNoSignature}
	}
	return verify(p.ServerSignature, name, p.SignedData(), etype, key)
}

// VerifyKDCSignature checks the KDC signature (over the server signature's
// value) with the krbtgt key: a KDC's check, offered for tests and tools
// that hold that key.
func (p *PAC) VerifyKDCSignature(etype int32, key []byte) error {
	const name = "PAC_PRIVSVR_CHECKSUM"
	if p.KDCSignature == nil || p.ServerSignature == nil {
		return &Error{Buffer: name, Reason: "the PAC has no KDC or no server signature", Err: ErrNoSignature}
	}
	return verify(p.KDCSignature, name, p.ServerSignature.Value, etype, key)
}

// Checksum computes a PAC signature of type t over data with key (of the
// matching enctype): what a KDC (or a test forging one) writes.
func Checksum(t int32, key, data []byte) ([]byte, error) {
	et, err := crypto.GetEtype(checksumEtype(t))
	if err != nil || signatureSize(t) == 0 {
		return nil, fmt.Errorf("mspac: checksum type %d not supported", t)
	}
	sum, err := et.GetChecksumHash(key, data, keyUsagePAC)
	if err != nil {
		return nil, fmt.Errorf("mspac: checksum type %d: %v", t, err)
	}
	if len(sum) < signatureSize(t) {
		return nil, fmt.Errorf("mspac: checksum type %d: %d bytes computed", t, len(sum))
	}
	return sum[:signatureSize(t)], nil
}

func verify(s *Signature, name string, data []byte, etype int32, key []byte) error {
	if want := checksumEtype(s.Type); want != etype {
		return &Error{Buffer: name, Offset: s.ValueOffset - 4, Err: ErrBadSignature,
			Reason: fmt.Sprintf("signature type %d needs an enctype %d key, given enctype %d", s.Type, want, etype)}
	}
	sum, err := Checksum(s.Type, key, data)
	if err != nil {
		return &Error{Buffer: name, Offset: s.ValueOffset - 4, Reason: err.Error(), Err: ErrBadSignature}
	}
	if !hmac.Equal(sum, s.Value) {
		return &Error{Buffer: name, Offset: s.ValueOffset, Reason: "signature does not match", Err: ErrBadSignature}
	}
	return nil
}
