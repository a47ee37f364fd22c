//go:build !windows && cgo

package gssapi_unix

/*
#include "gss_shim.h"
*/
import "C"

import (
	"runtime"
	"strings"
	"sync"

	"github.com/gssnego/gssnego/gss"
)

// Name is an imported GSS name (gss_name_t). It implements gss.Name.
type Name struct {
	mu      sync.Mutex
	h       C.gss_name_t
	display string
	typ     gss.NameType
	cleanup runtime.Cleanup
}

var _ gss.Name = (*Name)(nil)

func releaseName(h C.gss_name_t) {
	var minor C.OM_uint32
	C.gss_release_name(&minor, &h)
}

// importName imports s as a name of type t.
func importName(s string, t gss.NameType) (*Name, error) {
	defer lockThread()()
	const op = "gss_import_name"
	b := []byte(s)
	p, n := cBytes(b)
	var minor C.OM_uint32
	var h C.gss_name_t
	if major := C.gn_import_name(&minor, p, n, cOID(t), &h); isError(major) {
		return nil, newError(op, major, minor, "")
	}
	nm := &Name{h: h, display: s, typ: t}
	nm.cleanup = runtime.AddCleanup(nm, func(h C.gss_name_t) {
		safetyNetRuns.Add(1)
		releaseName(h)
	}, h)
	if d, dt, err := displayName(h); err == nil && d != "" {
		nm.display = d
		if dt != "" {
			nm.typ = dt
		}
	}
	return nm, nil
}

// displayName returns a name's display form and type.
func displayName(h C.gss_name_t) (string, gss.OID, error) {
	var minor C.OM_uint32
	var out C.gn_out
	var typ C.gss_OID
	if major := C.gn_display_name(&minor, h, &out, &typ); isError(major) {
		takeOut(&out)
		return "", "", newError("gss_display_name", major, minor, "")
	}
	// gss-ntlmssp counts the C string's NUL in the buffer length.
	return strings.TrimSuffix(string(takeOut(&out)), "\x00"), goOID(typ), nil
}

// String returns the display form (as the library displays it after import).
func (n *Name) String() string { return n.display }

// Type returns the name type.
func (n *Name) Type() gss.NameType { return n.typ }

// Export returns the mechanism name exported for mech (gss_export_name
// after gss_canonicalize_name), the form ImportName reads with gss.NameExport.
func (n *Name) Export(mech gss.OID) ([]byte, error) {
	defer lockThread()()
	var out []byte
	err := n.use("gss_export_name", func(h C.gss_name_t) error {
		var minor C.OM_uint32
		var o C.gn_out
		major := C.gn_export_name(&minor, h, cOID(mech), &o)
		b := takeOut(&o)
		if isError(major) {
			return newError("gss_export_name", major, minor, mech)
		}
		out = b
		return nil
	})
	return out, err
}

// Release frees the native name. It is safe to call more than once.
func (n *Name) Release() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.h != nil {
		n.cleanup.Stop()
		releaseName(n.h)
		n.h = nil
	}
	return nil
}

// use runs fn with the native handle, holding the name's lock.
func (n *Name) use(op string, fn func(C.gss_name_t) error) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.h == nil {
		return errUsage(op, gss.StatusBadName, "name used after Release")
	}
	err := fn(n.h)
	runtime.KeepAlive(n)
	return err
}

// withName runs fn with the native form of name: GSS_C_NO_NAME for nil, the
// handle of one of our names, or a temporary import of another provider's
// name (by its display form and type).
func withName(op string, name gss.Name, fn func(C.gss_name_t) error) error {
	switch nm := name.(type) {
	case nil:
		return fn(nil)
	case *Name:
		if nm == nil {
			return fn(nil)
		}
		return nm.use(op, fn)
	default:
		tmp, err := importName(nm.String(), nm.Type())
		if err != nil {
			return err
		}
		defer tmp.Release()
		return tmp.use(op, fn)
	}
}
