//go:build !windows && cgo && heimdal

// Heimdal-only helpers. Heimdal 7.8 has no gss_acquire_cred_from: an explicit
// ccache or acceptor keytab goes through GSS_KRB5_IMPORT_CRED_X (what
// gss_krb5_import_cred does), which resolves the names into the new
// credential and touches no process-wide state.
#include <errno.h>
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
// gss_store_cred; gss_krb5_copy_ccache copies the credential's tickets into a
// krb5_ccache we resolve (and krb5_cc_copy_cache initializes it with the
// credential's principal, replacing what it held).
OM_uint32 gn_store_cred_into(OM_uint32 *minor, gss_cred_id_t cred,
                             const char *ccache, const char **unsupported) {
	krb5_context kctx = NULL;
	krb5_ccache out = NULL;
	krb5_error_code kret;
	OM_uint32 major;
	*unsupported = NULL;
	*minor = 0;
	kret = krb5_init_context(&kctx);
	if (kret == 0) {
		kret = krb5_cc_resolve(kctx, ccache, &out);
	}
	if (kret != 0) {
		if (kctx != NULL) {
			krb5_free_context(kctx);
		}
		*minor = (OM_uint32)kret;
		return GSS_S_FAILURE;
	}
	major = gss_krb5_copy_ccache(minor, cred, out);
	krb5_cc_close(kctx, out);
	krb5_free_context(kctx);
	return major;
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
