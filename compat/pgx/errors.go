package pgxgss

import (
	"errors"
	"fmt"

	"github.com/gssnego/gssnego/gss"
)

// Step names where in the exchange an Error happened.
type Step string

// Steps of pgx's GSS exchange.
const (
	// StepInit is GetInitToken / GetInitTokenFromSPN: acquiring the
	// credential, the service ticket (a KDC round trip) and the AP-REQ.
	StepInit Step = "init"
	// StepContinue is Continue: checking the server's AP-REP (mutual
	// authentication).
	StepContinue Step = "continue"
)

// ErrUnexpectedToken is the cause of an Error when the server sends a token
// the exchange has no place for: an empty one, or one after the context was
// established.
var ErrUnexpectedToken = errors.New("pgxgss: unexpected token from the server")

// ErrNoTarget is the cause of an Error when pgx has no host name to build
// the target from (a Unix socket path, or nothing).
var ErrNoTarget = errors.New("pgxgss: no host name for the Kerberos service name")

// ErrTicketExpired matches (errors.Is) an Error whose cause is an expired
// Kerberos ticket: gss.ErrCredentialsExpired, or what MIT and Heimdal
// actually return for an expired TGT — GSS_S_FAILURE with the krb5 minor
// code KRB5KRB_AP_ERR_TKT_EXPIRED ("Ticket expired").
var ErrTicketExpired = errors.New("pgxgss: Kerberos ticket expired")

// krb5APErrTktExpired is KRB5KRB_AP_ERR_TKT_EXPIRED in the krb5 error table
// MIT and Heimdal share.
const krb5APErrTktExpired = 0x96c73a20

// Error is every error the provider returns to pgx; pgx wraps it (in a
// *pgconn.ConnectError, after "failed GSS auth"), so errors.As finds it and
// errors.Is reaches the cause: the gss sentinels (gss.ErrNoCred,
// gss.ErrCredentialsExpired, gss.ErrDefectiveToken, …) or this package's.
type Error struct {
	Step   Step   // where it failed
	Target string // the service name asked for, e.g. "postgres@db.example.com"
	Err    error  // the cause, usually a *gss.Error with the native message
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("pgxgss: %s", e.Step)
	if e.Target != "" {
		msg += " (target " + e.Target + ")"
	}
	msg += ": " + e.Err.Error()
	if hint := e.hint(); hint != "" {
		msg += "; " + hint
	}
	return msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is matches ErrTicketExpired; everything else is matched on the cause.
func (e *Error) Is(target error) bool {
	return target == ErrTicketExpired && e.ticketExpired()
}

func (e *Error) ticketExpired() bool {
	if errors.Is(e.Err, gss.ErrCredentialsExpired) {
		return true
	}
	var ge *gss.Error
	return errors.As(e.Err, &ge) && ge.Mech == gss.MechKRB5 && ge.Minor == krb5APErrTktExpired
}

// hint says what to do for the failures a user can fix.
func (e *Error) hint() string {
	switch {
	case e.ticketExpired():
		return "the Kerberos ticket has expired: renew it (kinit)"
	case errors.Is(e.Err, gss.ErrNoCred):
		return "no usable Kerberos ticket: get one with kinit (or point KRB5CCNAME at a ccache), or pass a credential with WithCredential"
	case errors.Is(e.Err, ErrNoTarget):
		return "connect over TCP with a host name, or set krbspn"
	}
	return ""
}
