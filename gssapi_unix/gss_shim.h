// C helpers for package gssapi_unix. Every access to a field of a gssapi.h
// struct happens in these helpers, never in Go: Heimdal packs some of those
// structs differently on some platforms, and the helpers are compiled against
// the same header as the library. Go passes its byte slices as (pointer,
// length) pairs, pinned for the duration of the call; a helper never keeps
// such a pointer after it returns.
#ifndef GSSNEGO_GSS_SHIM_H
#define GSSNEGO_GSS_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef GSSNEGO_HEIMDAL
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_krb5.h>
#else
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#endif

// gn_out is an output buffer: value/length mirror buf's fields so that Go
// can read them without touching gss_buffer_desc; gn_out_release frees buf.
typedef struct {
	void *value;
	size_t length;
	gss_buffer_desc buf;
} gn_out;

void gn_out_release(gn_out *o);

// gn_scratch is C memory a context keeps for the outputs of its
// per-message calls (used with the context's mutex held).
typedef struct {
	OM_uint32 minor;
	int state;
	size_t n;
	gn_out out;
	unsigned char small[256]; // a MIC, an acceptor's AP-REP, a displayed name
	// Handshake and inquiry outputs: kept here, not in Go variables, because
	// a Go variable whose address goes to C is moved to the heap.
	OM_uint32 flags, rec;
	gss_OID actual;
	gss_cred_id_t deleg;
	int32_t etype;
	const char *note;
} gn_scratch;

// gn_initiator_name, gn_accept_sc: see gss_shim.c.
OM_uint32 gn_initiator_name(gn_scratch *sc, gss_ctx_id_t ctx);
OM_uint32 gn_accept_sc(gn_scratch *sc, gss_ctx_id_t *ctx, gss_cred_id_t cred,
                       const void *in, size_t inlen, gss_channel_bindings_t cb);

// OIDs. gn_oid_new copies der into a malloc'd gss_OID_desc.
gss_OID gn_oid_new(const void *der, size_t len);
void gn_oid_free(gss_OID oid);
// gn_oid_ref returns an OID's DER content by value (NULL, 0 for no OID).
typedef struct {
	const void *der;
	size_t len;
} gn_oidref;
gn_oidref gn_oid_ref(gss_OID oid);

// OID sets.
OM_uint32 gn_oidset_new(OM_uint32 *minor, gss_OID_set *set);
OM_uint32 gn_oidset_add(OM_uint32 *minor, gss_OID_set *set, gss_OID oid);
size_t gn_oidset_count(gss_OID_set set);
gss_OID gn_oidset_at(gss_OID_set set, size_t i);
int gn_oidset_has(gss_OID_set set, gss_OID oid);
OM_uint32 gn_oidset_release(OM_uint32 *minor, gss_OID_set *set);

// Status text: one message per call, as gss_display_status returns them.
OM_uint32 gn_display_status(OM_uint32 *minor, OM_uint32 code, int gss_code,
                            gss_OID mech, OM_uint32 *msg_ctx, gn_out *out);

// Names.
OM_uint32 gn_import_name(OM_uint32 *minor, const void *s, size_t len,
                         gss_OID type, gss_name_t *out);
OM_uint32 gn_display_name(OM_uint32 *minor, gss_name_t name, gn_out *out,
                          gss_OID *type);
OM_uint32 gn_export_name(OM_uint32 *minor, gss_name_t name, gss_OID mech,
                         gn_out *out);

// Channel bindings, deep-copied into malloc'd memory.
gss_channel_bindings_t gn_cb_new(OM_uint32 init_type, const void *init_addr,
                                 size_t init_len, OM_uint32 acc_type,
                                 const void *acc_addr, size_t acc_len,
                                 const void *app, size_t app_len);
void gn_cb_free(gss_channel_bindings_t cb);

// Credentials.
OM_uint32 gn_acquire_cred(OM_uint32 *minor, gss_name_t name, OM_uint32 time_req,
                          gss_OID_set mechs, int usage, gss_cred_id_t *cred,
                          OM_uint32 *time_rec);
OM_uint32 gn_acquire_cred_store(OM_uint32 *minor, gss_name_t name,
                                OM_uint32 time_req, gss_OID_set mechs,
                                int usage, const char *ccache,
                                const char *keytab, const char *client_keytab,
                                const char *rcache, gss_cred_id_t *cred,
                                OM_uint32 *time_rec, const char **unsupported);
OM_uint32 gn_acquire_cred_password(OM_uint32 *minor, gss_name_t name,
                                   const char *pw, size_t pwlen,
                                   OM_uint32 time_req, gss_OID_set mechs,
                                   int usage, gss_cred_id_t *cred,
                                   OM_uint32 *time_rec);
OM_uint32 gn_inquire_cred(OM_uint32 *minor, gss_cred_id_t cred,
                          gss_OID skip_names_for, gss_name_t *name,
                          OM_uint32 *lifetime, int *usage, gss_OID_set *mechs);
OM_uint32 gn_release_cred(OM_uint32 *minor, gss_cred_id_t *cred);

