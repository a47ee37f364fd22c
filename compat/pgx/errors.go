package pgxgss

import (
	"errors"

	"github.com/gssnego/gssnego/gss"
)

// Step names where in the exchange an Error happened.
type Step string

// Steps of pgx's GSS exchange. The names are those of the other adapters
// (ldapgss, sshgss, mssqlgss) for the same part of an exchange.
const (
	// StepInitiate is GetInitToken / GetInitTokenFromSPN, and the first
	// token of RequireEncryption's handshake: acquiring the credential, the
	// service ticket (a KDC round trip) and the AP-REQ. A missing or
	// expired ticket, an unreachable KDC or an unknown service fail here.
	StepInitiate Step = "initial token"
	// StepContinue is Continue, and the server's tokens in
	// RequireEncryption's handshake: checking the AP-REP (mutual
	// authentication).
	StepContinue Step = "server's token"

	// StepInit is StepInitiate.
	//
	// Deprecated: use StepInitiate.
	StepInit = StepInitiate
)

// ErrUnexpectedToken is the cause of an Error when the server sends a token
// the exchange has no place for: an empty one, or one after the context was
// established.
var ErrUnexpectedToken = errors.New("pgxgss: unexpected token from the server")

// ErrNoTarget is the cause of an Error when pgx has no host name to build
// the target from (a Unix socket path, or nothing).
var ErrNoTarget = errors.New("pgxgss: no host name for the Kerberos service name")

// ErrTicketExpired is gss.ErrTicketExpired, which an Error caused by an
// expired ticket matches.
//
// Deprecated: use gss.ErrTicketExpired.
var ErrTicketExpired = gss.ErrTicketExpired

// Error is every error the provider returns to pgx; pgx wraps it (in a
// *pgconn.ConnectError, after "failed GSS auth"), so errors.As finds it and
// errors.Is reaches the cause: the gss sentinels (gss.ErrNoCred,
// gss.ErrCredentialsExpired, gss.ErrDefectiveToken, …) or this package's.
type Error struct {
	Step   Step   // where it failed
	Target string // the service name asked for, e.g. "postgres@db.example.com"
	Err    error  // the cause, usually a *gss.Error with the native message
}

// targetOption is the setting that chose the target, named when the KDC
// does not know it.
const targetOption = "krbspn, or krbsrvname and the host, in the connection string"

func (e *Error) Error() string {
	lead, cause, fault := gss.SplitFault(e.Err, e.Target, targetOption)
	msg := "pgxgss: "
	if fault {
		msg += lead + ": "
	}
	msg += string(e.Step)
	if e.Target != "" {
		msg += " (target " + e.Target + ")"
	}
	msg += ": " + cause
	if hint := e.hint(fault); hint != "" {
		msg += "; " + hint
	}
	return msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// hint says what to do for the failures a user can fix that carry no
// gss.Fault (which leads the message with its own fix).
func (e *Error) hint(fault bool) string {
	switch {
	case fault:
		return ""
	case errors.Is(e.Err, gss.ErrNoCred):
		return "no usable Kerberos credential: get a ticket with kinit (or point KRB5CCNAME at a ccache), or pass a credential with WithCredential"
	case errors.Is(e.Err, ErrNoTarget):
		return "connect over TCP with a host name, or set krbspn"
	}
	return ""
}
