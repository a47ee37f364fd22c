//go:build !windows && cgo

package gssapi_unix

/*
#include "gss_shim.h"
*/
import "C"

import (
	"strings"
	"syscall"

	"github.com/gssnego/gssnego/gss"
)

// isError reports whether a major status is a failure (GSS_ERROR).
func isError(major C.OM_uint32) bool { return gss.Status(major).IsError() }

// newError builds the gss.Error for a failed call, with the library's own
// text for both the major and the minor status.
func newError(op string, major, minor C.OM_uint32, mech gss.OID) error {
	text := statusTextMech(major, minor, mech)
	st := gss.Status(major)
	if uint32(minor) == krb5APErrRepeat {
		// Both libraries report a replayed AP-REQ as GSS_S_FAILURE with this
		// minor code; the supplementary bit lets callers find it with
		// errors.Is(err, gss.ErrDuplicateToken).
		st |= gss.StatusDuplicateToken
	}
	return gss.NewError(op, st, uint32(minor), mech, text)
}

// krb5APErrRepeat is KRB5KRB_AP_ERR_REPEAT ("Request is a replay") in the
// krb5 error table MIT and Heimdal share.
const krb5APErrRepeat = 0x96c73a22

// statusText joins gss_display_status's messages for major and minor.
func statusText(major, minor C.OM_uint32) string { return statusTextMech(major, minor, "") }

// statusTextMech is statusText with the mechanism the minor code belongs to.
func statusTextMech(major, minor C.OM_uint32, mech gss.OID) string {
	var msgs []string
	if major != 0 {
		for _, m := range displayStatus(major, true, "") {
			// Heimdal has no text for a bare supplementary status.
			if gss.Status(major).Routine() == 0 && m == "unknown routine error" {
				continue
			}
			msgs = append(msgs, m)
		}
	}
	if minor != 0 {
		for _, m := range displayStatus(minor, false, mech) {
			// MIT maps a mechanism's minor 0 to a non-zero code whose text
			// is "Success": it carries no information.
			switch {
			case m == "Success":
			case strings.HasPrefix(m, "unknown mech-code") && minor < 4096:
				// Heimdal has no text for an errno passed up as a minor code.
				msgs = append(msgs, syscall.Errno(minor).Error())
			default:
				msgs = append(msgs, m)
			}
		}
	}
	return strings.Join(msgs, ": ")
}

// displayStatus loops gss_display_status over its message context. The
// minor code is displayed without a mechanism: both mechglues keep enough
// state (MIT maps minor codes per mechanism, Heimdal remembers the last
// error per thread) to find the right table.
func displayStatus(code C.OM_uint32, gssCode bool, mech gss.OID) []string {
	var msgs []string
	var msgCtx C.OM_uint32
	kind := C.int(0)
	if gssCode {
		kind = 1
	}
	for i := 0; i < 8; i++ {
		var minor C.OM_uint32
		var out C.gn_out
		major := C.gn_display_status(&minor, code, kind, cOID(mech), &msgCtx, &out)
		if isError(major) {
			takeOut(&out)
			break
		}
		if s := strings.TrimSpace(string(takeOut(&out))); s != "" {
			msgs = append(msgs, s)
		}
		if msgCtx == 0 {
			break
		}
	}
	return msgs
}

// errClosed is the error for a context used after Close or Export.
func errClosed(op string) error {
	return gss.NewError(op, gss.StatusNoContext, 0, "",
		"gssapi_unix: security context used after Close or Export")
}

// errUsage is the error for a call the API does not allow in this state.
func errUsage(op string, status gss.Status, msg string) error {
	return gss.NewError(op, status, 0, "", "gssapi_unix: "+msg)
}

// joinText joins non-empty messages with ": ".
func joinText(msgs ...string) string {
	var out []string
	for _, m := range msgs {
		if m != "" {
			out = append(out, m)
		}
	}
	return strings.Join(out, ": ")
}
