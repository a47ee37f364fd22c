//go:build !windows && cgo && !heimdal

package gssapi_unix

/*
#include <krb5.h>

// gn_hold_profile makes a krb5 context and never frees it (see holdProfile).
static int gn_hold_profile(void) {
	static krb5_context held;
	return krb5_init_context(&held);
}
*/
import "C"

import "sync"

// holdProfile keeps one krb5 context, and with it MIT's parsed krb5.conf,
// for the life of the process. MIT's GSS calls make a krb5 context of
// their own (gss_accept_sec_context, gss_display_name, gss_release_name:
// six per request in an HTTP server), and the profile library shares the
// parsed file between open contexts but frees it with the last one: with
// no context held in between, every request opened, read and parsed
// krb5.conf again (strace: one open, read and close of krb5.conf and seven
// stats per request; with the context held, the stats fall to MIT's
// once-a-second check for changes, so an edited krb5.conf is still seen).
// It costs one context's memory. A failure changes nothing (the next
// context reads the file as before), so it is not reported.
func holdProfile() { profileOnce.Do(func() { C.gn_hold_profile() }) }

var profileOnce sync.Once
