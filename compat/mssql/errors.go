package mssqlgss

import (
	"errors"
	"fmt"

	"github.com/gssnego/gssnego/gss"
)

// Step names the part of a login that failed.
type Step string

// Steps named by Error.Step. StepAcquireCredential, StepImportName,
// StepInitiate and StepContinue are named as in the other adapters
// (ldapgss, pgxgss, sshgss) for the same part of an exchange.
const (
	// StepConfig checks the connection string's parameters.
	StepConfig Step = "parse connection string"
	// StepAcquireCredential acquires what the connection string names (a
	// password, krb5-credcachefile, krb5-keytabfile); a cache without a
	// ticket fails here.
	StepAcquireCredential Step = "acquire credential"
	// StepImportName imports ServerSPN.
	StepImportName Step = "import target name"
	// StepInitiate is InitialBytes: the first SPNEGO token, with the
	// service ticket (a KDC round trip). A missing or expired ticket in the
	// default cache, an unreachable KDC or an unknown service fail here.
	StepInitiate Step = "initial token"
	// StepContinue is NextBytes: the server's SSPI messages.
	StepContinue Step = "server's token"
)

// The names these steps had.
//
// Deprecated: use StepAcquireCredential, StepImportName, StepInitiate and
// StepContinue.
const (
	StepCredentials  = StepAcquireCredential
	StepTarget       = StepImportName
	StepInitialBytes = StepInitiate
	StepNextBytes    = StepContinue
)

// ErrFreed is returned by InitialBytes and NextBytes after Free.
var ErrFreed = errors.New("mssqlgss: authenticator used after Free")

// ErrConfig is wrapped by errors about the connection string's parameters.
var ErrConfig = errors.New("mssqlgss: invalid connection string parameter")

// Error is every failure of the authenticator: the step, the SPN the
// login was for, which server token (1 = the first SSPI message from the
// server; 0 for steps before the first token) and the cause. A cause with
// a gss.Fault (no ticket, an unreachable KDC, a service the KDC does not
// know …) leads the message, with what to do.
type Error struct {
	Step   Step
	Target string // the SPN (ServerSPN, or MSSQLSvc/host:port by default)
	Token  int
	Err    error
}

// targetOption is the setting that chose the target, named when the KDC
// does not know it.
const targetOption = "ServerSPN in the connection string"

func (e *Error) Error() string {
	lead, cause, fault := gss.SplitFault(e.Err, e.Target, targetOption)
	where := string(e.Step)
	if e.Token > 0 {
		where += fmt.Sprintf(" (server token %d)", e.Token)
	}
	if e.Target != "" {
		where += " for " + e.Target
	}
	if fault {
		return "mssqlgss: " + lead + ": " + where + ": " + cause
	}
	return "mssqlgss: " + where + ": " + cause
}

// Unwrap returns the cause, for errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

var (
	errTwice      = errors.New("mssqlgss: InitialBytes called twice; go-mssqldb uses one authenticator per login")
	errNotStarted = errors.New("mssqlgss: NextBytes before InitialBytes")
)
