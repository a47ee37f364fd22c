package mspac

import (
	"encoding/binary"
	"time"
	"unicode/utf16"
)

// ndr reads NDR20 little-endian data (MS-RPCE 2.2.5 type serialization
// version 1) from one PAC buffer. The first failure sticks: later reads
// return zero values, and err names the buffer and the PAC offset of the
// read that failed. Alignment is relative to the buffer's start, which
// MS-PAC places on an 8-byte boundary.
type ndr struct {
	b    []byte
	off  int
	name string
	base int // the buffer's offset in the PAC, for errors
	err  *Error
}

func (r *ndr) fail(format string, args ...any) {
	if r.err == nil {
		r.err = malformed(r.name, r.base+r.off, format, args...)
	}
}

func (r *ndr) ok() bool { return r.err == nil }

// need reports whether n more bytes are there, failing if not.
func (r *ndr) need(n int, what string) bool {
	if r.err != nil {
		return false
	}
	if n < 0 || n > len(r.b)-r.off {
		r.fail("%s needs %d bytes, %d left", what, n, len(r.b)-r.off)
		return false
	}
	return true
}

func (r *ndr) align(n int) {
	if pad := (n - r.off%n) % n; pad > 0 && r.need(pad, "alignment padding") {
		r.off += pad
	}
}

func (r *ndr) bytes(n int, what string) []byte {
	if !r.need(n, what) {
		return nil
	}
	b := r.b[r.off : r.off+n : r.off+n]
	r.off += n
	return b
}

func (r *ndr) u8(what string) uint8 {
	if b := r.bytes(1, what); b != nil {
		return b[0]
	}
	return 0
}

func (r *ndr) u16(what string) uint16 {
	r.align(2)
	if b := r.bytes(2, what); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}

func (r *ndr) u32(what string) uint32 {
	r.align(4)
	if b := r.bytes(4, what); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

// filetime reads a FILETIME (two 32-bit halves, so 4-byte aligned).
func (r *ndr) filetime(what string) time.Time {
	lo := r.u32(what)
	hi := r.u32(what)
	return filetime(uint64(hi)<<32 | uint64(lo))
}

// unicodeString is an RPC_UNICODE_STRING's inline part.
type unicodeString struct {
	length, max uint16
	ptr         uint32
}

func (r *ndr) unicodeString(what string) unicodeString {
	return unicodeString{length: r.u16(what), max: r.u16(what), ptr: r.u32(what)}
}

// deferredString reads the conformant varying array of a non-null
// RPC_UNICODE_STRING: MaxCount, Offset 0, ActualCount, then ActualCount
// UTF-16 code units.
func (r *ndr) deferredString(s unicodeString, what string) string {
	if s.ptr == 0 {
		if s.length != 0 {
			r.fail("%s: null buffer with length %d", what, s.length)
		}
		return ""
	}
	start := r.off
	maxCount := r.u32(what + " MaxCount")
	offset := r.u32(what + " Offset")
	actual := r.u32(what + " ActualCount")
	if !r.ok() {
		return ""
	}
	switch {
	case s.length%2 != 0 || uint32(s.length/2) != actual:
		r.off = start
		r.fail("%s: ActualCount %d does not match Length %d bytes", what, actual, s.length)
	case actual > maxCount || offset != 0:
		r.off = start
		r.fail("%s: ActualCount %d, MaxCount %d, Offset %d", what, actual, maxCount, offset)
	}
	b := r.bytes(2*int(actual), what)
	if b == nil {
		return ""
	}
	return utf16le(b)
}

// sid reads an RPC_SID pointee: MaxCount (= SubAuthorityCount), then the
// SID.
func (r *ndr) sid(what string) SID {
	n := r.u32(what + " MaxCount")
	if !r.ok() {
		return SID{}
	}
	if n > maxSubAuthorities {
		r.off -= 4
		r.fail("%s: %d sub-authorities, at most %d allowed", what, n, maxSubAuthorities)
		return SID{}
	}
	b := r.bytes(8+4*int(n), what)
	if b == nil {
		return SID{}
	}
	if int(b[1]) != int(n) {
		r.off -= len(b)
		r.fail("%s: SubAuthorityCount %d, MaxCount %d", what, b[1], n)
		return SID{}
	}
	s, _, err := DecodeSID(b)
	if err != nil {
		r.off -= len(b)
		r.fail("%s: %v", what, err)
	}
	return s
}

// count reads a conformant array's MaxCount, which must equal want, and
// checks that want elements of size bytes are there before anything is
// allocated for them.
func (r *ndr) count(want uint32, size int, what string) int {
	n := r.u32(what + " MaxCount")
	if !r.ok() {
		return 0
	}
	if n != want {
		r.off -= 4
		r.fail("%s: MaxCount %d, the count field says %d", what, n, want)
		return 0
	}
	if uint64(n)*uint64(size) > uint64(len(r.b)-r.off) {
		r.fail("%s: %d elements of %d bytes, %d bytes left", what, n, size, len(r.b)-r.off)
		return 0
	}
	return int(n)
}

func utf16le(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

// filetimeEpoch is 1601-01-01 in Unix seconds.
const filetimeEpoch = -11644473600

// filetime converts 100-ns intervals since 1601. 0 ("not set") and
// 0x7fffffffffffffff ("never") are the zero Time.
func filetime(v uint64) time.Time {
	if v == 0 || v >= 0x7fffffffffffffff {
		return time.Time{}
	}
	return time.Unix(filetimeEpoch+int64(v/10_000_000), int64(v%10_000_000)*100).UTC()
}
