//go:build !windows && cgo

package gssapi_unix

/*
#include "gss_shim.h"

static OM_uint32 gn_set_context_option(OM_uint32 *minor, gss_ctx_id_t *h,
		void *oid, size_t oidlen, void *val, size_t vallen) {
	gss_OID_desc o;
	gss_buffer_desc b;
	o.length = (OM_uint32)oidlen;
	o.elements = oid;
	b.length = vallen;
	b.value = val;
	return gss_set_sec_context_option(minor, h, &o, &b);
}
*/
import "C"

import (
	"runtime"

	"github.com/gssnego/gssnego/gss"
)

var _ gss.ContextOptionSetter = (*SecContext)(nil)

// SetOption calls gss_set_sec_context_option: a mechanism-specific knob on
// an established context. The SPNEGO engine uses it for gss-ntlmssp's
// "reset crypto" (1.3.6.1.4.1.7165.655.1.3), which MS-SPNG §3.2.5.1
// requires around the mechListMIC so that NTLM's RC4 state after the MIC
// exchange matches the peer's.
func (c *SecContext) SetOption(option gss.OID, value []byte) error {
	defer lockThread()()
	const op = "gss_set_sec_context_option"
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.handle(op); err != nil {
		return err
	}
	oid, oidLen := cBytes(option.DER())
	val, valLen := cBytes(value)
	var minor C.OM_uint32
	major := C.gn_set_context_option(&minor, &c.res.h, oid, oidLen, val, valLen)
	runtime.KeepAlive(c)
	if isError(major) {
		return newError(op, major, minor, c.mech)
	}
	return nil
}
