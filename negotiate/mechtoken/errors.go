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

// parser carries what every error needs: the whole input handed to the
// exported entry point (offsets are measured from its start) and the name of
// the structure being read.
type parser struct {
	base  []byte
	token string
}

// off returns the offset of s inside p.base. Every cryptobyte.String and
// sub-slice read from p.base shares its backing array and only ever drops
// bytes from the front, so the difference of capacities is the position.
func (p *parser) off(s []byte) int {
	o := cap(p.base) - cap(s)
	if s == nil || o < 0 || o > len(p.base) {
		return len(p.base)
	}
	return o
}

// fail returns a ParseError for field at the position of at.
func (p *parser) fail(field string, at []byte, reason string) error {
	return &ParseError{Token: p.token, Field: field, Offset: p.off(at), Reason: reason}
}

// failf is fail with a formatted reason.
func (p *parser) failf(field string, at []byte, format string, args ...any) error {
	return p.fail(field, at, fmt.Sprintf(format, args...))
}
