package mssqlgss

import (
	"errors"
	"fmt"
)

// Steps named by Error.Step.
const (
	StepConfig       = "parse connection string"
	StepCredentials  = "acquire credentials"
	StepTarget       = "import SPN"
	StepInitialBytes = "InitialBytes"
	StepNextBytes    = "NextBytes"
)

// ErrFreed is returned by InitialBytes and NextBytes after Free.
var ErrFreed = errors.New("mssqlgss: authenticator used after Free")

// ErrConfig is wrapped by errors about the connection string's parameters.
var ErrConfig = errors.New("mssqlgss: invalid connection string parameter")

// Error is every failure of the authenticator: the step, the SPN the
// login was for, which server token (1 = the first SSPI message from the
// server; 0 for steps before the first token) and the cause.
type Error struct {
	Step  string
	SPN   string
	Token int
	Err   error
}

func (e *Error) Error() string {
	where := e.Step
	if e.Token > 0 {
		where += fmt.Sprintf(" (server token %d)", e.Token)
	}
	if e.SPN != "" {
		where += " for " + e.SPN
	}
	return "mssqlgss: " + where + ": " + e.Err.Error()
}

// Unwrap returns the cause, for errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

var (
	errTwice      = errors.New("mssqlgss: InitialBytes called twice; go-mssqldb uses one authenticator per login")
	errNotStarted = errors.New("mssqlgss: NextBytes before InitialBytes")
)
