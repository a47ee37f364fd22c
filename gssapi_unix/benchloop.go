//go:build !windows && cgo && gssnego_bench

package gssapi_unix

/*
#include "gss_shim.h"

// In benchloop_shim.c (gssnego_bench builds only).
OM_uint32 gn_bench_get_mic(gss_ctx_id_t ctx, const void *msg, size_t len,
                           long n);
OM_uint32 gn_bench_wrap_unwrap(gss_ctx_id_t a, gss_ctx_id_t b, const void *msg,
                               size_t len, long n);
*/
import "C"

import (
	"github.com/gssnego/gssnego/gss"
)

// cLoopGetMIC runs gss_get_mic n times on c's context in one C call: the
// reference the Go binding's benchmarks are compared with.
func cLoopGetMIC(c *SecContext, msg []byte, n int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, l := cBytes(msg)
	if major := C.gn_bench_get_mic(c.res.h, p, l, C.long(n)); isError(major) {
		return gss.NewError("gn_bench_get_mic", gss.Status(major), 0, c.mech, "")
	}
	return nil
}

// cLoopWrapUnwrap wraps on a and unwraps on b n times in one C call.
func cLoopWrapUnwrap(a, b *SecContext, msg []byte, n int) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	p, l := cBytes(msg)
	if major := C.gn_bench_wrap_unwrap(a.res.h, b.res.h, p, l, C.long(n)); isError(major) {
		return gss.NewError("gn_bench_wrap_unwrap", gss.Status(major), 0, a.mech, "")
	}
	return nil
}

// cgoFloorGetMIC calls the GetMIC shim n times from a Go loop with nothing
// else around it (no lock, no checks, result not copied): the floor any Go
// binding pays for one cgo call per message, against which GetMIC's own
// overhead is measured (BenchmarkRatioPerMessage).
func cgoFloorGetMIC(c *SecContext, msg []byte, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	sc := c.res.sc
	p, l := cBytes(msg)
	for i := 0; i < n; i++ {
		C.gn_get_mic_sc(sc, c.res.h, p, l)
	}
}
