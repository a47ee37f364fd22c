package mspac

import (
	"encoding/binary"
	"unicode/utf16"
)

// ndrWriter writes NDR20 little-endian data: the test-side mirror of ndr,
// used to build PACs with any number of groups and to check the decoder
// against what it was given.
type ndrWriter struct {
	b   []byte
	ref uint32
}

func (w *ndrWriter) align(n int) {
	for len(w.b)%n != 0 {
		w.b = append(w.b, 0)
	}
}
func (w *ndrWriter) u16(v uint16) { w.align(2); w.b = binary.LittleEndian.AppendUint16(w.b, v) }
func (w *ndrWriter) u32(v uint32) { w.align(4); w.b = binary.LittleEndian.AppendUint32(w.b, v) }
func (w *ndrWriter) ptr(present bool) {
	if !present {
		w.u32(0)
		return
	}
	w.ref += 4
	w.u32(0x20000 + w.ref)
}
func (w *ndrWriter) str(s string) {
	u := utf16.Encode([]rune(s))
	w.u16(uint16(2 * len(u)))
	w.u16(uint16(2 * len(u)))
	w.ptr(true)
}
func (w *ndrWriter) strBody(s string) {
	u := utf16.Encode([]rune(s))
	w.u32(uint32(len(u)))
	w.u32(0)
	w.u32(uint32(len(u)))
	for _, c := range u {
		w.b = binary.LittleEndian.AppendUint16(w.b, c)
	}
}
func (w *ndrWriter) sid(s SID) {
	w.u32(uint32(len(s.Sub)))
	w.b = append(w.b, 1, byte(len(s.Sub)))
	var a [8]byte
	binary.BigEndian.PutUint64(a[:], s.Authority)
	w.b = append(w.b, a[2:]...)
	for _, v := range s.Sub {
		w.b = binary.LittleEndian.AppendUint32(w.b, v)
	}
}

// encodeLogonInfo serialises the parts of l the decoder reads back (times
// zero, session key zero).
func encodeLogonInfo(l *LogonInfo) []byte {
	w := &ndrWriter{}
	w.b = append(w.b, 1, 0x10, 8, 0, 0xcc, 0xcc, 0xcc, 0xcc, 0, 0, 0, 0, 0, 0, 0, 0)
	w.ptr(true)
	for range 6 {
		w.u32(0)
		w.u32(0)
	}
	strs := []string{l.EffectiveName, l.FullName, l.LogonScript, l.ProfilePath, l.HomeDirectory, l.HomeDirectoryDrive}
	for _, s := range strs {
		w.str(s)
	}
	w.u16(l.LogonCount)
	w.u16(l.BadPasswordCount)
	w.u32(l.UserID)
	w.u32(l.PrimaryGroupID)
	w.u32(uint32(len(l.Groups)))
	w.ptr(len(l.Groups) > 0)
	w.u32(l.UserFlags)
	w.b = append(w.b, make([]byte, 16)...)
	w.str(l.LogonServer)
	w.str(l.LogonDomainName)
	w.ptr(true)
	w.u32(0)
	w.u32(0)
	w.u32(l.UserAccountControl)
	for range 7 {
		w.u32(0) // SubAuthStatus, two FILETIMEs, FailedILogonCount, Reserved3
	}
	w.u32(uint32(len(l.ExtraSIDs)))
	w.ptr(len(l.ExtraSIDs) > 0)
	w.ptr(!l.ResourceGroupDomainSID.IsZero())
	w.u32(uint32(len(l.ResourceGroups)))
	w.ptr(len(l.ResourceGroups) > 0)
	for _, s := range strs {
		w.strBody(s)
	}
	groups := func(g []GroupMembership) {
		if len(g) == 0 {
			return
		}
		w.u32(uint32(len(g)))
		for _, m := range g {
			w.u32(m.RID)
			w.u32(m.Attributes)
		}
	}
	groups(l.Groups)
	w.strBody(l.LogonServer)
	w.strBody(l.LogonDomainName)
	w.sid(l.LogonDomainSID)
	if len(l.ExtraSIDs) > 0 {
		w.u32(uint32(len(l.ExtraSIDs)))
		for _, e := range l.ExtraSIDs {
			w.ptr(true)
			w.u32(e.Attributes)
		}
		for _, e := range l.ExtraSIDs {
			w.sid(e.SID)
		}
	}
	if !l.ResourceGroupDomainSID.IsZero() {
		w.sid(l.ResourceGroupDomainSID)
	}
	groups(l.ResourceGroups)
	w.align(8)
	binary.LittleEndian.PutUint32(w.b[8:], uint32(len(w.b)-16))
	return w.b
}

// encodePAC lays buffers out as a KDC does: PACTYPE, the PAC_INFO_BUFFERs,
// then each buffer on an 8-byte boundary.
func encodePAC(bufs map[uint32][]byte, order []uint32) []byte {
	b := binary.LittleEndian.AppendUint32(nil, uint32(len(order)))
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = append(b, make([]byte, 16*len(order))...)
	for i, t := range order {
		for len(b)%8 != 0 {
			b = append(b, 0)
		}
		at := 8 + 16*i
		binary.LittleEndian.PutUint32(b[at:], t)
		binary.LittleEndian.PutUint32(b[at+4:], uint32(len(bufs[t])))
		binary.LittleEndian.PutUint64(b[at+8:], uint64(len(b)))
		b = append(b, bufs[t]...)
	}
	return b
}
