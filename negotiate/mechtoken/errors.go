package mechtoken

import (
	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/der"
)

// ErrMalformed is gss.ErrMalformed, matched (errors.Is) by every ParseError,
// in this package, in negotiate's codec and in gss.ParseFraming, so callers
// can branch on "the token is bad" without caring which parser said so.
var ErrMalformed = gss.ErrMalformed

// ParseError is gss.ParseError: which field of which token could not be
// read, at which byte offset from the start of the bytes handed to the
// parser, and why.
type ParseError = gss.ParseError

// parser is the module's DER reader (offsets, errors, strict DER helpers)
// with this package's token parsers as methods.
type parser struct{ der.Parser }
