package ldapgss

import (
	"errors"
	"fmt"

	"github.com/gssnego/gssnego/gss"
)

// Step names the part of the bind that failed.
type Step string

// Bind steps, in the order they run.
const (
	// StepInitiate builds the first token: getting a service ticket for the
	// SPN. Absent or expired tickets fail here.
	StepInitiate Step = "initial token"
	// StepContinue checks the server's GSS token (the AP-REP).
	StepContinue Step = "server's GSS token"
	// StepSecurityLayer reads the server's security-layer offer (RFC 4752
	// §3.1) and answers with our choice.
	StepSecurityLayer Step = "security-layer negotiation"
	// StepServerReply is the server's answer to one of our tokens: the
	// connection closed, or the server refused the bind (Client.Bind only;
	// go-ldap reports these itself when GSSAPIBind is called directly).
	StepServerReply Step = "server's reply"
)

// BindError is a failed GSSAPI bind. Err is the cause: a *gss.Error
// (errors.Is against gss.ErrNoCred, gss.ErrCredentialsExpired,
// gss.ErrDefectiveToken, gss.ErrBadMIC …), a *FormatError, ErrNoCommonLayer,
// or go-ldap's *ldap.Error for StepServerReply.
type BindError struct {
	Step  Step
	Token int    // how many of our tokens the server had been sent
	SPN   string // the service principal the bind was for
	Err   error
}

func (e *BindError) Error() string {
	msg := fmt.Sprintf("ldapgss: GSSAPI bind to %s failed at the %s", e.SPN, e.Step)
	if e.Step == StepServerReply {
		msg += fmt.Sprintf(" to token %d", e.Token)
	}
	msg += ": " + e.Err.Error()
	switch {
	case noTicket(e.Err), ticketExpired(e.Err):
		msg += " (get a ticket with kinit, or pass WithCredential)"
	case errors.Is(e.Err, gss.ErrBadName):
		msg += " (is the SPN ldap/HOST registered in the KDC?)"
	}
	return msg
}

func (e *BindError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrTicketExpired) and errors.Is(err, ErrNoTicket)
// work on the GSS error underneath.
func (e *BindError) Is(target error) bool {
	switch target {
	case ErrTicketExpired:
		return ticketExpired(e.Err)
	case ErrNoTicket:
		return noTicket(e.Err)
	}
	return false
}

// ErrNoTicket is matched (errors.Is) by a *BindError caused by missing
// Kerberos credentials: gss.ErrNoCred (MIT: no ccache or no TGT in it), or
// what Heimdal returns instead — GSS_S_FAILURE with ENOENT for a missing
// ccache file, or KRB5_CC_NOTFOUND ("Matching credential not found"),
// which Heimdal also gives for an expired TGT.
var ErrNoTicket = errors.New("ldapgss: no Kerberos ticket")

// com_err codes shared by MIT and Heimdal.
const (
	krb5CCNotFound = 0x96c73a8d // KRB5_CC_NOTFOUND
	krb5FCCNoFile  = 0x96c73ac3 // KRB5_FCC_NOFILE
	errnoENOENT    = 2
)

func noTicket(err error) bool {
	if errors.Is(err, gss.ErrNoCred) {
		return true
	}
	var ge *gss.Error
	if !errors.As(err, &ge) || (ge.Mech != "" && !ge.Mech.IsKerberos()) {
		return false
	}
	return ge.Minor == krb5CCNotFound || ge.Minor == krb5FCCNoFile ||
		(ge.Minor == errnoENOENT && ge.Major.Routine() == gss.StatusFailure)
}

// ErrTicketExpired is matched (errors.Is) by a *BindError caused by an
// expired ticket: gss.ErrCredentialsExpired, or what MIT and Heimdal
// actually return when the KDC refuses an expired TGT — GSS_S_FAILURE with
// the krb5 minor code KRB5KRB_AP_ERR_TKT_EXPIRED.
var ErrTicketExpired = errors.New("ldapgss: Kerberos ticket expired")

// krb5TktExpired is KRB5KRB_AP_ERR_TKT_EXPIRED, the same com_err code in
// MIT and Heimdal.
const krb5TktExpired = 0x96c73a20

func ticketExpired(err error) bool {
	if errors.Is(err, gss.ErrCredentialsExpired) {
		return true
	}
	var ge *gss.Error
	return errors.As(err, &ge) && ge.Minor == krb5TktExpired && (ge.Mech == "" || ge.Mech.IsKerberos())
}

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
