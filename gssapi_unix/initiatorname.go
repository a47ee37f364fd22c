//go:build !windows && cgo

package gssapi_unix

/*
#include "gss_shim.h"
*/
import "C"

import (
	"runtime"
	"strings"
	"unsafe"

	"github.com/gssnego/gssnego/gss"
)

var _ gss.InitiatorNamer = (*SecContext)(nil)

// InitiatorName implements gss.InitiatorNamer: gss_inquire_context for the
// source name alone, its display and its release, where Inquire also asks
// for the target name (display and release: two more krb5 contexts on MIT),
// the context's attributes and the session key. The three calls and the
// release of the displayed buffer are one crossing into C
// (gn_initiator_name), and the display comes back in the context's scratch
// block when it fits.
func (c *SecContext) InitiatorName() (string, error) {
	defer lockThread()()
	const op = "gss_inquire_context"
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return "", errClosed(op)
	}
	h := c.res.h
	if h == nil || !c.established {
		return "", errUsage(op, gss.StatusNoContext, "handshake not complete")
	}
	info := &gss.SecContextInfo{Mech: c.mech, Established: true, LocallyInitiated: c.initiator}
	if namesToInquire(info)&C.GN_WANT_SRC == 0 {
		return "", nil
	}
	sc := c.res.sc
	major := C.gn_initiator_name(sc, h)
	if isError(major) {
		return "", newError(op, major, sc.minor, c.mech)
	}
	var s string
	if sc.n > 0 {
		s = C.GoStringN((*C.char)(unsafe.Pointer(&sc.small[0])), C.int(sc.n))
	} else {
		s = string(takeOut(&sc.out))
	}
	runtime.KeepAlive(c)
	// gss-ntlmssp counts the C string's NUL in the buffer length.
	return strings.TrimSuffix(s, "\x00"), nil
}
