package negotiate

import "errors"

// Sentinels for what callers branch on; Verdict.Err wraps one of them with
// the rule that failed.
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
	// and the MIC exchange that protects that choice did not happen.
	ErrDowngrade = errors.New("negotiate: mechanism downgrade without mechListMIC")
	// ErrNoCommonMech: the acceptor rejected the negotiation.
	ErrNoCommonMech = errors.New("negotiate: no common mechanism (rejected)")
	// ErrProtocol: tokens arrived in an order or shape SPNEGO does not allow.
	ErrProtocol = errors.New("negotiate: SPNEGO protocol violation")
	// ErrIncomplete: the exchange has not finished.
	ErrIncomplete = errors.New("negotiate: exchange incomplete")
	// ErrNoIntegrity: the strict profile refuses a mechanism without integrity.
	ErrNoIntegrity = errors.New("negotiate: selected mechanism offers no integrity")
)
