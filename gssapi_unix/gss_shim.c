//go:build !windows && cgo

// Helpers shared by the MIT and Heimdal builds; see gss_shim.h.
#include <string.h>

#include "gss_shim.h"

static void fill_out(gn_out *o) {
	o->value = o->buf.value;
	o->length = o->buf.length;
}

static gss_buffer_desc in_buf(const void *p, size_t len) {
	gss_buffer_desc b;
	b.value = (void *)p;
	b.length = len;
	return b;
}

void gn_out_release(gn_out *o) {
	OM_uint32 minor;
	if (o->buf.value != NULL || o->buf.length != 0) {
		gss_release_buffer(&minor, &o->buf);
	}
	o->buf.value = NULL;
	o->buf.length = 0;
	o->value = NULL;
	o->length = 0;
}

gss_OID gn_oid_new(const void *der, size_t len) {
	gss_OID oid = malloc(sizeof(*oid));
	if (oid == NULL) {
		return NULL;
	}
	oid->elements = malloc(len ? len : 1);
	if (oid->elements == NULL) {
		free(oid);
		return NULL;
	}
	memcpy(oid->elements, der, len);
	oid->length = (OM_uint32)len;
	return oid;
}

void gn_oid_free(gss_OID oid) {
	if (oid != NULL) {
		free(oid->elements);
		free(oid);
	}
}

gn_oidref gn_oid_ref(gss_OID oid) {
	gn_oidref r = {NULL, 0};
	if (oid != GSS_C_NO_OID) {
		r.der = oid->elements;
		r.len = oid->length;
	}
	return r;
}

OM_uint32 gn_oidset_new(OM_uint32 *minor, gss_OID_set *set) {
	return gss_create_empty_oid_set(minor, set);
}

OM_uint32 gn_oidset_add(OM_uint32 *minor, gss_OID_set *set, gss_OID oid) {
	return gss_add_oid_set_member(minor, oid, set);
}

size_t gn_oidset_count(gss_OID_set set) {
	return set == GSS_C_NO_OID_SET ? 0 : set->count;
}

gss_OID gn_oidset_at(gss_OID_set set, size_t i) { return &set->elements[i]; }

int gn_oidset_has(gss_OID_set set, gss_OID oid) {
	size_t i;
	if (set == GSS_C_NO_OID_SET || oid == GSS_C_NO_OID) {
		return 0;
	}
	for (i = 0; i < set->count; i++) {
		if (set->elements[i].length == oid->length &&
		    memcmp(set->elements[i].elements, oid->elements, oid->length) == 0) {
			return 1;
		}
	}
	return 0;
}

OM_uint32 gn_oidset_release(OM_uint32 *minor, gss_OID_set *set) {
	if (*set == GSS_C_NO_OID_SET) {
		*minor = 0;
		return GSS_S_COMPLETE;
	}
	return gss_release_oid_set(minor, set);
}

OM_uint32 gn_display_status(OM_uint32 *minor, OM_uint32 code, int gss_code,
                            gss_OID mech, OM_uint32 *msg_ctx, gn_out *out) {
	OM_uint32 major;
	out->buf.value = NULL;
	out->buf.length = 0;
	major = gss_display_status(minor, code,
	                           gss_code ? GSS_C_GSS_CODE : GSS_C_MECH_CODE,
	                           mech, msg_ctx, &out->buf);
	fill_out(out);
	return major;
}

OM_uint32 gn_import_name(OM_uint32 *minor, const void *s, size_t len,
                         gss_OID type, gss_name_t *out) {
	gss_buffer_desc b = in_buf(s, len);
	return gss_import_name(minor, &b, type, out);
}

OM_uint32 gn_display_name(OM_uint32 *minor, gss_name_t name, gn_out *out,
                          gss_OID *type) {
	OM_uint32 major;
	out->buf.value = NULL;
	out->buf.length = 0;
	major = gss_display_name(minor, name, &out->buf, type);
	fill_out(out);
	return major;
}

