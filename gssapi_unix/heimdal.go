//go:build !windows && cgo && heimdal

package gssapi_unix

// #cgo pkg-config: heimdal-gssapi heimdal-krb5
// #cgo CFLAGS: -DGSSNEGO_HEIMDAL
import "C"

import (
	"runtime"

	"github.com/gssnego/gssnego/gss"
)

// implementation names the library this build links.
const implementation = "Heimdal"

// sessionKeySource says how Inquire learns the per-message key's enctype.
const sessionKeySource = "GSS_KRB5_GET_SUBKEY_X"

// credStoreOp names the call that acquires credentials from an explicit
// ccache, keytab, client keytab or replay cache.
const credStoreOp = "gss_set_cred_option(GSS_KRB5_IMPORT_CRED_X)"

// checkInitReply screens a krb5 initiator's second-leg token before Heimdal
// sees it. Heimdal 7.8's krb5 initiator, given a reply that is neither a
// GSS-framed AP-REP (token ID 02 00) nor a KRB-ERROR (03 00), goes on to
// krb5_rd_rep with an uninitialised buffer: valgrind reports reads of
// uninitialised memory in decode_AP_REP, and under -asan it crashes
// (TestErrWrongTokens). Later Heimdal versions return the decapsulation
// error instead, which is what this does. (DCE-style replies are not
// framed and take another, sound, path in Heimdal.)
func checkInitReply(mech gss.OID, flags gss.Flags, in []byte) error {
	if !mech.IsKerberos() || flags&gss.FlagDCEStyle != 0 {
		return nil
	}
	// The RFC 1964 token ID follows the framing: 02 00 AP-REP, 03 00 KRB-ERROR.
	inMech, inner, err := gss.ParseFraming(in)
	if err == nil && inMech.IsKerberos() && len(inner) >= 2 && (inner[0] == 2 || inner[0] == 3) && inner[1] == 0 {
		return nil
	}
	return gss.NewError("gss_init_sec_context", gss.StatusDefectiveToken, 0, mech,
		"gssapi_unix: reply is not a GSS-framed krb5 AP-REP or KRB-ERROR (refused before Heimdal 7.8 parses it)")
}

// lockThread keeps the calling goroutine on its OS thread from a GSS call
// to the gss_display_status of its error, and returns the unlock: Heimdal
// keeps the text of the last error per thread (with the KDC's message, for
// instance), and on another thread it only has "unknown mech-code".
func lockThread() func() {
	runtime.LockOSThread()
	return runtime.UnlockOSThread
}

// pacSource and pacVerifier say where InquireAuthz's PAC comes from and who
// checked its server signature (authz.go).
const (
	pacSource   = "Heimdal gsskrb5_extract_authz_data_from_sec_context(128)"
	pacVerifier = "server signature checked by krb5_rd_req, check_pac"
)
