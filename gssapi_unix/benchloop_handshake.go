//go:build !windows && cgo && gssnego_bench

package gssapi_unix

/*
#include "gss_shim.h"

// gn_bench_handshakes runs n complete in-process handshakes (init/accept
// until neither side has a token, default credentials, mutual + integrity)
// with the mechanism whose DER content is oid: the C reference for the Go
// SPNEGO engine's handshake benchmarks.
static OM_uint32 gn_bench_handshakes(const char *target, void *oid, size_t oidlen, long n) {
	gss_OID_desc mech;
	gss_buffer_desc namebuf;
	gss_name_t name = GSS_C_NO_NAME;
	OM_uint32 major, minor;
	long i;

	mech.length = (OM_uint32)oidlen;
	mech.elements = oid;
	namebuf.value = (void *)target;
	namebuf.length = strlen(target);
	major = gss_import_name(&minor, &namebuf, GSS_C_NT_HOSTBASED_SERVICE, &name);
	if (GSS_ERROR(major))
		return major;
	for (i = 0; i < n && !GSS_ERROR(major); i++) {
		gss_ctx_id_t ictx = GSS_C_NO_CONTEXT, actx = GSS_C_NO_CONTEXT;
		gss_buffer_desc toacc = GSS_C_EMPTY_BUFFER, toinit = GSS_C_EMPTY_BUFFER;
		for (;;) {
			major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &ictx, name, &mech,
				GSS_C_MUTUAL_FLAG | GSS_C_INTEG_FLAG, 0, GSS_C_NO_CHANNEL_BINDINGS,
				&toinit, NULL, &toacc, NULL, NULL);
			gss_release_buffer(&minor, &toinit);
			if (GSS_ERROR(major) || toacc.length == 0)
				break;
			major = gss_accept_sec_context(&minor, &actx, GSS_C_NO_CREDENTIAL, &toacc,
				GSS_C_NO_CHANNEL_BINDINGS, NULL, NULL, &toinit, NULL, NULL, NULL);
			gss_release_buffer(&minor, &toacc);
			if (GSS_ERROR(major) || toinit.length == 0)
				break;
		}
		gss_release_buffer(&minor, &toacc);
		gss_release_buffer(&minor, &toinit);
		gss_delete_sec_context(&minor, &ictx, GSS_C_NO_BUFFER);
		gss_delete_sec_context(&minor, &actx, GSS_C_NO_BUFFER);
	}
	gss_release_name(&minor, &name);
	return major;
}
*/
import "C"

import (
	"unsafe"

	"github.com/gssnego/gssnego/gss"
)

// cLoopHandshakes runs n handshakes of mech towards the host-based target
// in one C call (see gn_bench_handshakes).
func cLoopHandshakes(target string, mech gss.OID, n int) error {
	t := C.CString(target)
	defer C.free(unsafe.Pointer(t))
	oid, oidLen := cBytes(mech.DER())
	if major := C.gn_bench_handshakes(t, oid, oidLen, C.long(n)); isError(major) {
		return gss.NewError("gn_bench_handshakes", gss.Status(major), 0, mech, "")
	}
	return nil
}
