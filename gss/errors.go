package gss

import (
	"fmt"
	"strings"
)

// Status is a GSS major status in the RFC 2744 layout: calling error in bits
// 24–31, routine error in bits 16–23, supplementary info in bits 0–15.
type Status uint32

// Routine errors (RFC 2744 §3.9.1), already shifted into place.
const (
	StatusComplete            Status = 0
	StatusBadMech             Status = 1 << 16
	StatusBadName             Status = 2 << 16
	StatusBadNameType         Status = 3 << 16
	StatusBadBindings         Status = 4 << 16
	StatusBadStatus           Status = 5 << 16
	StatusBadMIC              Status = 6 << 16 // GSS_S_BAD_SIG
	StatusNoCred              Status = 7 << 16
	StatusNoContext           Status = 8 << 16
	StatusDefectiveToken      Status = 9 << 16
	StatusDefectiveCredential Status = 10 << 16
	StatusCredentialsExpired  Status = 11 << 16
	StatusContextExpired      Status = 12 << 16
	StatusFailure             Status = 13 << 16
	StatusBadQOP              Status = 14 << 16
	StatusUnauthorized        Status = 15 << 16
	StatusUnavailable         Status = 16 << 16
	StatusDuplicateElement    Status = 17 << 16
	StatusNameNotMN           Status = 18 << 16
	StatusBadMechAttr         Status = 19 << 16
)

// Calling errors, shifted into place.
const (
	StatusCallInaccessibleRead  Status = 1 << 24
	StatusCallInaccessibleWrite Status = 2 << 24
	StatusCallBadStructure      Status = 3 << 24
)

// Supplementary bits.
const (
	StatusContinueNeeded Status = 1 << 0
	StatusDuplicateToken Status = 1 << 1
	StatusOldToken       Status = 1 << 2
	StatusUnseqToken     Status = 1 << 3
	StatusGapToken       Status = 1 << 4
)

const (
	routineMask = Status(0xff << 16)
	callingMask = Status(0xff << 24)
	suppMask    = Status(0xffff)
)

// Routine returns the routine-error field.
func (s Status) Routine() Status { return s & routineMask }

// Calling returns the calling-error field.
func (s Status) Calling() Status { return s & callingMask }

// Supplementary returns the supplementary-info bits.
func (s Status) Supplementary() Status { return s & suppMask }

// IsError reports whether s is a failure (a calling or routine error).
func (s Status) IsError() bool { return s&(routineMask|callingMask) != 0 }

var routineNames = [...]string{
	"", "bad mechanism", "bad name", "bad name type", "bad channel bindings",
	"bad status", "bad MIC", "no credentials", "no context", "defective token",
	"defective credential", "credentials expired", "context expired", "failure",
	"bad QOP", "unauthorized", "unavailable", "duplicate element", "name not MN",
	"bad mech attribute",
}

var suppNames = []struct {
	s    Status
	name string
}{
	{StatusContinueNeeded, "continue needed"}, {StatusDuplicateToken, "duplicate token"},
	{StatusOldToken, "old token"}, {StatusUnseqToken, "unsequenced token"},
	{StatusGapToken, "gap token"},
}

// String names the routine error and supplementary bits.
func (s Status) String() string {
	var parts []string
	if c := s.Calling() >> 24; c != 0 {
		parts = append(parts, fmt.Sprintf("calling error %d", c))
	}
	if r := int(s.Routine() >> 16); r != 0 {
		if r < len(routineNames) {
			parts = append(parts, routineNames[r])
		} else {
			parts = append(parts, fmt.Sprintf("routine error %d", r))
		}
	}
	for _, n := range suppNames {
		if s&n.s != 0 {
			parts = append(parts, n.name)
		}
	}
	if len(parts) == 0 {
		return "complete"
	}
	return strings.Join(parts, ", ")
}

