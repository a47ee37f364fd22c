package ldapgss

import (
	"errors"
	"fmt"

	"github.com/gssnego/gssnego/gss"
)

// Step names the part of the bind that failed.
type Step string

// Bind steps, in the order they run. StepInitiate and StepContinue are
// named as in the other adapters (pgxgss, sshgss, mssqlgss) for the same
// part of an exchange.
const (
	// StepInitiate builds the first token: getting a service ticket for the
	// SPN. Absent or expired tickets, an unreachable KDC and an SPN the KDC
	// does not know fail here.
	StepInitiate Step = "initial token"
	// StepContinue checks the server's GSS token (the AP-REP).
	StepContinue Step = "server's token"
	// StepSecurityLayer reads the server's security-layer offer (RFC 4752
	// §3.1) and answers with our choice.
	StepSecurityLayer Step = "security-layer negotiation"
	// StepServerReply is the server's answer to one of our tokens: the
	// connection closed, or the server refused the bind (Client.Bind only;
	// go-ldap reports these itself when GSSAPIBind is called directly).
	StepServerReply Step = "server's reply"
)

// BindError is a failed GSSAPI bind. Err is the cause: a *gss.Error
// (errors.Is against gss.ErrNoCred, gss.ErrDefectiveToken, gss.ErrBadMIC …
// and the Kerberos faults gss.ErrNoTicket, gss.ErrTicketExpired,
// gss.ErrKDCUnreachable, gss.ErrServiceUnknown …), a *FormatError,
// ErrNoCommonLayer, or go-ldap's *ldap.Error for StepServerReply. A cause
// with a gss.Fault leads the message, with what to do.
type BindError struct {
	Step   Step
	Token  int    // how many of our tokens the server had been sent
	Target string // the service principal the bind was for (the SPN)
	Err    error
}

// targetOption is the setting that chose the target, named when the KDC
// does not know it.
const targetOption = "the SPN given to Client.Bind or ldap.Conn.GSSAPIBind (ldap/HOST)"

func (e *BindError) Error() string {
	lead, cause, fault := gss.SplitFault(e.Err, e.Target, targetOption)
	msg := "ldapgss: "
	if fault {
		msg += lead + ": "
	}
	msg += fmt.Sprintf("GSSAPI bind to %s failed at the %s", e.Target, e.Step)
	if e.Step == StepServerReply {
		msg += fmt.Sprintf(" to token %d", e.Token)
	}
	msg += ": " + cause
	switch {
	case fault:
	case errors.Is(e.Err, gss.ErrNoCred):
		msg += " (get a ticket with kinit, or pass WithCredential)"
	case errors.Is(e.Err, gss.ErrBadName):
		msg += " (is the SPN ldap/HOST registered in the KDC?)"
	}
	return msg
}

func (e *BindError) Unwrap() error { return e.Err }

// ErrNoTicket is gss.ErrNoTicket, which a *BindError caused by a missing
// ticket matches.
//
// Deprecated: use gss.ErrNoTicket.
var ErrNoTicket = gss.ErrNoTicket

// ErrTicketExpired is gss.ErrTicketExpired, which a *BindError caused by an
// expired ticket matches.
//
// Deprecated: use gss.ErrTicketExpired.
var ErrTicketExpired = gss.ErrTicketExpired

// ErrNoCommonLayer means the server's offered security layers and the ones
// this client may use (WithSecurityLayer, WithConn) have nothing in common.
var ErrNoCommonLayer = errors.New("ldapgss: no common SASL security layer")

// ErrMalformed is matched (errors.Is) by every *FormatError.
var ErrMalformed = errors.New("ldapgss: malformed data from the server")

// FormatError is data from the server that breaks the protocol: which
// structure, at which byte offset, and why.
type FormatError struct {
	Where  string // e.g. "security-layer offer", "SASL buffer length"
	Offset int64  // byte offset in that structure or stream
	Reason string
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("ldapgss: malformed %s at byte %d: %s", e.Where, e.Offset, e.Reason)
}

// Is makes errors.Is(err, ErrMalformed) true.
func (e *FormatError) Is(target error) bool { return target == ErrMalformed }

// LayerError is a failure of the security layer on an established session:
// reading or writing the Nth protected buffer.
type LayerError struct {
	Op     string // "read" or "write"
	Buffer int64  // 1-based index of the SASL buffer in that direction
	Err    error
}

func (e *LayerError) Error() string {
	return fmt.Sprintf("ldapgss: security layer: %s of SASL buffer %d: %v", e.Op, e.Buffer, e.Err)
}

func (e *LayerError) Unwrap() error { return e.Err }
