//go:build !windows && cgo

// The PAC of an accepted Kerberos context, for authz.go. MIT hands it out
// as the name attribute "urn:mspac:" with its own verdict on the server
// signature; Heimdal 7.8's krb5 mechanism has no name attributes, but
// returns the ticket's authorization data by type, and its krb5_rd_req
// has already refused a PAC whose signature did not verify unless
// [libdefaults] check_pac is false.
#include "gss_shim.h"

#ifdef GSSNEGO_HEIMDAL
#include <errno.h>
#include <pthread.h>
#include <krb5.h>

static int check_pac = 1;
static pthread_once_t check_pac_once = PTHREAD_ONCE_INIT;

// read_check_pac reads the setting once (a krb5_context per call would
// leak in Heimdal 7.8), with Heimdal's own default.
static void read_check_pac(void) {
	krb5_context k;
	if (krb5_init_context(&k) != 0)
		return;
	check_pac = krb5_config_get_bool_default(k, NULL, TRUE, "libdefaults", "check_pac", NULL);
	krb5_free_context(k);
}
#endif

// gn_ctx_pac copies the PAC of an established acceptor context into out
// (released with gn_out_release) and sets *authenticated to the library's
// verdict on its server signature. *found is 0 when the ticket had none.
OM_uint32 gn_ctx_pac(OM_uint32 *minor, gss_ctx_id_t ctx, gn_out *out, int *authenticated, int *found) {
	OM_uint32 major, tmp;
	*found = 0;
	*authenticated = 0;
	out->buf.value = NULL;
	out->buf.length = 0;
#ifdef GSSNEGO_HEIMDAL
	major = gsskrb5_extract_authz_data_from_sec_context(minor, ctx, 128, &out->buf);
	if (GSS_ERROR(major)) {
		// No element of that type: Heimdal says GSS_S_FAILURE with
		// ENOENT.
		if (*minor == ENOENT) {
			*minor = 0;
			return GSS_S_COMPLETE;
		}
		return major;
	}
	pthread_once(&check_pac_once, read_check_pac);
	*authenticated = check_pac;
#else
	gss_name_t src = GSS_C_NO_NAME;
	gss_buffer_desc attr = {10, (void *)"urn:mspac:"};
	int complete = 0, more = -1;
	major = gss_inquire_context(minor, ctx, &src, NULL, NULL, NULL, NULL, NULL, NULL);
	if (GSS_ERROR(major))
		return major;
	major = gss_get_name_attribute(minor, src, &attr, authenticated, &complete, &out->buf, NULL, &more);
	gss_release_name(&tmp, &src);
	if (GSS_ERROR(major)) {
		// No PAC: MIT reports the attribute unavailable (ENOENT).
		if (GSS_ROUTINE_ERROR(major) == GSS_S_UNAVAILABLE) {
			*minor = 0;
			*authenticated = 0;
			return GSS_S_COMPLETE;
		}
		return major;
	}
#endif
	out->value = out->buf.value;
	out->length = out->buf.length;
	*found = 1;
	return GSS_S_COMPLETE;
}