// Error is the error every backend returns. Major keeps the RFC 2744 layout
// (SSPI backends translate SEC_E_* codes into it and keep the code in Minor),
// so errors.Is against the sentinels works the same everywhere.
type Error struct {
	Op      string // native call, e.g. "gss_init_sec_context", "InitializeSecurityContext"
	Major   Status
	Minor   uint32 // mechanism status, or the SSPI SECURITY_STATUS
	Mech    OID    // mechanism the minor code belongs to, if known
	Message string // native text (gss_display_status, SSPI FormatMessage)
	// Fault is the actionable cause recognised from Minor (nil if none);
	// errors.Is matches it and Error leads with it.
	Fault *Fault

	sentinel bool
}

func (e *Error) Error() string {
	var sb strings.Builder
	sb.WriteString("gss: ")
	if e.Fault != nil {
		sb.WriteString(e.FaultText("", ""))
		sb.WriteString(": ")
	}
	if e.Op != "" {
		sb.WriteString(e.Op)
		sb.WriteString(": ")
	}
	sb.WriteString(e.Major.String())
	if e.Message != "" {
		sb.WriteString(": ")
		sb.WriteString(e.Message)
	}
	if e.Minor != 0 {
		fmt.Fprintf(&sb, " (minor 0x%08x", e.Minor)
		if e.Mech != "" {
			sb.WriteString(", mech ")
			sb.WriteString(e.Mech.MechName())
		}
		sb.WriteByte(')')
	}
	return sb.String()
}

// Unwrap exposes the Fault, if any, to errors.Is and errors.As.
func (e *Error) Unwrap() error {
	if e.Fault == nil {
		return nil
	}
	return e.Fault
}

// Is matches the sentinels: a routine-error sentinel matches any error with
// that routine error; a supplementary sentinel matches an error with that bit;
// a KDCError matches an error whose minor status carries that KDC code.
func (e *Error) Is(target error) bool {
	if k, ok := target.(KDCError); ok {
		got, ok := KDCErrorOf(e)
		return ok && got == k
	}
	t, ok := target.(*Error)
	if !ok || t == nil || !t.sentinel {
		return false // a typed nil target (errors.Is(err, (*gss.Error)(nil))) matches nothing
	}
	if r := t.Major.Routine(); r != 0 {
		return e.Major.Routine() == r
	}
	return e.Major&t.Major.Supplementary() != 0
}

func sentinel(s Status) *Error { return &Error{Major: s, sentinel: true} }

// Sentinels for errors.Is.
var (
	ErrBadMech             = sentinel(StatusBadMech)
	ErrBadName             = sentinel(StatusBadName)
	ErrBadNameType         = sentinel(StatusBadNameType)
	ErrBadBindings         = sentinel(StatusBadBindings)
	ErrBadMIC              = sentinel(StatusBadMIC)
	ErrNoCred              = sentinel(StatusNoCred)
	ErrNoContext           = sentinel(StatusNoContext)
	ErrDefectiveToken      = sentinel(StatusDefectiveToken)
	ErrDefectiveCredential = sentinel(StatusDefectiveCredential)
	ErrCredentialsExpired  = sentinel(StatusCredentialsExpired)
	ErrContextExpired      = sentinel(StatusContextExpired)
	ErrFailure             = sentinel(StatusFailure)
	ErrBadQOP              = sentinel(StatusBadQOP)
	ErrUnauthorized        = sentinel(StatusUnauthorized)
	ErrUnavailable         = sentinel(StatusUnavailable)
	ErrDuplicateElement    = sentinel(StatusDuplicateElement)
	ErrDuplicateToken      = sentinel(StatusDuplicateToken)
	ErrOldToken            = sentinel(StatusOldToken)
	ErrUnseqToken          = sentinel(StatusUnseqToken)
	ErrGapToken            = sentinel(StatusGapToken)
)

// NewError builds an Error; backends use it so that every error carries the
// operation and the native text.
func NewError(op string, major Status, minor uint32, mech OID, msg string) *Error {
	return &Error{Op: op, Major: major, Minor: minor, Mech: mech, Message: msg, Fault: faultOf(op, major, minor, mech)}
}
