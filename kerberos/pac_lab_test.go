//go:build !windows

package kerberos_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/kerberos"
)

// TestPureGoAuthzNoPAC: a ticket from the MIT KDC has no PAC; the pure-Go
// acceptor answers nil, nil.
func TestPureGoAuthzNoPAC(t *testing.T) {
	r := testrealm.Shared(t)
	p := kerberos.NewProvider()
	init := initiator(t, p, importName(t, p, hostOf(r, gss.EnctypeAES256SHA1), gss.NameHostBasedService))
	acc := acceptor(t, p)
	rawHandshake(t, init, acc)
	a, err := gss.InquireAuthz(acc)
	require.NoError(t, err)
	assert.Nil(t, a)
	_, err = gss.InquireAuthz(init)
	assert.ErrorIs(t, err, gss.ErrNoContext)
}
