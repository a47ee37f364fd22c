// Package gss is gssnego's platform-neutral GSS-API: the interfaces every
// backend implements (Provider, Credential, SecContext, Name), the value types
// they exchange (OID, Flags, Enctype, SecContextInfo) and the one error type,
// Error, whose sentinels work with errors.Is on every platform.
//
// The shape follows golang-auth/go-gssapi v3 (Provider → Name/Credential →
// SecContext with Continue, Inquire, GetMIC, VerifyMIC, Wrap, Unwrap), so code
// written against that API reads the same here. gss itself has no cgo and no
// platform code: the MIT/Heimdal backend lives in gssapi_unix, the SSPI backend
// in sspi_windows, and a backend makes itself the build's default with
// RegisterProvider (import github.com/gssnego/gssnego/platform to get the right
// one for the build).
//
// Delegation (docs/delegation.md): FlagDeleg and FlagDelegPolicy ask an
// initiator to forward the user's TGT; an accepted context that implements
// Delegated hands the result over (DelegatedCredential); StoreCredential
// writes a credential into a ccache; AcquireImpersonatedCredential is S4U2Self;
// KDCError codes match what a KDC refused (errors.Is(err, KDCErrBadOption)).
//
// A minimal initiator:
//
//	p, err := gss.Default()
//	target, err := p.ImportName("HTTP@www.example.com", gss.NameHostBasedService)
//	ctx, err := p.InitSecContext(target, gss.WithMech(gss.MechKRB5), gss.WithFlags(gss.FlagMutual|gss.FlagInteg))
//	out, err := ctx.Continue(nil) // send out; feed the reply to Continue until !ctx.ContinueNeeded()
//
// A step can block inside the native library (waiting for a KDC); to bound
// it by a deadline, step with ContinueContext(ctx, sc, in), which returns at
// the deadline with an *AbandonedError and frees the context when the
// native call returns. Kerberos failures with a cause the user can act on
// (an unreachable KDC, clock skew, no ticket or an expired one, a service
// the KDC does not know, a stale keytab) carry a Fault (ErrKDCUnreachable,
// ErrClockSkew, ErrNoTicket, ErrServiceUnknown, …) that errors.Is finds and
// the message leads with; docs/errors.md lists them. The adapters under
// compat/ classify with the same table, and wrappers lead their own
// messages with the fault through FaultText and SplitFault.
//
// The wire facts every backend and codec shares live here too, once:
// ParseFraming and AppendFraming read and write the RFC 2743 §3.1 framing
// of initial tokens (strict DER, a *ParseError naming field and offset),
// ValidOID checks an OID's encoding, and the subpackage tlsbinding computes
// RFC 5929 TLS channel bindings (tls-server-end-point, tls-unique).
package gss
