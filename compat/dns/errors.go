package dnsgss

import (
	"errors"
	"fmt"

	"github.com/miekg/dns"

	"github.com/gssnego/gssnego/gss"
)

// Step names the part of a GSS-TSIG exchange that failed.
type Step string

// Client steps, in the order they run. StepInitiate and StepContinue carry
// the names the other adapters (ldapgss, pgxgss, sshgss) use for the same
// part of an exchange.
const (
	// StepInitiate builds the first token: a service ticket for DNS/server.
	// A missing or expired ticket, an unreachable KDC and a DNS server the
	// KDC does not know fail here (errors.Is gss.ErrNoTicket,
	// gss.ErrKDCUnreachable, gss.ErrServiceUnknown …).
	StepInitiate Step = "initial token"
	// StepTKEY is the server's answer to a TKEY query: an error rcode
	// (REFUSED, NOTIMP: no GSS-TSIG configured) or a TKEY error field
	// (BADKEY: the server could not accept our token; BADALG).
	StepTKEY Step = "TKEY negotiation"
	// StepContinue checks a token from the server's TKEY answer (the
	// AP-REP, or a SPNEGO reply).
	StepContinue Step = "server's token"
	// StepVerify checks the TSIG of a server's message with the new
	// context: the last TKEY answer and every signed reply.
	StepVerify Step = "reply signature"
	// StepSign is the GSS GetMIC of one of our messages.
	StepSign Step = "signing"
	// StepReply is the server's answer to a signed message: a TSIG error
	// (BADKEY, BADSIG, BADTIME in TSIGError) or a refusal (REFUSED,
	// NOTAUTH: the update policy does not allow the signer this name).
	StepReply Step = "server's reply"
	// StepTransport is the TCP connection to the server.
	StepTransport Step = "connection"
)

// Error is a failed GSS-TSIG exchange. Err is the cause: a *gss.Error (the
// Kerberos faults gss.ErrNoTicket, gss.ErrKDCUnreachable,
// gss.ErrServiceUnknown … match with errors.Is), a *TSIGError, a
// *RcodeError, ErrUnsigned or a network error. A cause with a gss.Fault
// leads the message, with what to do.
type Error struct {
	Step   Step
	Server string // host:port
	Target string // the GSS target name (DNS@host)
	Err    error
}

const targetOption = "WithTarget (DNS@HOST, the DNS server's host name as the KDC knows it)"

func (e *Error) Error() string {
	lead, cause, fault := gss.SplitFault(e.Err, e.Target, targetOption)
	msg := "dnsgss: "
	if fault {
		msg += lead + ": "
	}
	msg += fmt.Sprintf("GSS-TSIG with %s (%s) failed at the %s: %s", e.Server, e.Target, e.Step, cause)
	if !fault {
		if fix := fixFor(e.Err); fix != "" {
			msg += " (" + fix + ")"
		}
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

func fixFor(err error) string {
	var te *TSIGError
	var re *RcodeError
	switch {
	case errors.As(err, &te):
		return te.fix()
	case errors.As(err, &re):
		return re.fix()
	case errors.Is(err, ErrUnsigned):
		return "the server answered a signed message without a signature: is it configured for GSS-TSIG (BIND: tkey-gssapi-keytab; Samba: the internal DNS server)?"
	case errors.Is(err, gss.ErrNoCred):
		return "get a ticket with kinit, or pass WithCredential"
	case errors.Is(err, gss.ErrBadMIC):
		return "the message was changed on the way, or the server signs with another context"
	}
	return ""
}

// TSIGError is a TSIG error the server set in its reply (RFC 8945 §5.3):
// the rcode NOTAUTH with BADSIG, BADKEY or BADTIME in the TSIG record, or a
// TKEY error field.
type TSIGError struct {
	Code uint16 // dns.RcodeBadSig, dns.RcodeBadKey, dns.RcodeBadTime, dns.RcodeBadAlg …
	In   string // "TSIG" or "TKEY"
}

func (e *TSIGError) Error() string {
	return fmt.Sprintf("the server's %s error is %s", e.In, rcodeName(int(e.Code)))
}

// Is lets errors.Is(err, ErrBadKey) (and ErrBadSig, ErrBadTime) match.
func (e *TSIGError) Is(target error) bool {
	t, ok := target.(*TSIGError)
	return ok && t.Code == e.Code && (t.In == "" || t.In == e.In)
}

func (e *TSIGError) fix() string {
	switch e.Code {
	case dns.RcodeBadKey:
		if e.In == "TKEY" {
			return "the server could not accept our GSS token: does its keytab hold the key of DNS/HOST at the ticket's kvno?"
		}
		return "the server does not know the key name: it restarted or expired the context; Client renegotiates once by itself"
	case dns.RcodeBadSig:
		return "the server could not verify our MIC: the message was changed on the way or replayed"
	case dns.RcodeBadTime:
		return "the clocks of this host and the server differ by more than the fudge (300 s): synchronise them"
	case dns.RcodeBadAlg:
		return "the server does not support this algorithm name: try WithAlgorithm(AlgMicrosoft) for Windows, AlgGSSTSIG elsewhere"
	case dns.RcodeBadMode:
		return "the server does not support TKEY mode 3 (GSS-API)"
	}
	return ""
}

// Errors to match with errors.Is against a *Error.
var (
	ErrBadKey  error = &TSIGError{Code: dns.RcodeBadKey}
	ErrBadSig  error = &TSIGError{Code: dns.RcodeBadSig}
	ErrBadTime error = &TSIGError{Code: dns.RcodeBadTime}
	ErrBadAlg  error = &TSIGError{Code: dns.RcodeBadAlg}
	// ErrUnsigned: a reply to a signed message carries no TSIG (or, on a
	// Server, a request that must be signed is not).
	ErrUnsigned = errors.New("dnsgss: message not signed")
	// ErrMalformed is matched by every *FormatError.
	ErrMalformed = errors.New("dnsgss: malformed message")
)

// RcodeError is a server's refusal: REFUSED (update policy), NOTAUTH,
// NOTIMP (no TKEY support), SERVFAIL …
type RcodeError struct {
	Rcode int
}

func (e *RcodeError) Error() string { return "the server answered " + rcodeName(e.Rcode) }

func (e *RcodeError) fix() string {
	switch e.Rcode {
	case dns.RcodeRefused:
		return "the zone's update policy does not allow this signer this name (BIND: update-policy; AD: the record's ACL), or the zone is not served there"
	case dns.RcodeNotImplemented:
		return "the server does not implement TKEY/GSS-TSIG"
	case dns.RcodeNotAuth:
		return "the server is not authoritative for the zone, or rejected the signature"
	}
	return ""
}

// FormatError is a message from the server that breaks RFC 2930/3645.
type FormatError struct {
	Where  string
	Reason string
}

func (e *FormatError) Error() string { return "dnsgss: malformed " + e.Where + ": " + e.Reason }

// Is makes errors.Is(err, ErrMalformed) true.
func (e *FormatError) Is(target error) bool { return target == ErrMalformed }

func rcodeName(c int) string {
	if s, ok := dns.RcodeToString[c]; ok {
		return s
	}
	return fmt.Sprintf("rcode %d", c)
}
