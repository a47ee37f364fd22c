package gss

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestKDCErrorMatching(t *testing.T) {
	// MIT's text for KRB5KDC_ERR_BADOPTION, minor 0x96c73a0d.
	e := NewError("gss_init_sec_context", StatusFailure, KDCErrBadOption.Minor(), MechKRB5, "KDC can't fulfill requested option")
	assert.Equal(t, uint32(0x96c73a0d), e.Minor)
	assert.ErrorIs(t, fmt.Errorf("wrapped: %w", e), KDCErrBadOption)
	assert.NotErrorIs(t, e, KDCErrPolicy)
	assert.ErrorIs(t, e, ErrFailure, "routine sentinels still match")
	k, ok := KDCErrorOf(e)
	assert.True(t, ok)
	assert.Equal(t, KDCErrBadOption, k)

	for _, other := range []error{
		NewError("x", StatusFailure, 0x025ea100, MechKRB5, ""),                 // a gss-krb5 table code
		NewError("x", StatusFailure, KDCErrBadOption.Minor(), MechNTLMSSP, ""), // same number, another mech
		NewError("x", StatusFailure, 0x80090311, "", ""),                       // an SSPI SECURITY_STATUS
		fmt.Errorf("not a gss error"),
	} {
		_, ok := KDCErrorOf(other)
		assert.False(t, ok, "%v", other)
		assert.NotErrorIs(t, other, KDCErrBadOption)
	}
	assert.Contains(t, KDCErrBadOption.Error(), "13")
}

type plainCtx struct{ SecContext }
type plainCred struct{ Credential }
type plainProvider struct{ Provider }

func (plainProvider) Name() string { return "plain" }

func TestDelegationUnsupportedBackends(t *testing.T) {
	_, err := DelegatedCredential(plainCtx{})
	assert.ErrorIs(t, err, ErrUnavailable)
	assert.ErrorIs(t, StoreCredential(plainCred{}, "FILE:/nonexistent"), ErrUnavailable)
	_, err = AcquireImpersonatedCredential(plainProvider{}, plainCred{}, nil, time.Hour)
	assert.ErrorIs(t, err, ErrUnavailable)
	assert.ErrorContains(t, err, "S4U2Self")
}
