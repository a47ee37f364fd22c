package sshgss

import (
	"errors"
	"fmt"

	"github.com/gssnego/gssnego/gss"
)

// Step names the GSS-API call of an RFC 4462 exchange that failed.
type Step string

// The steps, in the order an exchange runs them. StepInitiate and
// StepContinue are named as in the other adapters (ldapgss, pgxgss,
// mssqlgss) for the same part of an exchange.
const (
	StepAcquireCredential Step = "acquire credential"
	StepImportName        Step = "import target name"
	// StepInitiate is the client's first InitSecContext call: the
	// credential, the service ticket (a KDC round trip) and the AP-REQ. A
	// missing or expired ticket, an unreachable KDC or an unknown service
	// fail here.
	StepInitiate Step = "initial token"
	// StepContinue is a later InitSecContext call: checking the server's
	// token (the AP-REP) and what the completed context granted.
	StepContinue         Step = "server's token"
	StepAcceptSecContext Step = "AcceptSecContext"
	StepGetMIC           Step = "GetMIC"
	StepVerifyMIC        Step = "VerifyMIC"
)

// Error is what every method of Client and Server returns on failure: the
// step, the target or acceptor it concerned, and the cause (a *gss.Error
// or one of this package's sentinels), so errors.Is(err, gss.ErrNoCred),
// errors.Is(err, gss.ErrBadMIC) and errors.As(err, **Error) work through
// x/crypto/ssh's own wrapping ("ssh: handshake failed: %w").
type Error struct {
	Step   Step
	Target string // the client's target ("host@server"), or "" on the server
	Err    error
}

// targetOption is the setting that chose the target, named when the KDC
// does not know it.
const targetOption = "the host given to ssh.GSSAPIWithMICAuthMethod (asked for as host@HOST)"

func (e *Error) Error() string {
	lead, cause, fault := gss.SplitFault(e.Err, e.Target, targetOption)
	s := "sshgss: "
	if fault {
		s += lead + ": "
	}
	s += string(e.Step)
	if e.Target != "" {
		s += " for " + e.Target
	}
	s += ": " + cause
	if h := hint(e.Err, e.Step); h != "" && !fault {
		s += " (" + h + ")"
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Sentinels for misuse and for contexts that cannot protect the login.
var (
	// ErrBusy: a Client or Server was asked to start an exchange while one
	// is in progress. x/crypto/ssh gives these callbacks no connection, so
	// each must serve one connection at a time: make one per connection.
	ErrBusy = errors.New("sshgss: an exchange is already in progress on this Client/Server; use one per SSH connection")
	// ErrNotEstablished: GetMIC or VerifyMIC before the context completed.
	ErrNotEstablished = errors.New("sshgss: no established security context")
	// ErrUnexpectedToken: a peer token came where none can be (the first
	// InitSecContext call, or after the context completed).
	ErrUnexpectedToken = errors.New("sshgss: unexpected token from the peer")
	// ErrWrongMech: the peer's token completed a mechanism other than
	// Kerberos V5, the only one x/crypto/ssh negotiates.
	ErrWrongMech = errors.New("sshgss: the context is not Kerberos V5")
	// ErrNoIntegrity: the context cannot make or check the MIC that binds
	// the login to the SSH session.
	ErrNoIntegrity = errors.New("sshgss: the context has no integrity protection")
	// ErrNoInitiatorName: an established acceptor context did not name the
	// client, so no login can be mapped.
	ErrNoInitiatorName = errors.New("sshgss: the context does not name the client")
)

// hint says what to do about the usual causes.
func hint(err error, step Step) string {
	server := step == StepAcceptSecContext || step == StepVerifyMIC
	switch {
	case errors.Is(err, gss.ErrNoCred) && (server || step == StepAcquireCredential):
		return "no acceptor key for this token: check that the keytab (KRB5_KTNAME or WithKeytab) holds the host/ principal the client asked for"
	case errors.Is(err, gss.ErrNoCred):
		return "no usable Kerberos credential: run kinit, point KRB5CCNAME at a ccache, or pass WithCredential"
	case errors.Is(err, gss.ErrCredentialsExpired), errors.Is(err, gss.ErrContextExpired):
		return "the Kerberos ticket has expired: renew it (kinit)"
	case errors.Is(err, gss.ErrDefectiveToken):
		return "the peer sent a token that is not a valid Kerberos V5 token"
	case errors.Is(err, gss.ErrBadMIC):
		return "the MIC does not match this session and user: tampered with, or made for another session"
	case errors.Is(err, gss.ErrDuplicateToken):
		return "the token was replayed"
	}
	return ""
}

func stepErr(step Step, target string, err error) error {
	return &Error{Step: step, Target: target, Err: err}
}

// detail adds what was seen to a sentinel.
func detail(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)
}
