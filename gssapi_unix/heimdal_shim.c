//go:build !windows && cgo && heimdal

// Heimdal-only helpers. Heimdal 7.8 has no gss_acquire_cred_from: an explicit
// ccache or acceptor keytab goes through gss_krb5_import_cred, which resolves
// the names into the new credential and touches no process-wide state.
#include <errno.h>
#include <string.h>

#include <krb5.h>

#include "gss_shim.h"

static OM_uint32 import_cred(OM_uint32 *minor, gss_name_t name,
                             const char *ccache, const char *keytab,
                             gss_cred_id_t *cred) {
	krb5_context kctx = NULL;
	krb5_ccache id = NULL;
	krb5_keytab kt = NULL;
	krb5_principal princ = NULL;
	krb5_error_code ret;
	OM_uint32 major = GSS_S_FAILURE, tmp;
	gss_buffer_desc disp = GSS_C_EMPTY_BUFFER;
	gss_name_t mn = GSS_C_NO_NAME;
	char *s = NULL;

	ret = krb5_init_context(&kctx);
	if (ret) {
		*minor = ret;
		return GSS_S_FAILURE;
	}
	if (ccache != NULL) {
		ret = krb5_cc_resolve(kctx, ccache, &id);
		if (ret == 0) {
			// Resolving does not open the cache: check it holds a principal,
			// so that a missing cache is GSS_S_NO_CRED as with MIT.
			ret = krb5_cc_get_principal(kctx, id, &princ);
			if (princ != NULL) {
				krb5_free_principal(kctx, princ);
				princ = NULL;
			}
		}
		if (ret) {
			*minor = ret;
			major = GSS_S_NO_CRED;
			goto out;
		}
	}
	if (keytab != NULL) {
		ret = krb5_kt_resolve(kctx, keytab, &kt);
		if (ret) {
			*minor = ret;
			major = GSS_S_NO_CRED;
			goto out;
		}
		if (name != GSS_C_NO_NAME) {
			// The keytab principal is a krb5 principal: canonicalize the
			// GSS name for krb5 and parse its display form.
			major = gss_canonicalize_name(minor, name, GSS_KRB5_MECHANISM, &mn);
			if (GSS_ERROR(major)) {
				goto out;
			}
			major = gss_display_name(minor, mn, &disp, NULL);
			if (GSS_ERROR(major)) {
				goto out;
			}
			s = malloc(disp.length + 1);
			if (s == NULL) {
				*minor = ENOMEM;
				major = GSS_S_FAILURE;
				goto out;
			}
			memcpy(s, disp.value, disp.length);
			s[disp.length] = 0;
			ret = krb5_parse_name(kctx, s, &princ);
			if (ret) {
				*minor = ret;
				major = GSS_S_BAD_NAME;
				goto out;
			}
		}
	}
	major = gss_krb5_import_cred(minor, id, princ, kt, cred);
out:
	free(s);
	gss_release_buffer(&tmp, &disp);
	gss_release_name(&tmp, &mn);
	if (princ != NULL) {
		krb5_free_principal(kctx, princ);
	}
	if (id != NULL) {
		krb5_cc_close(kctx, id);
	}
	if (kt != NULL) {
		krb5_kt_close(kctx, kt);
	}
	krb5_free_context(kctx);
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
