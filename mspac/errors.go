package mspac

import (
	"errors"
	"fmt"
)

// Error is a PAC that could not be decoded or whose signature does not
// verify: which buffer, at which byte offset of the PAC, and why.
type Error struct {
	Buffer string // "PACTYPE", "KERB_VALIDATION_INFO", "UPN_DNS_INFO", …
	Offset int    // byte offset in the PAC
	Reason string
	Err    error // a sentinel below, when one applies
}

func (e *Error) Error() string {
	return fmt.Sprintf("mspac: %s at offset %d: %s", e.Buffer, e.Offset, e.Reason)
}

func (e *Error) Unwrap() error { return e.Err }

var (
	// ErrMalformed is a PAC that does not follow MS-PAC's layout.
	ErrMalformed = errors.New("mspac: malformed PAC")
	// ErrBadSignature is a signature that does not verify with the key
	// given.
	ErrBadSignature = errors.New("mspac: signature does not verify")
	// ErrNoSignature is a PAC without the signature asked for.
	ErrNoSignature = errors.New("mspac: PAC has no such signature")
)

func malformed(buffer string, off int, format string, args ...any) *Error {
	return &Error{Buffer: buffer, Offset: off, Reason: fmt.Sprintf(format, args...), Err: ErrMalformed}
}
