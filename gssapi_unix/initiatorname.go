//go:build !windows && cgo

package gssapi_unix

/*
#include "gss_shim.h"
*/
import "C"

import (
	"runtime"

	"github.com/gssnego/gssnego/gss"
)

var _ gss.InitiatorNamer = (*SecContext)(nil)

// InitiatorName implements gss.InitiatorNamer: one gss_inquire_context
// for the source name alone, its display and its release, where Inquire
// also asks for the target name (display and release: two more krb5
// contexts on MIT), the context's attributes and the session key.
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
	var minor C.OM_uint32
	var src, targ C.gss_name_t
	major := C.gn_inquire_context(&minor, h, C.GN_WANT_SRC, &src, &targ, nil, nil, nil, nil, nil)
	if isError(major) {
		return "", newError(op, major, minor, c.mech)
	}
	if targ != nil {
		releaseName(targ)
	}
	runtime.KeepAlive(c)
	return takeName(src), nil
}
