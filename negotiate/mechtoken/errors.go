package mechtoken

import (
	"errors"
	"fmt"
)

// ErrMalformed is matched (errors.Is) by every ParseError, in this package and
// in negotiate's codec, so callers can branch on "the token is bad" without
// caring which parser said so.
var ErrMalformed = errors.New("malformed token")

// ParseError says which field of which token could not be read, at which
// byte offset from the start of the bytes handed to the parser, and why.
type ParseError struct {
	Token  string // structure being read, e.g. "NegTokenInit", "AP-REQ", "NTLMSSP CHALLENGE"
	Field  string // field being read, e.g. "mechTypes", "ticket.enc-part.etype"
	Offset int    // byte offset where the field starts (or where reading stopped)
	Reason string // what was wrong, e.g. "truncated", "wrong tag 0x04, want 0xa0"
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%s: field %s at offset %d: %s", e.Token, e.Field, e.Offset, e.Reason)
}

// Is makes every ParseError match ErrMalformed.
func (e *ParseError) Is(target error) bool { return target == ErrMalformed }
