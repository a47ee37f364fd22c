package mspac

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// SID is a Windows security identifier (MS-DTYP 2.4.2): an identifier
// authority and up to 15 sub-authorities. The zero SID (no
// sub-authorities, authority 0) stands for "absent".
type SID struct {
	Authority uint64 // 48 bits
	Sub       []uint32
}

// IsZero reports whether s is the absent SID.
func (s SID) IsZero() bool { return s.Authority == 0 && len(s.Sub) == 0 }

// String formats s as S-1-A-S1-S2-….
func (s SID) String() string {
	if s.IsZero() {
		return ""
	}
	b := make([]byte, 0, 16+11*len(s.Sub))
	b = append(b, "S-1-"...)
	b = strconv.AppendUint(b, s.Authority, 10)
	for _, v := range s.Sub {
		b = append(b, '-')
		b = strconv.AppendUint(b, uint64(v), 10)
	}
	return string(b)
}

// WithRID returns the SID of the object with relative identifier rid in
// domain s.
func (s SID) WithRID(rid uint32) SID {
	sub := make([]uint32, len(s.Sub)+1)
	copy(sub, s.Sub)
	sub[len(s.Sub)] = rid
	return SID{Authority: s.Authority, Sub: sub}
}

// ParseSID reads the S-1-A-S1-… form.
func ParseSID(str string) (SID, error) {
	parts := strings.Split(str, "-")
	if len(parts) < 3 || !strings.EqualFold(parts[0], "S") || parts[1] != "1" || len(parts) > 3+maxSubAuthorities {
		return SID{}, fmt.Errorf("mspac: %q is not a SID (S-1-authority-sub…)", str)
	}
	a, err := strconv.ParseUint(parts[2], 10, 48)
	if err != nil {
		return SID{}, fmt.Errorf("mspac: SID %q: authority: %v", str, err)
	}
	s := SID{Authority: a, Sub: make([]uint32, 0, len(parts)-3)}
	for _, p := range parts[3:] {
		v, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return SID{}, fmt.Errorf("mspac: SID %q: sub-authority: %v", str, err)
		}
		s.Sub = append(s.Sub, uint32(v))
	}
	return s, nil
}

// maxSubAuthorities is MS-DTYP's limit.
const maxSubAuthorities = 15

// DecodeSID reads a SID in its binary form (MS-DTYP 2.4.2.2: revision,
// count, 6-byte big-endian authority, count little-endian
// sub-authorities), as Windows access tokens and UPN_DNS_INFO carry it.
// It returns the SID and the bytes it used.
func DecodeSID(b []byte) (SID, int, error) {
	if len(b) < 8 {
		return SID{}, 0, fmt.Errorf("SID shorter than 8 bytes")
	}
	if b[0] != 1 {
		return SID{}, 0, fmt.Errorf("SID revision %d, want 1", b[0])
	}
	n := int(b[1])
	if n > maxSubAuthorities {
		return SID{}, 0, fmt.Errorf("SID has %d sub-authorities, at most %d allowed", n, maxSubAuthorities)
	}
	if len(b) < 8+4*n {
		return SID{}, 0, fmt.Errorf("SID with %d sub-authorities needs %d bytes, has %d", n, 8+4*n, len(b))
	}
	var auth [8]byte
	copy(auth[2:], b[2:8])
	s := SID{Authority: binary.BigEndian.Uint64(auth[:]), Sub: make([]uint32, n)}
	for i := range s.Sub {
		s.Sub[i] = binary.LittleEndian.Uint32(b[8+4*i:])
	}
	return s, 8 + 4*n, nil
}
