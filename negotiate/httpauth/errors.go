package httpauth

import "errors"

// Sentinels for what callers of Transport branch on (errors.Is). Errors from
// the security context (negotiate.ErrMICInvalid, gss.ErrBadMIC, …) are
// wrapped, so their sentinels match too.
var (
	// ErrMutualAuthMissing: the server answered with success but without the
	// final token that proves its identity, while the context still
	// expected one. Transport.AllowMissingMutual relaxes this.
	ErrMutualAuthMissing = errors.New("httpauth: server did not complete mutual authentication")
	// ErrMutualAuthFailed: the server's final token did not verify (bad
	// AP-REP, bad or missing mechListMIC, reject).
	ErrMutualAuthFailed = errors.New("httpauth: server's final token failed verification")
	// ErrBodyNotReplayable: the server asked for authentication but the
	// request body cannot be sent again (no Request.GetBody).
	ErrBodyNotReplayable = errors.New("httpauth: request body cannot be replayed for authentication (set Request.GetBody)")
	// ErrConnectionChanged: a continuation leg of a multi-leg exchange went
	// out on another connection than the previous leg, so the server no
	// longer holds the exchange's state.
	ErrConnectionChanged = errors.New("httpauth: multi-leg exchange moved to another connection")
	// ErrProtocol: the server's answers do not fit RFC 4559 (a token after
	// the context completed, too many legs, a malformed header).
	ErrProtocol = errors.New("httpauth: HTTP Negotiate protocol violation")
)
