// Package sspi holds what github.com/alexbrainman/sspi's root package gives
// to code that uses its negotiate package — the Credentials and
// PackageInfo types, the ISC_REQ_*/ASC_REQ_* flags, the SEC_E_* status
// codes — on every OS, for github.com/gssnego/gssnego/compat/sspi/negotiate,
// which mirrors alexbrainman/sspi/negotiate over gssnego.
//
// Code written for Windows moves to Linux (MIT or Heimdal GSSAPI) by
// changing two import paths:
//
//	"github.com/alexbrainman/sspi"           → "github.com/gssnego/gssnego/compat/sspi"
//	"github.com/alexbrainman/sspi/negotiate" → "github.com/gssnego/gssnego/compat/sspi/negotiate"
//
// Errors are *Error values that name the call and carry the SEC_E_* code
// Windows would return in Status: errors.Is(err, sspi.SEC_E_LOGON_DENIED)
// works, while code comparing with == (err == sspi.SEC_E_LOGON_DENIED) must
// switch to errors.Is.
package sspi
