//go:build !windows && cgo

// Memory keytabs for Keytab (keytab.go): a keytab file copied entry by entry
// into a MEMORY: keytab of the linked library, which an acceptor credential
// then names, so that no accept reads the file.
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <krb5.h>

#include "gss_shim.h"

static void gn_kt_empty_close(krb5_context ctx, krb5_keytab kt);

// One krb5 context serves every keytab operation of the process, under
// kt_mu: Heimdal 7.8's krb5_init_context leaks 24 bytes per call (the
// config file list; LeakSanitizer, leakcheck.sh -tags heimdal), and a
// krb5 context may not be used by two threads at once. The context is
// never freed.
static pthread_mutex_t kt_mu = PTHREAD_MUTEX_INITIALIZER;
static krb5_context kt_ctx;

// kt_lock takes kt_mu and returns the shared context, or NULL (kt_mu
// released, *code set) when it cannot be made.
static krb5_context kt_lock(krb5_error_code *code) {
	pthread_mutex_lock(&kt_mu);
	*code = 0;
	if (kt_ctx == NULL) {
		*code = krb5_init_context(&kt_ctx);
		if (*code != 0) {
			kt_ctx = NULL;
			pthread_mutex_unlock(&kt_mu);
			return NULL;
		}
	}
	return kt_ctx;
}

static void kt_unlock(void) { pthread_mutex_unlock(&kt_mu); }

static void free_entry(krb5_context ctx, krb5_keytab_entry *e) {
#ifdef GSSNEGO_HEIMDAL
	krb5_kt_free_entry(ctx, e);
#else
	krb5_free_keytab_entry_contents(ctx, e);
#endif
}

// fail records code's message (malloc'ed, for the caller to free) and
// returns code.
static krb5_error_code fail(krb5_context ctx, krb5_error_code code,
                            const char *what, char **msg) {
	const char *m = ctx ? krb5_get_error_message(ctx, code) : NULL;
	size_t n = strlen(what) + (m ? strlen(m) : 32) + 3;
	*msg = malloc(n);
	if (*msg != NULL) {
		if (m != NULL) {
			snprintf(*msg, n, "%s: %s", what, m);
		} else {
			snprintf(*msg, n, "%s: error %d", what, (int)code);
		}
	}
	if (m != NULL) {
		krb5_free_error_message(ctx, m);
	}
	return code;
}

// gn_kt_load copies every entry of the keytab src into the memory keytab dst
// (a name not used before) and says how many it copied. The memory keytab
// is left open in *out: the caller closes it (gn_kt_close) once a credential
// holds its own reference, because Heimdal frees a memory keytab when its
// last handle is closed.
krb5_error_code gn_kt_load(const char *src, const char *dst, void **out,
                           int *count, char **msg) {
	krb5_context ctx = NULL;
	krb5_keytab in = NULL, mem = NULL;
	krb5_kt_cursor cur;
	krb5_keytab_entry e;
	krb5_error_code ret;
	int n = 0;

	*out = NULL;
	*count = 0;
	*msg = NULL;
	ctx = kt_lock(&ret);
	if (ctx == NULL) {
		return fail(NULL, ret, "krb5_init_context", msg);
	}
	ret = krb5_kt_resolve(ctx, src, &in);
	if (ret != 0) {
		fail(ctx, ret, "krb5_kt_resolve", msg);
		goto done;
	}
	ret = krb5_kt_resolve(ctx, dst, &mem);
	if (ret != 0) {
		fail(ctx, ret, "krb5_kt_resolve(MEMORY)", msg);
		goto done;
	}
	ret = krb5_kt_start_seq_get(ctx, in, &cur);
	if (ret != 0) {
		fail(ctx, ret, "krb5_kt_start_seq_get", msg);
		goto done;
	}
	while ((ret = krb5_kt_next_entry(ctx, in, &e, &cur)) == 0) {
		ret = krb5_kt_add_entry(ctx, mem, &e);
		free_entry(ctx, &e);
		if (ret != 0) {
			break;
		}
		n++;
	}
	krb5_kt_end_seq_get(ctx, in, &cur);
	if (ret == KRB5_KT_END) {
		ret = 0;
	} else {
		fail(ctx, ret, "reading the keytab", msg);
	}
done:
	if (in != NULL) {
		krb5_kt_close(ctx, in);
	}
	if (ret == 0) {
		*out = mem;
		*count = n;
		mem = NULL;
	}
	if (mem != NULL) {
		gn_kt_empty_close(ctx, mem);
		mem = NULL;
	}
	kt_unlock();
	return ret;
}

// gn_kt_empty_close removes every entry of a memory keytab and closes the
// handle. MIT 1.20 never frees a memory keytab (its close only drops a
// count, and it has no krb5_kt_destroy), so a retired generation's keys are
// removed by hand; what stays is the empty list node, about a hundred
// bytes per reload. Heimdal frees the keytab when its last handle closes.
static void gn_kt_empty_close(krb5_context ctx, krb5_keytab kt) {
#ifndef GSSNEGO_HEIMDAL
	krb5_kt_cursor cur;
	krb5_keytab_entry e;
	for (;;) {
		if (krb5_kt_start_seq_get(ctx, kt, &cur) != 0) {
			break;
		}
		krb5_error_code ret = krb5_kt_next_entry(ctx, kt, &e, &cur);
		krb5_kt_end_seq_get(ctx, kt, &cur);
		if (ret != 0) {
			break;
		}
		ret = krb5_kt_remove_entry(ctx, kt, &e);
		free_entry(ctx, &e);
		if (ret != 0) {
			break;
		}
	}
#endif
	krb5_kt_close(ctx, kt);
}

// gn_kt_close closes the handle gn_kt_load left open.
void gn_kt_close(void *kt) {
	krb5_error_code ret;
	krb5_context ctx = kt_lock(&ret);
	if (ctx == NULL) {
		return;
	}
	krb5_kt_close(ctx, (krb5_keytab)kt);
	kt_unlock();
}

// gn_kt_retire empties a memory keytab that no credential uses any more
// (MIT; on Heimdal the credential's release already freed it).
void gn_kt_retire(const char *name) {
#ifndef GSSNEGO_HEIMDAL
	krb5_error_code ret;
	krb5_keytab kt = NULL;
	krb5_context ctx = kt_lock(&ret);
	if (ctx == NULL) {
		return;
	}
	if (krb5_kt_resolve(ctx, name, &kt) == 0) {
		gn_kt_empty_close(ctx, kt);
	}
	kt_unlock();
#else
	(void)name;
#endif
}
