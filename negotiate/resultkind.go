package negotiate

import "errors"

// resultKinds pairs the policy Results with the sentinel errors they stand
// for, in the order ResultOf tests the errors: the one table behind
// Verdict.Err, Native's failure and ResultOf, so that a verdict and an
// engine failure name the same outcome.
var resultKinds = []struct {
	result string
	kind   error
}{
	{ResultMICInvalid, ErrMICInvalid},
	{ResultDowngradeWithoutMIC, ErrDowngrade},
	{ResultMICMissing, ErrMICMissing},
	{ResultMICUnexpected, ErrMICUnexpected},
	{ResultMICDuplicate, ErrMICUnexpected},
	{ResultMICTooEarly, ErrMICUnexpected},
	{ResultMICCopy, ErrMICUnexpected},
	{ResultNoIntegrity, ErrNoIntegrity},
	{ResultRejected, ErrNoCommonMech},
	{ResultRejected, ErrRejected}, // a failed mechanism: the acceptor answers reject
	{ResultProtocolError, ErrProtocol},
	{ResultIncomplete, ErrIncomplete},
	{ResultPartial, ErrIncomplete},
}

// ResultKind returns the sentinel error a policy Result stands for — the
// one Verdict.Err wraps and an engine failure with that outcome matches:
// ErrMICMissing for ResultMICMissing, ErrNoCommonMech for ResultRejected,
// and so on. It is nil for ResultOK and ErrProtocol for a Result with no
// sentinel of its own (ResultMalformed, ResultNotSPNEGO).
func ResultKind(result string) error {
	if result == ResultOK {
		return nil
	}
	for _, r := range resultKinds {
		if r.result == result {
			return r.kind
		}
	}
	return ErrProtocol
}

// ResultOf returns the policy Result an error stands for: the Result of
// the first sentinel it matches (errors.Is), so an engine failure cut short
// by the refusing side reads as the verdict the transcript would have
// reached. It is ResultOK for nil and "" for an error that matches none.
func ResultOf(err error) string {
	if err == nil {
		return ResultOK
	}
	for _, r := range resultKinds {
		if errors.Is(err, r.kind) {
			return r.result
		}
	}
	return ""
}
