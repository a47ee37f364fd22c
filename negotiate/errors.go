package negotiate

import (
	"errors"
	"fmt"
)

// Sentinels of the SPNEGO engine, for errors.Is. Every engine failure is an
// *Error that matches one of them and names the rule that fired.
var (
	// ErrMICMissing: the policy made a mechListMIC due and the peer sent none.
	ErrMICMissing = errors.New("negotiate: mechListMIC missing")
	// ErrMICInvalid: the peer's mechListMIC did not verify over the mechTypes
	// as the initiator sent them, or came at a time the rules forbid.
	ErrMICInvalid = errors.New("negotiate: mechListMIC invalid")
	// ErrNoCommonMech: no mechanism offered by the initiator is usable here.
	ErrNoCommonMech = errors.New("negotiate: no common mechanism")
	// ErrDowngrade: the acceptor selected a mechanism the initiator did not
	// offer, or the policy refuses the selection.
	ErrDowngrade = errors.New("negotiate: mechanism selection refused")
	// ErrRejected: the peer answered negState reject.
	ErrRejected = errors.New("negotiate: rejected by peer")
	// ErrProtocol: a token that is valid SPNEGO but wrong for the state of
	// the exchange (e.g. a second NegTokenInit, a token after completion).
	ErrProtocol = errors.New("negotiate: protocol violation")
	// ErrNotEstablished: a per-message call on a context still negotiating.
	ErrNotEstablished = errors.New("negotiate: context not established")
)

// Error is an engine failure: what was being done, which rule of the
// mechListMIC policy (or of RFC 4178) decided, the sentinel, and the cause
// from the mechanism or the codec, if any.
type Error struct {
	Op    string // e.g. "verify acceptor mechListMIC"
	Rule  string // policy rule or RFC clause, e.g. "selected-not-first"
	Kind  error  // one of the sentinels above
	Cause error  // underlying gss or codec error, may be nil
}

func (e *Error) Error() string {
	s := e.Kind.Error() + ": " + e.Op
	if e.Rule != "" {
		s += " (rule " + e.Rule + ")"
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Unwrap exposes both the sentinel and the cause to errors.Is/As.
func (e *Error) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Cause}
}

func engineErr(kind error, rule, op string, cause error) *Error {
	return &Error{Op: op, Rule: rule, Kind: kind, Cause: cause}
}

func protocolErr(format string, args ...any) *Error {
	return &Error{Op: fmt.Sprintf(format, args...), Kind: ErrProtocol}
}
