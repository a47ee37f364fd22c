package sspi

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/mechtoken"
)

// SECURITY_STATUS codes (winerror.h) with SSPI's values, as syscall.Errno
// like alexbrainman/sspi's. The first six are the ones that package names;
// the others are what Error.Status holds for the failures gssnego reports.
const (
	SEC_E_OK = syscall.Errno(0)

	SEC_I_COMPLETE_AND_CONTINUE = syscall.Errno(590612)
	SEC_I_COMPLETE_NEEDED       = syscall.Errno(590611)
	SEC_I_CONTINUE_NEEDED       = syscall.Errno(590610)

	SEC_E_LOGON_DENIED       = syscall.Errno(0x8009030c)
	SEC_E_CONTEXT_EXPIRED    = syscall.Errno(0x80090317)
	SEC_E_INCOMPLETE_MESSAGE = syscall.Errno(0x80090318)

	SEC_E_INVALID_HANDLE       = syscall.Errno(0x80090301)
	SEC_E_UNSUPPORTED_FUNCTION = syscall.Errno(0x80090302)
	SEC_E_TARGET_UNKNOWN       = syscall.Errno(0x80090303)
	SEC_E_INTERNAL_ERROR       = syscall.Errno(0x80090304)
	SEC_E_SECPKG_NOT_FOUND     = syscall.Errno(0x80090305)
	SEC_E_INVALID_TOKEN        = syscall.Errno(0x80090308)
	SEC_E_QOP_NOT_SUPPORTED    = syscall.Errno(0x8009030a)
	SEC_E_NO_IMPERSONATION     = syscall.Errno(0x8009030b)
	SEC_E_NO_CREDENTIALS       = syscall.Errno(0x8009030e)
	SEC_E_MESSAGE_ALTERED      = syscall.Errno(0x8009030f)
	SEC_E_OUT_OF_SEQUENCE      = syscall.Errno(0x80090310)
	SEC_E_WRONG_PRINCIPAL      = syscall.Errno(0x80090322)
	SEC_E_BAD_BINDINGS         = syscall.Errno(0x80090346)
	SEC_E_DOWNGRADE_DETECTED   = syscall.Errno(0x80090350)
)

var statusNames = map[syscall.Errno]string{
	SEC_E_LOGON_DENIED: "SEC_E_LOGON_DENIED", SEC_E_CONTEXT_EXPIRED: "SEC_E_CONTEXT_EXPIRED",
	SEC_E_INCOMPLETE_MESSAGE: "SEC_E_INCOMPLETE_MESSAGE", SEC_E_INVALID_HANDLE: "SEC_E_INVALID_HANDLE",
	SEC_E_UNSUPPORTED_FUNCTION: "SEC_E_UNSUPPORTED_FUNCTION", SEC_E_TARGET_UNKNOWN: "SEC_E_TARGET_UNKNOWN",
	SEC_E_INTERNAL_ERROR: "SEC_E_INTERNAL_ERROR", SEC_E_SECPKG_NOT_FOUND: "SEC_E_SECPKG_NOT_FOUND",
	SEC_E_INVALID_TOKEN: "SEC_E_INVALID_TOKEN", SEC_E_QOP_NOT_SUPPORTED: "SEC_E_QOP_NOT_SUPPORTED",
	SEC_E_NO_IMPERSONATION: "SEC_E_NO_IMPERSONATION", SEC_E_NO_CREDENTIALS: "SEC_E_NO_CREDENTIALS",
	SEC_E_MESSAGE_ALTERED: "SEC_E_MESSAGE_ALTERED", SEC_E_OUT_OF_SEQUENCE: "SEC_E_OUT_OF_SEQUENCE",
	SEC_E_WRONG_PRINCIPAL: "SEC_E_WRONG_PRINCIPAL", SEC_E_BAD_BINDINGS: "SEC_E_BAD_BINDINGS",
	SEC_E_DOWNGRADE_DETECTED: "SEC_E_DOWNGRADE_DETECTED",
}

// StatusName returns the symbolic name of a SEC_E_* code, or its hex form.
func StatusName(s syscall.Errno) string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return fmt.Sprintf("0x%08x", uint32(s))
}

// ErrNotSupported is the cause of a call that has no meaning off Windows
// (ImpersonateUser, RevertToSelf); its Status is SEC_E_UNSUPPORTED_FUNCTION.
var ErrNotSupported = errors.New("sspi: not supported on this operating system (a Windows logon token is needed)")

