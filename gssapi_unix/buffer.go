//go:build !windows && cgo

package gssapi_unix

/*
#include "gss_shim.h"
*/
import "C"

import (
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/gssnego/gssnego/gss"
)

// cBytes returns b as a (pointer, length) pair for a C call argument. A Go
// pointer passed as an argument stays put for the call, and the shim never
// keeps it or stores it in C memory, so no runtime.Pinner is needed (pinning
// cost a third of the binding's overhead on a 64-byte GetMIC).
func cBytes(b []byte) (unsafe.Pointer, C.size_t) {
	if len(b) == 0 {
		return nil, 0
	}
	return unsafe.Pointer(unsafe.SliceData(b)), C.size_t(len(b))
}

// takeOut copies an output buffer into Go memory and releases the C buffer.
// An empty buffer gives nil.
func takeOut(o *C.gn_out) []byte {
	if o.value == nil {
		if o.length != 0 {
			C.gn_out_release(o)
		}
		return nil
	}
	var b []byte
	if n := int(o.length); n > 0 {
		src := unsafe.Slice((*byte)(o.value), n)
		b = make([]byte, len(src)) // make+copy of len(src): the compiler skips the zeroing
		copy(b, src)
	}
	C.gn_out_release(o)
	return b
}

// oidCache interns the C form of every OID passed to the library: the set
// of mechanisms and name types a process uses is small, and interning saves
// a malloc/free pair per call. Entries live as long as the process.
var oidCache sync.Map // gss.OID → C.gss_OID

// cOID returns the interned C form of o, or GSS_C_NO_OID for the empty OID.
func cOID(o gss.OID) C.gss_OID {
	if o == "" {
		return nil
	}
	if v, ok := oidCache.Load(o); ok {
		return v.(C.gss_OID)
	}
	der := []byte(o)
	c := C.gn_oid_new(unsafe.Pointer(&der[0]), C.size_t(len(der)))
	if c == nil {
		panic("gssapi_unix: out of C memory")
	}
	v, loaded := oidCache.LoadOrStore(o, c)
	if loaded {
		C.gn_oid_free(c)
	}
	return v.(C.gss_OID)
}

// goOID copies a C OID owned by the library.
func goOID(c C.gss_OID) gss.OID {
	if c == nil {
		return ""
	}
	r := C.gn_oid_ref(c)
	p, n := r.der, r.len
	if p == nil || n == 0 {
		return ""
	}
	if o, ok := gss.KnownOID(unsafe.Slice((*byte)(p), int(n))); ok {
		return o // no copy: the library hands these out on every step
	}
	return gss.OID(C.GoStringN((*C.char)(p), C.int(n)))
}

// goOIDSet copies an OID set and releases it.
func goOIDSet(set *C.gss_OID_set) []gss.OID {
	n := int(C.gn_oidset_count(*set))
	oids := make([]gss.OID, 0, n)
	for i := 0; i < n; i++ {
		oids = append(oids, goOID(C.gn_oidset_at(*set, C.size_t(i))))
	}
	var minor C.OM_uint32
	C.gn_oidset_release(&minor, set)
	return oids
}

// cOIDSet builds a C OID set; the caller releases it with gn_oidset_release.
// A nil slice gives GSS_C_NO_OID_SET (the library's default set).
func cOIDSet(op string, oids []gss.OID) (C.gss_OID_set, error) {
	if oids == nil {
		return nil, nil
	}
	var minor C.OM_uint32
	var set C.gss_OID_set
	if major := C.gn_oidset_new(&minor, &set); isError(major) {
		return nil, newError(op, major, minor, "")
	}
	for _, o := range oids {
		if major := C.gn_oidset_add(&minor, &set, cOID(o)); isError(major) {
			C.gn_oidset_release(&minor, &set)
			return nil, newError(op, major, minor, "")
		}
	}
	return set, nil
}

// safetyNetRuns counts native objects freed by a runtime cleanup because
// their owner was garbage collected without Release or Close (tests read it).
var safetyNetRuns atomic.Int64

// indefinite is GSS_C_INDEFINITE.
const indefinite = 0xffffffff

// seconds converts a requested lifetime for the C API (0: default).
func seconds(d time.Duration) C.OM_uint32 {
	if d <= 0 {
		return 0
	}
	s := d / time.Second
	if s >= indefinite {
		return indefinite - 1
	}
	if s == 0 {
		s = 1
	}
	return C.OM_uint32(s)
}

// expiry turns a lifetime the library granted into a time (zero: indefinite).
func expiry(rec C.OM_uint32) time.Time {
	if rec == indefinite {
		return time.Time{}
	}
	return time.Now().Add(time.Duration(rec) * time.Second)
}