OM_uint32 gn_export_name(OM_uint32 *minor, gss_name_t name, gss_OID mech,
                         gn_out *out) {
	gss_name_t mn = GSS_C_NO_NAME;
	OM_uint32 major, tmp;
	out->buf.value = NULL;
	out->buf.length = 0;
	major = gss_canonicalize_name(minor, name, mech, &mn);
	if (GSS_ERROR(major)) {
		fill_out(out);
		return major;
	}
	major = gss_export_name(minor, mn, &out->buf);
	gss_release_name(&tmp, &mn);
	fill_out(out);
	return major;
}

static int copy_bytes(gss_buffer_desc *dst, const void *src, size_t len) {
	dst->length = len;
	dst->value = NULL;
	if (len == 0) {
		return 0;
	}
	dst->value = malloc(len);
	if (dst->value == NULL) {
		return -1;
	}
	memcpy(dst->value, src, len);
	return 0;
}

gss_channel_bindings_t gn_cb_new(OM_uint32 init_type, const void *init_addr,
                                 size_t init_len, OM_uint32 acc_type,
                                 const void *acc_addr, size_t acc_len,
                                 const void *app, size_t app_len) {
	gss_channel_bindings_t cb = calloc(1, sizeof(*cb));
	if (cb == NULL) {
		return NULL;
	}
	cb->initiator_addrtype = init_type;
	cb->acceptor_addrtype = acc_type;
	if (copy_bytes(&cb->initiator_address, init_addr, init_len) ||
	    copy_bytes(&cb->acceptor_address, acc_addr, acc_len) ||
	    copy_bytes(&cb->application_data, app, app_len)) {
		gn_cb_free(cb);
		return NULL;
	}
	return cb;
}

void gn_cb_free(gss_channel_bindings_t cb) {
	if (cb == GSS_C_NO_CHANNEL_BINDINGS) {
		return;
	}
	free(cb->initiator_address.value);
	free(cb->acceptor_address.value);
	free(cb->application_data.value);
	free(cb);
}

OM_uint32 gn_acquire_cred(OM_uint32 *minor, gss_name_t name, OM_uint32 time_req,
                          gss_OID_set mechs, int usage, gss_cred_id_t *cred,
                          OM_uint32 *time_rec) {
	return gss_acquire_cred(minor, name, time_req, mechs,
	                        (gss_cred_usage_t)usage, cred, NULL, time_rec);
}

OM_uint32 gn_acquire_cred_password(OM_uint32 *minor, gss_name_t name,
                                   const char *pw, size_t pwlen,
                                   OM_uint32 time_req, gss_OID_set mechs,
                                   int usage, gss_cred_id_t *cred,
                                   OM_uint32 *time_rec) {
	gss_buffer_desc b = in_buf(pw, pwlen);
	return gss_acquire_cred_with_password(minor, name, &b, time_req, mechs,
	                                      (gss_cred_usage_t)usage, cred, NULL,
	                                      time_rec);
}

OM_uint32 gn_inquire_cred(OM_uint32 *minor, gss_cred_id_t cred,
                          gss_OID skip_names_for, gss_name_t *name,
                          OM_uint32 *lifetime, int *usage, gss_OID_set *mechs) {
	OM_uint32 major;
	gss_cred_usage_t u = 0;
	*name = GSS_C_NO_NAME;
	major = gss_inquire_cred(minor, cred, NULL, lifetime, &u, mechs);
	if (GSS_ERROR(major)) {
		return major;
	}
	*usage = (int)u;
	// gss-ntlmssp 1.2.0 crashes when asked for the name of an NTLM cred.
	if (gn_oidset_has(*mechs, skip_names_for)) {
		return major;
	}
	return gss_inquire_cred(minor, cred, name, NULL, NULL, NULL);
}