// Error is every failure of this module's packages: the call (Op, e.g.
// "negotiate.ClientContext.Update"), which token of the exchange for
// Update (Token, 1-based; 0 otherwise), the SEC_E_* code Windows would
// give and the cause from gssnego (a *negotiate.Error, a *gss.Error, …).
type Error struct {
	Op     string
	Token  int
	Status syscall.Errno
	Err    error
}

func (e *Error) Error() string {
	where := e.Op
	if e.Token > 0 {
		where += fmt.Sprintf(" (token %d from the peer)", e.Token)
	}
	return fmt.Sprintf("sspi: %s: %s: %v", where, StatusName(e.Status), e.Err)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is matches the SEC_E_* code: errors.Is(err, sspi.SEC_E_LOGON_DENIED).
func (e *Error) Is(target error) bool {
	s, ok := target.(syscall.Errno)
	return ok && s == e.Status
}

// StatusOf returns the SEC_E_* code for a gssnego error: the SSPI code
// itself when it came from SSPI (Windows), else the code Windows gives for
// the same failure. The choice for errors that only gssnego reports (the
// mechListMIC ones) is SEC_E_DOWNGRADE_DETECTED for a missing MIC or a
// downgrade and SEC_E_MESSAGE_ALTERED for an invalid one.
func StatusOf(err error) syscall.Errno {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	var ge *gss.Error
	if errors.As(err, &ge) && ge.Minor&0xffff0000 == 0x80090000 {
		return syscall.Errno(ge.Minor) // SSPI's own code (sspi_windows keeps it in Minor)
	}
	for _, m := range statusMap {
		if errors.Is(err, m.err) {
			return m.status
		}
	}
	return SEC_E_INTERNAL_ERROR
}

// statusMap is checked in order: the most specific cause first.
var statusMap = []struct {
	err    error
	status syscall.Errno
}{
	{ErrNotSupported, SEC_E_UNSUPPORTED_FUNCTION},
	{gss.ErrBadMIC, SEC_E_MESSAGE_ALTERED},
	{negotiate.ErrMICInvalid, SEC_E_MESSAGE_ALTERED},
	{negotiate.ErrMICMissing, SEC_E_DOWNGRADE_DETECTED},
	{negotiate.ErrDowngrade, SEC_E_DOWNGRADE_DETECTED},
	{negotiate.ErrMICUnexpected, SEC_E_INVALID_TOKEN},
	{gss.ErrBadBindings, SEC_E_BAD_BINDINGS},
	// An expired ticket (gss classifies it) is SEC_E_CONTEXT_EXPIRED,
	// whatever the major status says. (An unknown service stays
	// SEC_E_LOGON_DENIED below, through negotiate.ErrNoCommonMech: the
	// negotiation as a whole failed, as Windows' Negotiate reports it.)
	{gss.ErrTicketExpired, SEC_E_CONTEXT_EXPIRED},
	{gss.ErrNoCred, SEC_E_NO_CREDENTIALS},
	{gss.ErrCredentialsExpired, SEC_E_CONTEXT_EXPIRED},
	{gss.ErrContextExpired, SEC_E_CONTEXT_EXPIRED},
	{gss.ErrDuplicateToken, SEC_E_OUT_OF_SEQUENCE},
	{gss.ErrOldToken, SEC_E_OUT_OF_SEQUENCE},
	{gss.ErrUnseqToken, SEC_E_OUT_OF_SEQUENCE},
	{gss.ErrGapToken, SEC_E_OUT_OF_SEQUENCE},
	{gss.ErrDefectiveToken, SEC_E_INVALID_TOKEN},
	{gss.ErrDefectiveCredential, SEC_E_NO_CREDENTIALS},
	{mechtoken.ErrMalformed, SEC_E_INVALID_TOKEN},
	{negotiate.ErrProtocol, SEC_E_INVALID_TOKEN},
	{gss.ErrBadQOP, SEC_E_QOP_NOT_SUPPORTED},
	{gss.ErrBadName, SEC_E_TARGET_UNKNOWN},
	{gss.ErrBadNameType, SEC_E_TARGET_UNKNOWN},
	{gss.ErrBadMech, SEC_E_SECPKG_NOT_FOUND},
	{gss.ErrNoContext, SEC_E_INVALID_HANDLE},
	{negotiate.ErrNotEstablished, SEC_E_INVALID_HANDLE},
	{gss.ErrUnavailable, SEC_E_UNSUPPORTED_FUNCTION},
	{negotiate.ErrRejected, SEC_E_LOGON_DENIED},
	{negotiate.ErrNoCommonMech, SEC_E_LOGON_DENIED},
	{gss.ErrUnauthorized, SEC_E_LOGON_DENIED},
}
