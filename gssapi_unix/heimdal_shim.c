//go:build !windows && cgo && heimdal

// Heimdal-only helpers. Heimdal 7.8 has no gss_acquire_cred_from: an explicit
// ccache or acceptor keytab goes through GSS_KRB5_IMPORT_CRED_X (what
// gss_krb5_import_cred does), which resolves the names into the new
// credential and touches no process-wide state.
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <krb5.h>

#include "gss_shim.h"

// put_string appends s as krb5_store_string does on a default (big-endian)
// krb5_storage: a 32-bit length, then the bytes without a NUL.
static unsigned char *put_string(unsigned char *p, const char *s, size_t n) {
	p[0] = (unsigned char)(n >> 24);
	p[1] = (unsigned char)(n >> 16);
	p[2] = (unsigned char)(n >> 8);
	p[3] = (unsigned char)n;
	memcpy(p + 4, s, n);
	return p + 4 + n;
}

// import_cred makes a credential from a ccache or keytab name the way
// gss_krb5_import_cred does, with gss_set_cred_option(GSS_KRB5_IMPORT_CRED_X)
// and its three-string argument (ccache name, keytab principal, keytab
// name; empty when absent), but without gss_krb5_import_cred's
// krb5_init_context, which leaks ~24 bytes per call in Heimdal 7.8
// (krb5_set_config_files; leakcheck.sh showed it).
static OM_uint32 import_cred(OM_uint32 *minor, gss_name_t name,
                             const char *ccache, const char *keytab,
                             gss_cred_id_t *cred) {
	OM_uint32 major = GSS_S_COMPLETE, tmp;
	gss_buffer_desc disp = GSS_C_EMPTY_BUFFER, arg;
	gss_name_t mn = GSS_C_NO_NAME;
	const char *princ = "";
	size_t plen = 0, clen = ccache ? strlen(ccache) : 0,
	       klen = keytab ? strlen(keytab) : 0;
	unsigned char *buf, *p;

	*cred = GSS_C_NO_CREDENTIAL;
	if (keytab != NULL && name != GSS_C_NO_NAME) {
		// The keytab principal is a krb5 principal name: canonicalize the
		// GSS name for krb5 and use its display form.
		major = gss_canonicalize_name(minor, name, GSS_KRB5_MECHANISM, &mn);
		if (!GSS_ERROR(major)) {
			major = gss_display_name(minor, mn, &disp, NULL);
		}
		if (GSS_ERROR(major)) {
			gss_release_name(&tmp, &mn);
			return major;
		}
		princ = disp.value;
		plen = disp.length;
	}
	buf = malloc(12 + clen + plen + klen);
	if (buf == NULL) {
		gss_release_buffer(&tmp, &disp);
		gss_release_name(&tmp, &mn);
		*minor = ENOMEM;
		return GSS_S_FAILURE;
	}
	p = put_string(buf, ccache ? ccache : "", clen);
	p = put_string(p, princ, plen);
	p = put_string(p, keytab ? keytab : "", klen);
	arg.value = buf;
	arg.length = (size_t)(p - buf);
	major = gss_set_cred_option(minor, cred, GSS_KRB5_IMPORT_CRED_X, &arg);
	free(buf);
	gss_release_buffer(&tmp, &disp);
	gss_release_name(&tmp, &mn);
	// Heimdal says GSS_S_FAILURE (minor ENOENT, …) when the ccache cannot
	// be used; MIT's credential store says GSS_S_NO_CRED.
	if (ccache != NULL && major == GSS_S_FAILURE) {
		major = GSS_S_NO_CRED;
	}
	return major;
}

OM_uint32 gn_acquire_cred_store(OM_uint32 *minor, gss_name_t name,
                                OM_uint32 time_req, gss_OID_set mechs,
                                int usage, const char *ccache,
                                const char *keytab, const char *client_keytab,
                                const char *rcache, gss_cred_id_t *cred,
                                OM_uint32 *time_rec, const char **unsupported) {
	*unsupported = NULL;
	*minor = 0;
	if (client_keytab != NULL) {
		*unsupported = "client keytab (Heimdal 7.8 has no gss_acquire_cred_from)";
		return GSS_S_UNAVAILABLE;
	}
	if (rcache != NULL) {
		*unsupported = "replay cache (Heimdal 7.8 has no gss_acquire_cred_from)";
		return GSS_S_UNAVAILABLE;
	}
	if (ccache != NULL && keytab != NULL) {
		*unsupported = "ccache and keytab in one credential";
		return GSS_S_UNAVAILABLE;
	}
	if (time_rec != NULL) {
		*time_rec = GSS_C_INDEFINITE;
	}
	return import_cred(minor, name, ccache, keytab, cred);
}

