package kerberos

import (
	"crypto/md5"
	"encoding/binary"
	"errors"

	"github.com/gssnego/gssnego/gss"
)

// cksumTypeGSS is the authenticator checksum type of RFC 4121 §4.1.1.
const cksumTypeGSS = 0x8003

// gssChecksum is the 0x8003 checksum: Lgth (16), Bnd (MD5 of the channel
// bindings, zeros without), Flags, all little-endian, then with delegation
// DlgOpt 1, Dlgth and the KRB-CRED.
func gssChecksum(flags gss.Flags, cb *gss.ChannelBindings, deleg []byte) []byte {
	b := make([]byte, 24, 28+len(deleg))
	binary.LittleEndian.PutUint32(b, 16)
	h := cbHash(cb)
	copy(b[4:20], h[:])
	binary.LittleEndian.PutUint32(b[20:], uint32(flags))
	if deleg != nil {
		b = binary.LittleEndian.AppendUint16(b, 1) // DlgOpt
		b = binary.LittleEndian.AppendUint16(b, uint16(len(deleg)))
		b = append(b, deleg...)
	}
	return b
}

// gssChecksumFields is what an acceptor reads from the 0x8003 checksum.
type gssChecksumFields struct {
	bnd   [16]byte
	flags gss.Flags
	deleg []byte // KRB-CRED when DlgOpt is 1
}

// parseGSSChecksum reads the 0x8003 checksum. Extensions after the
// delegation field are ignored, as MIT does.
func parseGSSChecksum(b []byte) (gssChecksumFields, error) {
	var f gssChecksumFields
	if len(b) < 24 || binary.LittleEndian.Uint32(b) != 16 {
		return f, errors.New("GSS checksum shorter than 24 bytes or Lgth not 16")
	}
	copy(f.bnd[:], b[4:20])
	f.flags = gss.Flags(binary.LittleEndian.Uint32(b[20:24]))
	rest := b[24:]
	if f.flags&gss.FlagDeleg != 0 && len(rest) >= 4 {
		opt := binary.LittleEndian.Uint16(rest)
		n := int(binary.LittleEndian.Uint16(rest[2:]))
		if opt == 1 {
			if len(rest)-4 < n {
				return f, errors.New("GSS checksum delegation field truncated")
			}
			f.deleg = rest[4 : 4+n]
		}
	}
	return f, nil
}

// cbHash is the MD5 of the channel bindings in the RFC 4121 §4.1.1.2
// layout; zeros when there are none.
func cbHash(cb *gss.ChannelBindings) [16]byte {
	if cb == nil {
		return [16]byte{}
	}
	h := md5.New()
	var n [4]byte
	put := func(v uint32) { binary.LittleEndian.PutUint32(n[:], v); h.Write(n[:]) }
	put(cb.InitiatorAddrType)
	put(uint32(len(cb.InitiatorAddress)))
	h.Write(cb.InitiatorAddress)
	put(cb.AcceptorAddrType)
	put(uint32(len(cb.AcceptorAddress)))
	h.Write(cb.AcceptorAddress)
	put(uint32(len(cb.ApplicationData)))
	h.Write(cb.ApplicationData)
	var out [16]byte
	copy(out[:], h.Sum(nil))
	return out
}
