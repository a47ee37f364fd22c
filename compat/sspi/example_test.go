package sspi_test

import (
	"errors"
	"fmt"

	"github.com/gssnego/gssnego/compat/sspi"
	"github.com/gssnego/gssnego/gss"
)

// Errors carry the SEC_E_* code Windows would give, for errors.Is, and
// gssnego's cause, for errors.As and the message.
func ExampleStatusOf() {
	cause := fmt.Errorf("verifying the client's signature: %w", gss.ErrBadMIC)
	err := &sspi.Error{Op: "negotiate.ServerContext.VerifySignature", Status: sspi.StatusOf(cause), Err: cause}
	fmt.Println(errors.Is(err, sspi.SEC_E_MESSAGE_ALTERED), errors.Is(err, gss.ErrBadMIC))
	fmt.Println(sspi.StatusName(err.Status))
	// Output:
	// true true
	// SEC_E_MESSAGE_ALTERED
}