OM_uint32 gn_release_cred(OM_uint32 *minor, gss_cred_id_t *cred) {
	return gss_release_cred(minor, cred);
}

OM_uint32 gn_init_sec_context(OM_uint32 *minor, gss_cred_id_t cred,
                              gss_ctx_id_t *ctx, gss_name_t target,
                              gss_OID mech, OM_uint32 flags, OM_uint32 time_req,
                              gss_channel_bindings_t cb, const void *in,
                              size_t inlen, gss_OID *actual_mech, gn_out *out,
                              OM_uint32 *ret_flags, OM_uint32 *time_rec) {
	OM_uint32 major;
	gss_buffer_desc ib = in_buf(in, inlen);
	out->buf.value = NULL;
	out->buf.length = 0;
	major = gss_init_sec_context(minor, cred, ctx, target, mech, flags,
	                             time_req, cb, inlen ? &ib : GSS_C_NO_BUFFER,
	                             actual_mech, &out->buf, ret_flags, time_rec);
	fill_out(out);
	return major;
}

OM_uint32 gn_accept_sec_context(OM_uint32 *minor, gss_ctx_id_t *ctx,
                                gss_cred_id_t cred, const void *in,
                                size_t inlen, gss_channel_bindings_t cb,
                                gss_OID *mech, gn_out *out,
                                OM_uint32 *ret_flags, OM_uint32 *time_rec,
                                gss_cred_id_t *deleg) {
	OM_uint32 major, tmp;
	gss_buffer_desc ib = in_buf(in, inlen);
	out->buf.value = NULL;
	out->buf.length = 0;
	*deleg = GSS_C_NO_CREDENTIAL;
	major = gss_accept_sec_context(minor, ctx, cred, &ib, cb, NULL, mech,
	                               &out->buf, ret_flags, time_rec, deleg);
	// A failed step owns nothing: never hand out a half-made credential.
	if (GSS_ERROR(major) && *deleg != GSS_C_NO_CREDENTIAL) {
		gss_release_cred(&tmp, deleg);
	}
	fill_out(out);
	return major;
}

/* gn_accept_sc is gn_accept_sec_context with its outputs in the context's
 * scratch block. The output token (an AP-REP: about 100-200 bytes) is
 * copied into sc->small when it fits (sc->n bytes; sc->out stays empty),
 * so that Go needs no second call to release it. */
OM_uint32 gn_accept_sc(gn_scratch *sc, gss_ctx_id_t *ctx, gss_cred_id_t cred,
                       const void *in, size_t inlen, gss_channel_bindings_t cb) {
	OM_uint32 major, tmp;
	sc->n = 0;
	major = gn_accept_sec_context(&sc->minor, ctx, cred, in, inlen, cb, &sc->actual,
	                              &sc->out, &sc->flags, &sc->rec, &sc->deleg);
	if (sc->out.buf.value != NULL && sc->out.buf.length <= sizeof(sc->small)) {
		memcpy(sc->small, sc->out.buf.value, sc->out.buf.length);
		sc->n = sc->out.buf.length;
		gss_release_buffer(&tmp, &sc->out.buf);
		sc->out.buf.value = NULL;
		sc->out.buf.length = 0;
		fill_out(&sc->out);
	}
	return major;
}

OM_uint32 gn_inquire_context(OM_uint32 *minor, gss_ctx_id_t ctx, int want_names,
                             gss_name_t *src, gss_name_t *targ,
                             OM_uint32 *lifetime, gss_OID *mech,
                             OM_uint32 *flags, int *local, int *open) {
	*src = GSS_C_NO_NAME;
	*targ = GSS_C_NO_NAME;
	return gss_inquire_context(minor, ctx, (want_names & GN_WANT_SRC) ? src : NULL,
	                           (want_names & GN_WANT_TARG) ? targ : NULL, lifetime, mech, flags,
	                           local, open);
}

