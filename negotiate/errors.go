package negotiate

import (
	"errors"
	"fmt"

	"github.com/gssnego/gssnego/gss"
)

// Sentinels for what callers branch on. Verdict.Err wraps one of them with
// the rule that failed; every engine failure is an *Error matching one.
var (
	// ErrMICMissing: a mechListMIC the policy requires was not sent.
	ErrMICMissing = errors.New("negotiate: required mechListMIC missing")
	// ErrMICInvalid: a mechListMIC failed verification.
	ErrMICInvalid = errors.New("negotiate: mechListMIC invalid")
	// ErrMICUnexpected: a mechListMIC arrived where the protocol forbids one
	// (a second one, one before the mechanism completed, a copied token under
	// the strict profile, an unsolicited one under the Windows profile).
	ErrMICUnexpected = errors.New("negotiate: unexpected mechListMIC")
	// ErrDowngrade: another mechanism than the initiator's first was selected
	// and the MIC exchange that protects that choice did not happen, or the
	// selection itself is impossible (a mechanism that was not offered, or
	// mechanism tokens of another mechanism than the selected one).
	ErrDowngrade = errors.New("negotiate: mechanism downgrade")
	// ErrNoCommonMech: no mechanism offered by the initiator is usable, or
	// the acceptor rejected the negotiation.
	ErrNoCommonMech = errors.New("negotiate: no common mechanism (rejected)")
	// ErrRejected: the peer answered negState reject, or the selected
	// mechanism failed (the cause says why).
	ErrRejected = errors.New("negotiate: authentication failed")
	// ErrProtocol: tokens arrived in an order or shape SPNEGO does not allow.
	ErrProtocol = errors.New("negotiate: SPNEGO protocol violation")
	// ErrIncomplete: the exchange has not finished.
	ErrIncomplete = errors.New("negotiate: exchange incomplete")
	// ErrNoIntegrity: the strict profile refuses a mechanism without integrity.
	ErrNoIntegrity = errors.New("negotiate: selected mechanism offers no integrity")
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

	// target and option, for a Client's failures: the service name asked
	// for and Config.TargetOption, named when the cause is about the target
	// (gss.ErrServiceUnknown).
	target, option string
}

func (e *Error) Error() string {
	if e.Cause != nil {
		if lead, cause, ok := gss.SplitFault(e.Cause, e.target, e.option); ok {
			// The mechanism's failure has a cause the user can act on (an
			// unreachable KDC, clock skew, a service the KDC does not
			// know): say it first, not the SPNEGO consequence ("no common
			// mechanism"), which errors.Is still finds; the cause's own
			// lead is not repeated.
			return "negotiate: " + lead + ": " + e.Op + ": " + cause
		}
	}
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
