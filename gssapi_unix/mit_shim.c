//go:build !windows && cgo && !heimdal

// MIT-only helpers: the credential store and the session-key inquiry.
#include <string.h>

#include "gss_shim.h"

OM_uint32 gn_acquire_cred_store(OM_uint32 *minor, gss_name_t name,
                                OM_uint32 time_req, gss_OID_set mechs,
                                int usage, const char *ccache,
                                const char *keytab, const char *client_keytab,
                                const char *rcache, gss_cred_id_t *cred,
                                OM_uint32 *time_rec, const char **unsupported) {
	gss_key_value_element_desc el[4];
	gss_key_value_set_desc store;
	OM_uint32 n = 0;
	*unsupported = NULL;
	if (ccache != NULL) {
		el[n].key = "ccache";
		el[n++].value = ccache;
	}
	if (keytab != NULL) {
		el[n].key = "keytab";
		el[n++].value = keytab;
	}
	if (client_keytab != NULL) {
		el[n].key = "client_keytab";
		el[n++].value = client_keytab;
	}
	if (rcache != NULL) {
		el[n].key = "rcache";
		el[n++].value = rcache;
	}
	store.count = n;
	store.elements = el;
	return gss_acquire_cred_from(minor, name, time_req, mechs,
	                             (gss_cred_usage_t)usage, &store, cred, NULL,
	                             time_rec);
}

// The SSPI session-key inquiry answers with the key that protects
// per-message tokens (the acceptor subkey when there is one, else the
// initiator subkey) and, in a second buffer, the DER content of the OID
// 1.2.840.113554.1.2.2.4.<enctype>.
static const unsigned char enctype_oid_prefix[] = {
	0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x04};

OM_uint32 gn_session_enctype(OM_uint32 *minor, gss_ctx_id_t ctx,
                             int32_t *etype, const char **note) {
	gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
	OM_uint32 major, tmp;
	const unsigned char *p;
	size_t len, i, plen = sizeof(enctype_oid_prefix);
	uint32_t v = 0;

	*etype = 0;
	*note = NULL;
	major = gss_inquire_sec_context_by_oid(minor, ctx, GSS_C_INQ_SSPI_SESSION_KEY,
	                                       &set);
	if (GSS_ERROR(major)) {
		*note = "MIT: GSS_C_INQ_SSPI_SESSION_KEY inquiry failed";
		return major;
	}
	if (set == GSS_C_NO_BUFFER_SET || set->count < 2) {
		*note = "MIT: session-key inquiry returned no enctype OID";
		gss_release_buffer_set(&tmp, &set);
		return major;
	}
	p = set->elements[1].value;
	len = set->elements[1].length;
	if (len <= plen || memcmp(p, enctype_oid_prefix, plen) != 0 ||
	    (p[len - 1] & 0x80) != 0 || len - plen > 4) {
		*note = "MIT: session-key inquiry returned an unexpected OID";
		gss_release_buffer_set(&tmp, &set);
		return major;
	}
	for (i = plen; i < len; i++) {
		v = (v << 7) | (p[i] & 0x7f);
	}
	*etype = (int32_t)v;
	*note = "MIT GSS_C_INQ_SSPI_SESSION_KEY: key protecting per-message tokens "
	        "(acceptor subkey if negotiated, else initiator subkey)";
	gss_release_buffer_set(&tmp, &set);
	return major;
}

const char *gn_library_version(void) { return NULL; }

OM_uint32 gn_store_cred_into(OM_uint32 *minor, gss_cred_id_t cred,
                             const char *ccache, const char **unsupported) {
	gss_key_value_element_desc el;
	gss_key_value_set_desc store;
	*unsupported = NULL;
	el.key = "ccache";
	el.value = ccache;
	store.count = 1;
	store.elements = &el;
	// overwrite_cred: the caller named this cache for this credential;
	// default_cred 0: never touch the process's default cache.
	return gss_store_cred_into(minor, cred, GSS_C_INITIATE, GSS_C_NO_OID, 1, 0,
	                           &store, NULL, NULL);
}

OM_uint32 gn_impersonate(OM_uint32 *minor, gss_cred_id_t svc, gss_name_t user,
                         OM_uint32 time_req, gss_OID_set mechs, int usage,
                         gss_cred_id_t *cred, OM_uint32 *time_rec,
                         const char **unsupported) {
	*unsupported = NULL;
	return gss_acquire_cred_impersonate_name(minor, svc, user, time_req, mechs,
	                                         (gss_cred_usage_t)usage, cred,
	                                         NULL, time_rec);
}
