package kerberos

import (
	"fmt"

	"github.com/gssnego/gssnego/gss"
)

// Minor statuses in the krb5 com_err table that MIT and Heimdal share. The
// pure-Go backend reports its failures with the same numbers, so gss.Fault
// recognition (gss.ErrKDCUnreachable, gss.ErrClockSkew, …), gss.KDCError
// matching and docs/errors.md hold for it unchanged.
const (
	krb5Base = 0x96c73a00

	minorBadIntegrity   = krb5Base + 31 // KRB5KRB_AP_ERR_BAD_INTEGRITY
	minorTktExpired     = krb5Base + 32 // KRB5KRB_AP_ERR_TKT_EXPIRED
	minorTktNYV         = krb5Base + 33 // KRB5KRB_AP_ERR_TKT_NYV
	minorRepeat         = krb5Base + 34 // KRB5KRB_AP_ERR_REPEAT
	minorBadMatch       = krb5Base + 36 // KRB5KRB_AP_ERR_BADMATCH
	minorSkew           = krb5Base + 37 // KRB5KRB_AP_ERR_SKEW
	minorModified       = krb5Base + 41 // KRB5KRB_AP_ERR_MODIFIED
	minorBadKeyVer      = krb5Base + 44 // KRB5KRB_AP_ERR_BADKEYVER
	minorCCNotFound     = 0x96c73a8d    // KRB5_CC_NOTFOUND
	minorKDCUnreach     = 0x96c73a9c    // KRB5_KDC_UNREACH
	minorKTNotFound     = 0x96c73ab5    // KRB5_KT_NOTFOUND
	minorFCCNoFile      = 0x96c73ac3    // KRB5_FCC_NOFILE
	minorCCFormat       = 0x96c73ac7    // KRB5_CC_FORMAT
	minorRealmUnknown   = 0x96c73adc    // KRB5_REALM_CANT_RESOLVE
	minorKTKVNONotFound = 0x96c73ae6    // KRB5_KT_KVNONOTFOUND
)

// kerr builds the gss.Error every failure of this package is.
func kerr(op string, major gss.Status, minor uint32, format string, args ...any) *gss.Error {
	return gss.NewError(op, major, minor, gss.MechKRB5, "kerberos: "+fmt.Sprintf(format, args...))
}

// kdcErr is a KRB-ERROR a KDC or acceptor returned, as the gss.Error whose
// minor status is the krb5 table's number for that code (what MIT reports).
func kdcErr(op string, code int32, text string) *gss.Error {
	major := gss.StatusFailure
	switch code {
	case 6, 18, 24: // client unknown, revoked, preauth failed: no credentials
		major = gss.StatusNoCred
	case 32:
		major = gss.StatusCredentialsExpired
	case 34:
		major = gss.StatusDuplicateToken | gss.StatusFailure
	}
	msg := fmt.Sprintf("KDC or peer returned error %d (%s)", code, krbErrorName(code))
	if text != "" {
		msg += ": " + text
	}
	return gss.NewError(op, major, krb5Base+uint32(code), gss.MechKRB5, "kerberos: "+msg)
}

func krbErrorName(code int32) string {
	switch code {
	case 6:
		return "client not found in Kerberos database"
	case 7:
		return "server not found in Kerberos database"
	case 12:
		return "KDC policy rejects request"
	case 13:
		return "KDC can't fulfill requested option"
	case 14:
		return "KDC has no support for encryption type"
	case 18:
		return "client's credentials have been revoked"
	case 24:
		return "preauthentication failed"
	case 25:
		return "additional pre-authentication required"
	case 31:
		return "decrypt integrity check failed"
	case 32:
		return "ticket expired"
	case 33:
		return "ticket not yet valid"
	case 34:
		return "request is a replay"
	case 37:
		return "clock skew too great"
	case 41:
		return "message stream modified"
	case 44:
		return "key version number for principal in key table is incorrect"
	case 52:
		return "response too big for UDP, retry with TCP"
	case 60:
		return "generic error"
	}
	return "unknown"
}