// Delegation. gn_store_cred_into writes cred's initiator tickets into the
// named ccache (MIT: gss_store_cred_into; Heimdal: gss_krb5_copy_ccache);
// unsupported says why not, when the library cannot. gn_impersonate is
// gss_acquire_cred_impersonate_name (S4U2Self) where the library has it.
OM_uint32 gn_store_cred_into(OM_uint32 *minor, gss_cred_id_t cred,
                             const char *ccache, const char **unsupported);
OM_uint32 gn_impersonate(OM_uint32 *minor, gss_cred_id_t svc, gss_name_t user,
                         OM_uint32 time_req, gss_OID_set mechs, int usage,
                         gss_cred_id_t *cred, OM_uint32 *time_rec,
                         const char **unsupported);

// Contexts.
OM_uint32 gn_init_sec_context(OM_uint32 *minor, gss_cred_id_t cred,
                              gss_ctx_id_t *ctx, gss_name_t target,
                              gss_OID mech, OM_uint32 flags, OM_uint32 time_req,
                              gss_channel_bindings_t cb, const void *in,
                              size_t inlen, gss_OID *actual_mech, gn_out *out,
                              OM_uint32 *ret_flags, OM_uint32 *time_rec);
OM_uint32 gn_accept_sec_context(OM_uint32 *minor, gss_ctx_id_t *ctx,
                                gss_cred_id_t cred, const void *in,
                                size_t inlen, gss_channel_bindings_t cb,
                                gss_OID *mech, gn_out *out,
                                OM_uint32 *ret_flags, OM_uint32 *time_rec,
                                gss_cred_id_t *deleg);
/* want_names for gn_inquire_context: which names to return. */
#define GN_WANT_SRC 1
#define GN_WANT_TARG 2
OM_uint32 gn_inquire_context(OM_uint32 *minor, gss_ctx_id_t ctx, int want_names,
                             gss_name_t *src, gss_name_t *targ,
                             OM_uint32 *lifetime, gss_OID *mech,
                             OM_uint32 *flags, int *local, int *open);
OM_uint32 gn_delete_sec_context(OM_uint32 *minor, gss_ctx_id_t *ctx);
OM_uint32 gn_export_sec_context(OM_uint32 *minor, gss_ctx_id_t *ctx,
                                gn_out *out);
OM_uint32 gn_import_sec_context(OM_uint32 *minor, const void *tok, size_t len,
                                gss_ctx_id_t *ctx);

// Per-message calls.
OM_uint32 gn_get_mic(OM_uint32 *minor, gss_ctx_id_t ctx, const void *msg,
                     size_t len, gn_out *out);
// gn_get_mic_small is gn_get_mic that copies a MIC of up to cap bytes into
// small (Go memory, for the call only) and releases it, saving Go a second
// cgo call; a larger MIC stays in out.
OM_uint32 gn_get_mic_small(OM_uint32 *minor, gss_ctx_id_t ctx, const void *msg,
                           size_t len, void *small, size_t cap, size_t *n,
                           gn_out *out);
OM_uint32 gn_verify_mic(OM_uint32 *minor, gss_ctx_id_t ctx, const void *msg,
                        size_t len, const void *mic, size_t miclen);
// gn_get_mic_sc and gn_verify_mic_sc are the calls Go makes: outputs in the
// context's scratch block (a MIC of up to 64 bytes in sc->small, a larger
// one in sc->out): one pointer argument instead of five.
OM_uint32 gn_get_mic_sc(gn_scratch *sc, gss_ctx_id_t ctx, const void *msg, size_t len);
OM_uint32 gn_verify_mic_sc(gn_scratch *sc, gss_ctx_id_t ctx, const void *msg,
                           size_t len, const void *mic, size_t miclen);
OM_uint32 gn_wrap(OM_uint32 *minor, gss_ctx_id_t ctx, int conf,
                  const void *msg, size_t len, int *conf_state, gn_out *out);
OM_uint32 gn_unwrap(OM_uint32 *minor, gss_ctx_id_t ctx, const void *tok,
                    size_t len, int *conf_state, gn_out *out);
OM_uint32 gn_wrap_size_limit(OM_uint32 *minor, gss_ctx_id_t ctx, int conf,
                             OM_uint32 max_token, OM_uint32 *max_input);

// IOV wrap in the SSPI layout: header gets the whole token (RFC 4121 with
// rotation, no separate trailer) and the data is encrypted in place (data
// must be C memory or pinned); padding is what the mechanism appends to the
// data (RC4 only).
OM_uint32 gn_wrap_iov(OM_uint32 *minor, gss_ctx_id_t ctx, int conf, void *data,
                      size_t len, int *conf_state, gn_out *header,
                      gn_out *padding);
OM_uint32 gn_unwrap_iov(OM_uint32 *minor, gss_ctx_id_t ctx, const void *header,
                        size_t hlen, void *data, size_t len, int *conf_state);

// The enctype of the key that protects per-message tokens (0 if unknown);
// note says how it was learned or why it could not be.
OM_uint32 gn_session_enctype(OM_uint32 *minor, gss_ctx_id_t ctx,
                             int32_t *etype, const char **note);

// The implementation's version string, or NULL when it has none.
const char *gn_library_version(void);

#endif
