package kerberos

import (
	"errors"
	"strings"
	"time"

	"golang.org/x/crypto/cryptobyte"

	"github.com/jcmturner/gokrb5/v8/types"
)

// The FILE ccache format (MIT's "ccache_file_format"), versions 3 and 4,
// read on cryptobyte. gokrb5 has a reader, but it sizes allocations from
// the file's counts before checking them (a 200-byte corrupt cache asks
// for gigabytes) and panics on truncation; this one is bounded by the
// input. Versions 1 and 2 (native byte order, from the 1990s) are refused.

type ccPrincipal struct {
	name  types.PrincipalName
	realm string
}

type ccEntry struct {
	client, server          ccPrincipal
	key                     types.EncryptionKey
	auth, start, end, renew time.Time
	flags                   uint32
	ticket                  []byte
}

type ccache struct {
	version uint16
	def     ccPrincipal
	entries []ccEntry
}

var errCCache = errors.New("malformed credentials cache")

func parseCCache(b []byte) (*ccache, error) {
	s := cryptobyte.String(b)
	var cc ccache
	if !s.ReadUint16(&cc.version) || cc.version != 0x0503 && cc.version != 0x0504 {
		return nil, errors.New("credentials cache: not a version 3 or 4 FILE cache")
	}
	if cc.version == 0x0504 {
		var hdr cryptobyte.String
		if !s.ReadUint16LengthPrefixed(&hdr) {
			return nil, errCCache
		}
	}
	var ok bool
	if cc.def, ok = readCCPrincipal(&s); !ok {
		return nil, errCCache
	}
	for !s.Empty() {
		e, ok := readCCEntry(&s, cc.version)
		if !ok {
			return nil, errCCache
		}
		cc.entries = append(cc.entries, e)
	}
	return &cc, nil
}

func readCCPrincipal(s *cryptobyte.String) (ccPrincipal, bool) {
	var p ccPrincipal
	var nt, n uint32
	var realm cryptobyte.String
	if !s.ReadUint32(&nt) || !s.ReadUint32(&n) || !readCounted(s, &realm) {
		return p, false
	}
	// Each component takes at least its 4-byte length.
	if uint64(n)*4 > uint64(len(*s)) {
		return p, false
	}
	p.realm = string(realm)
	p.name.NameType = int32(nt)
	p.name.NameString = make([]string, 0, n)
	for i := uint32(0); i < n; i++ {
		var c cryptobyte.String
		if !readCounted(s, &c) {
			return p, false
		}
		p.name.NameString = append(p.name.NameString, string(c))
	}
	return p, true
}

func readCCEntry(s *cryptobyte.String, version uint16) (ccEntry, bool) {
	var e ccEntry
	var ok bool
	if e.client, ok = readCCPrincipal(s); !ok {
		return e, false
	}
	if e.server, ok = readCCPrincipal(s); !ok {
		return e, false
	}
	var et, et2 uint16
	var key cryptobyte.String
	if !s.ReadUint16(&et) || version == 0x0503 && !s.ReadUint16(&et2) || !readCounted(s, &key) {
		return e, false
	}
	e.key = types.EncryptionKey{KeyType: int32(int16(et)), KeyValue: []byte(key)}
	var t [4]uint32
	for i := range t {
		if !s.ReadUint32(&t[i]) {
			return e, false
		}
	}
	e.auth, e.start, e.end, e.renew = unix32(t[0]), unix32(t[1]), unix32(t[2]), unix32(t[3])
	var skey uint8
	if !s.ReadUint8(&skey) || !s.ReadUint32(&e.flags) {
		return e, false
	}
	// Addresses and authorization data: counted lists of (u16 type,
	// counted octets); skipped.
	for range 2 {
		var n uint32
		if !s.ReadUint32(&n) || uint64(n)*6 > uint64(len(*s)) {
			return e, false
		}
		for i := uint32(0); i < n; i++ {
			var typ uint16
			var data cryptobyte.String
			if !s.ReadUint16(&typ) || !readCounted(s, &data) {
				return e, false
			}
		}
	}
	var tkt, second cryptobyte.String
	if !readCounted(s, &tkt) || !readCounted(s, &second) {
		return e, false
	}
	e.ticket = []byte(tkt)
	return e, true
}

// unix32 reads a ccache time: seconds since 1970 as an unsigned 32-bit
// number (MIT's, good until 2106).
func unix32(v uint32) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.Unix(int64(v), 0)
}

// isConfigEntry reports MIT's configuration entries (realm
// X-CACHECONF:), which hold no ticket.
func (e *ccEntry) isConfigEntry() bool { return strings.HasPrefix(e.server.realm, "X-CACHECONF") }

// readCounted reads a counted octet string (32-bit big-endian length).
func readCounted(s *cryptobyte.String, out *cryptobyte.String) bool {
	var n uint32
	if !s.ReadUint32(&n) || uint64(n) > uint64(len(*s)) {
		return false
	}
	var b []byte
	if !s.ReadBytes(&b, int(n)) {
		return false
	}
	*out = b
	return true
}