/* gn_initiator_name is gss_inquire_context for the source name alone, its
 * display and its release, in one crossing from Go instead of four (the
 * buffer's release included). The display goes into sc->small when it fits
 * (sc->n bytes; sc->out stays empty), else into sc->out for Go to take. A
 * display failure leaves both empty and is not an error: the name is then
 * unknown, as before. */
OM_uint32 gn_initiator_name(gn_scratch *sc, gss_ctx_id_t ctx) {
	gss_name_t src = GSS_C_NO_NAME;
	OM_uint32 major, tmp;
	sc->n = 0;
	sc->out.buf.value = NULL;
	sc->out.buf.length = 0;
	major = gss_inquire_context(&sc->minor, ctx, &src, NULL, NULL, NULL, NULL, NULL, NULL);
	if (!GSS_ERROR(major) && src != GSS_C_NO_NAME &&
	    GSS_ERROR(gss_display_name(&tmp, src, &sc->out.buf, NULL))) {
		sc->out.buf.value = NULL;
		sc->out.buf.length = 0;
	}
	if (src != GSS_C_NO_NAME)
		gss_release_name(&tmp, &src);
	if (sc->out.buf.value != NULL && sc->out.buf.length <= sizeof(sc->small)) {
		memcpy(sc->small, sc->out.buf.value, sc->out.buf.length);
		sc->n = sc->out.buf.length;
		gss_release_buffer(&tmp, &sc->out.buf);
		sc->out.buf.value = NULL;
		sc->out.buf.length = 0;
	}
	fill_out(&sc->out);
	return major;
}

OM_uint32 gn_delete_sec_context(OM_uint32 *minor, gss_ctx_id_t *ctx) {
	return gss_delete_sec_context(minor, ctx, GSS_C_NO_BUFFER);
}

OM_uint32 gn_export_sec_context(OM_uint32 *minor, gss_ctx_id_t *ctx,
                                gn_out *out) {
	OM_uint32 major;
	out->buf.value = NULL;
	out->buf.length = 0;
	major = gss_export_sec_context(minor, ctx, &out->buf);
	fill_out(out);
	return major;
}

OM_uint32 gn_import_sec_context(OM_uint32 *minor, const void *tok, size_t len,
                                gss_ctx_id_t *ctx) {
	gss_buffer_desc b = in_buf(tok, len);
	return gss_import_sec_context(minor, &b, ctx);
}

OM_uint32 gn_get_mic(OM_uint32 *minor, gss_ctx_id_t ctx, const void *msg,
                     size_t len, gn_out *out) {
	OM_uint32 major;
	gss_buffer_desc m = in_buf(msg, len);
	out->buf.value = NULL;
	out->buf.length = 0;
	major = gss_get_mic(minor, ctx, GSS_C_QOP_DEFAULT, &m, &out->buf);
	fill_out(out);
	return major;
}

OM_uint32 gn_get_mic_small(OM_uint32 *minor, gss_ctx_id_t ctx, const void *msg,
                           size_t len, void *small, size_t cap, size_t *n,
                           gn_out *out) {
	OM_uint32 major = gn_get_mic(minor, ctx, msg, len, out);
	*n = 0;
	if (!GSS_ERROR(major) && out->length <= cap) {
		if (out->length > 0) {
			memcpy(small, out->value, out->length);
		}
		*n = out->length;
		gn_out_release(out);
	}
	return major;
}

OM_uint32 gn_verify_mic(OM_uint32 *minor, gss_ctx_id_t ctx, const void *msg,
                        size_t len, const void *mic, size_t miclen) {
	gss_buffer_desc m = in_buf(msg, len);
	gss_buffer_desc t = in_buf(mic, miclen);
	return gss_verify_mic(minor, ctx, &m, &t, NULL);
}

