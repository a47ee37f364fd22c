//go:build !windows && cgo

package gssapi_unix

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
)

// TestAuthzNoPACFromMITKDC: an MIT KDC issues no PAC; InquireAuthz says so
// with nil, nil (an answer, not an error). The initiator side has no
// authorization data to tell.
func TestAuthzNoPACFromMITKDC(t *testing.T) {
	needRealm(t)
	p := provider(t)
	ini, acc := pair(t, p, targetHTTP, gss.WithMech(gss.MechKRB5))
	a, err := gss.InquireAuthz(acc)
	require.NoError(t, err)
	assert.Nil(t, a, "no PAC from an MIT KDC")
	_, err = gss.InquireAuthz(ini)
	assert.ErrorIs(t, err, gss.ErrNoContext)
}
