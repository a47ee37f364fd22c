//go:build !windows && gssnego_bench

// Benchmark loops (run n times on one context, no Go in between): the C
// reference the binding's benchmarks compare with. Only builds with
// -tags gssnego_bench compile them, so no user's binary carries them.

#include "gss_shim.h"

static gss_buffer_desc bench_buf(const void *p, size_t len) {
	gss_buffer_desc b;
	b.length = len;
	b.value = (void *)p;
	return b;
}

OM_uint32 gn_bench_get_mic(gss_ctx_id_t ctx, const void *msg, size_t len,
                           long n) {
	OM_uint32 major = GSS_S_COMPLETE, minor;
	gss_buffer_desc m = bench_buf(msg, len), t;
	long i;
	for (i = 0; i < n && !GSS_ERROR(major); i++) {
		major = gss_get_mic(&minor, ctx, GSS_C_QOP_DEFAULT, &m, &t);
		if (!GSS_ERROR(major)) {
			gss_release_buffer(&minor, &t);
		}
	}
	return major;
}

OM_uint32 gn_bench_wrap_unwrap(gss_ctx_id_t a, gss_ctx_id_t b, const void *msg,
                               size_t len, long n) {
	OM_uint32 major = GSS_S_COMPLETE, minor;
	gss_buffer_desc m = bench_buf(msg, len), w, u;
	int conf;
	long i;
	for (i = 0; i < n; i++) {
		major = gss_wrap(&minor, a, 1, GSS_C_QOP_DEFAULT, &m, &conf, &w);
		if (GSS_ERROR(major)) {
			break;
		}
		major = gss_unwrap(&minor, b, &w, &u, &conf, NULL);
		gss_release_buffer(&minor, &w);
		if (GSS_ERROR(major)) {
			break;
		}
		gss_release_buffer(&minor, &u);
	}
	return major;
}