OM_uint32 gn_get_mic_sc(gn_scratch *sc, gss_ctx_id_t ctx, const void *msg, size_t len) {
	return gn_get_mic_small(&sc->minor, ctx, msg, len, sc->small, sizeof(sc->small), &sc->n, &sc->out);
}

OM_uint32 gn_verify_mic_sc(gn_scratch *sc, gss_ctx_id_t ctx, const void *msg,
                           size_t len, const void *mic, size_t miclen) {
	return gn_verify_mic(&sc->minor, ctx, msg, len, mic, miclen);
}

OM_uint32 gn_wrap(OM_uint32 *minor, gss_ctx_id_t ctx, int conf,
                  const void *msg, size_t len, int *conf_state, gn_out *out) {
	OM_uint32 major;
	gss_buffer_desc m = in_buf(msg, len);
	out->buf.value = NULL;
	out->buf.length = 0;
	major = gss_wrap(minor, ctx, conf, GSS_C_QOP_DEFAULT, &m, conf_state,
	                 &out->buf);
	fill_out(out);
	return major;
}

OM_uint32 gn_unwrap(OM_uint32 *minor, gss_ctx_id_t ctx, const void *tok,
                    size_t len, int *conf_state, gn_out *out) {
	OM_uint32 major;
	gss_buffer_desc t = in_buf(tok, len);
	out->buf.value = NULL;
	out->buf.length = 0;
	major = gss_unwrap(minor, ctx, &t, &out->buf, conf_state, NULL);
	fill_out(out);
	return major;
}

OM_uint32 gn_wrap_size_limit(OM_uint32 *minor, gss_ctx_id_t ctx, int conf,
                             OM_uint32 max_token, OM_uint32 *max_input) {
	return gss_wrap_size_limit(minor, ctx, conf, GSS_C_QOP_DEFAULT, max_token,
	                           max_input);
}

OM_uint32 gn_wrap_iov(OM_uint32 *minor, gss_ctx_id_t ctx, int conf, void *data,
                      size_t len, int *conf_state, gn_out *header,
                      gn_out *padding) {
	gss_iov_buffer_desc iov[3];
	OM_uint32 major;
	memset(iov, 0, sizeof(iov));
	// No TRAILER buffer: the mechanism then puts everything after the data
	// into the header (RFC 4121 with a right-rotation count), which is the
	// SSPI layout: one token buffer, the data encrypted in place.
	iov[0].type = GSS_IOV_BUFFER_TYPE_HEADER | GSS_IOV_BUFFER_FLAG_ALLOCATE;
	iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
	iov[1].buffer.value = data;
	iov[1].buffer.length = len;
	iov[2].type = GSS_IOV_BUFFER_TYPE_PADDING | GSS_IOV_BUFFER_FLAG_ALLOCATE;
	major = gss_wrap_iov(minor, ctx, conf, GSS_C_QOP_DEFAULT, conf_state, iov, 3);
	// The library allocated the buffers flagged ALLOCATE; gss_release_buffer
	// frees what it allocated.
	header->buf = iov[0].buffer;
	padding->buf = iov[2].buffer;
	if (GSS_ERROR(major)) {
		gn_out_release(header);
		gn_out_release(padding);
		return major;
	}
	fill_out(header);
	fill_out(padding);
	return major;
}

OM_uint32 gn_unwrap_iov(OM_uint32 *minor, gss_ctx_id_t ctx, const void *header,
                        size_t hlen, void *data, size_t len, int *conf_state) {
	gss_iov_buffer_desc iov[3];
	memset(iov, 0, sizeof(iov));
	iov[0].type = GSS_IOV_BUFFER_TYPE_HEADER;
	iov[0].buffer.value = (void *)header;
	iov[0].buffer.length = hlen;
	iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
	iov[1].buffer.value = data;
	iov[1].buffer.length = len;
	iov[2].type = GSS_IOV_BUFFER_TYPE_EMPTY;
	return gss_unwrap_iov(minor, ctx, conf_state, NULL, iov, 3);
}