// GSS_KRB5_GET_SUBKEY_X answers with the key that protects per-message tokens
// (acceptor subkey if the acceptor sent one, else the initiator subkey, else
// the ticket session key), serialised by krb5_store_keyblock: a big-endian
// int16 keytype, then a big-endian int32 length and the key bytes.
// (Heimdal's GSS_C_INQ_SSPI_SESSION_KEY returns the key only, no enctype.)
OM_uint32 gn_session_enctype(OM_uint32 *minor, gss_ctx_id_t ctx,
                             int32_t *etype, const char **note) {
	gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
	OM_uint32 major, tmp, klen;
	const unsigned char *p;
	size_t len;

	*etype = 0;
	*note = NULL;
	major = gss_inquire_sec_context_by_oid(minor, ctx, GSS_KRB5_GET_SUBKEY_X,
	                                       &set);
	if (GSS_ERROR(major)) {
		*note = "Heimdal: GSS_KRB5_GET_SUBKEY_X inquiry failed";
		return major;
	}
	if (set == GSS_C_NO_BUFFER_SET || set->count < 1) {
		*note = "Heimdal: GSS_KRB5_GET_SUBKEY_X returned nothing";
		gss_release_buffer_set(&tmp, &set);
		return major;
	}
	p = set->elements[0].value;
	len = set->elements[0].length;
	if (len < 6) {
		*note = "Heimdal: GSS_KRB5_GET_SUBKEY_X returned a short keyblock";
		gss_release_buffer_set(&tmp, &set);
		return major;
	}
	klen = ((OM_uint32)p[2] << 24) | ((OM_uint32)p[3] << 16) |
	       ((OM_uint32)p[4] << 8) | p[5];
	if ((size_t)klen + 6 != len) {
		*note = "Heimdal: GSS_KRB5_GET_SUBKEY_X keyblock has an unexpected layout";
		gss_release_buffer_set(&tmp, &set);
		return major;
	}
	*etype = (int16_t)(((uint16_t)p[0] << 8) | p[1]);
	*note = "Heimdal GSS_KRB5_GET_SUBKEY_X: key protecting per-message tokens "
	        "(acceptor subkey if negotiated, else initiator subkey)";
	gss_release_buffer_set(&tmp, &set);
	return major;
}

const char *gn_library_version(void) { return heimdal_version; }

// Heimdal 7.8 has neither gss_store_cred_into nor a ccache argument to
// gss_store_cred. GSS_KRB5_COPY_CCACHE_X names the credential's own ccache
// (a MEMORY one for a delegated credential); krb5_cc_copy_cache copies it
// into the target, which it initializes with the credential's principal
// (replacing what it held). This is what gss_krb5_copy_ccache does, but
// that call makes two krb5_contexts per call and Heimdal 7.8's
// krb5_init_context leaks 24 bytes each (leakcheck.sh -tags heimdal with
// LEAKCHECK_TOOL=asan showed it); one context, made once and used under a
// mutex, leaks nothing. (Ccache names are process-wide, so resolving the
// library's MEMORY ccache from another context is sound.)
static pthread_once_t store_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t store_mu = PTHREAD_MUTEX_INITIALIZER;
static krb5_context store_ctx;
static krb5_error_code store_ctx_err;

static void store_ctx_init(void) { store_ctx_err = krb5_init_context(&store_ctx); }

OM_uint32 gn_store_cred_into(OM_uint32 *minor, gss_cred_id_t cred,
                             const char *ccache, const char **unsupported) {
	gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
	krb5_ccache from = NULL, to = NULL;
	krb5_error_code kret;
	OM_uint32 major, tmp;
	char *name;
	*unsupported = NULL;
	*minor = 0;
	major = gss_inquire_cred_by_oid(minor, cred, GSS_KRB5_COPY_CCACHE_X, &set);
	if (GSS_ERROR(major)) {
		return major;
	}
	if (set == GSS_C_NO_BUFFER_SET || set->count != 1) {
		gss_release_buffer_set(&tmp, &set);
		return GSS_S_NO_CRED;
	}
	name = malloc(set->elements[0].length + 1);
	if (name == NULL) {
		gss_release_buffer_set(&tmp, &set);
		*minor = ENOMEM;
		return GSS_S_FAILURE;
	}
	memcpy(name, set->elements[0].value, set->elements[0].length);
	name[set->elements[0].length] = '\0';
	gss_release_buffer_set(&tmp, &set);
	pthread_once(&store_once, store_ctx_init);
	if (store_ctx_err != 0) {
		free(name);
		*minor = (OM_uint32)store_ctx_err;
		return GSS_S_FAILURE;
	}
	pthread_mutex_lock(&store_mu);
	kret = krb5_cc_resolve(store_ctx, name, &from);
	if (kret == 0) {
		kret = krb5_cc_resolve(store_ctx, ccache, &to);
	}
	if (kret == 0) {
		kret = krb5_cc_copy_cache(store_ctx, from, to);
	}
	if (from != NULL) {
		krb5_cc_close(store_ctx, from);
	}
	if (to != NULL) {
		krb5_cc_close(store_ctx, to);
	}
	pthread_mutex_unlock(&store_mu);
	free(name);
	if (kret != 0) {
		*minor = (OM_uint32)kret;
		return GSS_S_FAILURE;
	}
	return GSS_S_COMPLETE;
}

OM_uint32 gn_impersonate(OM_uint32 *minor, gss_cred_id_t svc, gss_name_t user,
                         OM_uint32 time_req, gss_OID_set mechs, int usage,
                         gss_cred_id_t *cred, OM_uint32 *time_rec,
                         const char **unsupported) {
	(void)svc;
	(void)user;
	(void)time_req;
	(void)mechs;
	(void)usage;
	(void)time_rec;
	*cred = GSS_C_NO_CREDENTIAL;
	*minor = 0;
	*unsupported = "S4U2Self (Heimdal 7.8's GSS-API has no "
	               "gss_acquire_cred_impersonate_name)";
	return GSS_S_UNAVAILABLE;
}
