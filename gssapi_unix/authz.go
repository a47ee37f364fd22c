//go:build !windows && cgo

package gssapi_unix

/*
#include <errno.h>
#include "gss_shim.h"

OM_uint32 gn_ctx_pac(OM_uint32 *minor, gss_ctx_id_t ctx, gn_out *out, int *authenticated, int *found);
*/
import "C"

import (
	"runtime"
	"unsafe"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/mspac"
)

var _ gss.AuthzInquirer = (*SecContext)(nil)

// InquireAuthz implements gss.AuthzInquirer: the PAC of the ticket an
// established Kerberos acceptor context accepted, decoded by package
// mspac. Verified is the library's verdict: MIT's "authenticated" bit of
// the urn:mspac: name attribute (the server signature checked with the
// service key in gss_accept_sec_context); with Heimdal, whether its
// krb5_rd_req checks PACs (check_pac, on by default), in which case a PAC
// that did not verify never reached an established context.
func (c *SecContext) InquireAuthz() (*gss.AuthzData, error) {
	defer lockThread()()
	const op = "InquireAuthz"
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed:
		return nil, errClosed(op)
	case c.initiator || !c.established || c.res.h == nil:
		return nil, gss.NewError(op, gss.StatusNoContext, 0, c.mech, "gssapi_unix: authorization data exists only on an established acceptor")
	case !c.mech.IsKerberos():
		return nil, nil
	}
	out := (*C.gn_out)(C.calloc(1, C.size_t(unsafe.Sizeof(C.gn_out{}))))
	defer C.free(unsafe.Pointer(out))
	cint := (*C.int)(C.calloc(2, C.size_t(unsafe.Sizeof(C.int(0)))))
	defer C.free(unsafe.Pointer(cint))
	auth, found := cint, (*C.int)(unsafe.Add(unsafe.Pointer(cint), unsafe.Sizeof(C.int(0))))
	var minor C.OM_uint32
	major := C.gn_ctx_pac(&minor, c.res.h, out, auth, found)
	runtime.KeepAlive(c)
	if isError(major) {
		return nil, newError("gss_get_name_attribute(urn:mspac:)", major, minor, c.mech)
	}
	if *found == 0 {
		return nil, nil
	}
	raw := C.GoBytes(out.value, C.int(out.length))
	C.gn_out_release(out)
	p, err := mspac.Parse(raw)
	if err != nil {
		return nil, gss.NewError(op, gss.StatusDefectiveToken, 0, c.mech, "gssapi_unix: the ticket's PAC: "+err.Error())
	}
	a := p.Authz()
	if a == nil {
		return nil, nil // an MIT KDC's PAC: no account, no groups
	}
	a.Source = pacSource
	if *auth != 0 {
		a.Verified, a.VerifiedBy = true, implementation+" ("+pacVerifier+")"
	}
	return a, nil
}
