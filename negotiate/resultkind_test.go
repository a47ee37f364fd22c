package negotiate_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/gssnego/gssnego/negotiate"
)

// TestResultKindRoundTrip: a verdict's error and an engine failure of the
// same kind name the same Result, whichever way the mapping is read.
func TestResultKindRoundTrip(t *testing.T) {
	assert.NoError(t, negotiate.ResultKind(negotiate.ResultOK))
	assert.Equal(t, negotiate.ResultOK, negotiate.ResultOf(nil))
	assert.Equal(t, "", negotiate.ResultOf(errors.New("other")))
	for _, r := range []string{
		negotiate.ResultMICMissing, negotiate.ResultDowngradeWithoutMIC, negotiate.ResultMICInvalid,
		negotiate.ResultMICUnexpected, negotiate.ResultNoIntegrity, negotiate.ResultRejected,
		negotiate.ResultProtocolError, negotiate.ResultIncomplete,
	} {
		v := negotiate.Verdict{Result: r, Reason: "test"}
		err := v.Err()
		assert.ErrorIs(t, err, negotiate.ResultKind(r), r)
		assert.Equal(t, r, negotiate.ResultOf(err), r)
	}
	assert.ErrorIs(t, negotiate.ResultKind(negotiate.ResultMICDuplicate), negotiate.ErrMICUnexpected)
	assert.ErrorIs(t, negotiate.ResultKind(negotiate.ResultNotSPNEGO), negotiate.ErrProtocol)
	assert.Equal(t, negotiate.ResultRejected, negotiate.ResultOf(negotiate.ErrRejected))
}
