//go:build !windows && cgo && !heimdal

package gssapi_unix

// #cgo pkg-config: krb5-gssapi
import "C"

import (
	"runtime"

	"github.com/gssnego/gssnego/gss"
)

// implementation names the library this build links.
const implementation = "MIT"

// sessionKeySource says how Inquire learns the per-message key's enctype.
const sessionKeySource = "GSS_C_INQ_SSPI_SESSION_KEY"

// credStoreOp names the call that acquires credentials from an explicit
// ccache, keytab, client keytab or replay cache.
const credStoreOp = "gss_acquire_cred_from"

// checkInitReply screens an initiator's reply token before the library sees
// it; MIT needs no screening (see heimdal.go).
func checkInitReply(mech gss.OID, flags gss.Flags, in []byte) error { return nil }

// lockThread keeps the calling goroutine on its OS thread from a GSS call
// to the gss_display_status of its error, and returns the unlock. MIT's
// krb5 mechanism keeps the extended text of its last error per thread
// (krb5_gss_save_error_info): displayed on another thread, a minor code
// gives only the com_err table's text ("Key version number for principal
// in key table is incorrect" instead of "Request ticket server … kvno 2
// not found in keytab; keytab is likely out of date"). A goroutine can
// change threads between the two calls when its P was handed off during
// a long cgo call, which is common under load. The lock costs two
// thread-local stores when the goroutine is not moved.
func lockThread() func() {
	runtime.LockOSThread()
	return runtime.UnlockOSThread
}

// pacSource and pacVerifier say where InquireAuthz's PAC comes from and who
// checked its server signature (authz.go).
const (
	pacSource   = "MIT gss_get_name_attribute(urn:mspac:)"
	pacVerifier = "server signature checked in gss_accept_sec_context, the attribute's authenticated bit"
)
