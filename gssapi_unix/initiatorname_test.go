//go:build !windows && cgo

package gssapi_unix

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
)

// TestInitiatorName: the name-only inquiry answers what Inquire answers
// for the initiator, on both sides, and refuses an incomplete context.
func TestInitiatorName(t *testing.T) {
	p := provider(t)
	ini, acc := pair(t, p, targetHTTP)
	for _, c := range []*SecContext{ini, acc} {
		info, err := c.Inquire()
		require.NoError(t, err)
		name, err := c.InitiatorName()
		require.NoError(t, err)
		require.Equal(t, info.InitiatorName, name)
		require.Equal(t, realm.Principal(realm.User), name)
		name, err = gss.InitiatorName(c)
		require.NoError(t, err)
		require.Equal(t, info.InitiatorName, name)
	}
	fresh, err := p.AcceptSecContext()
	require.NoError(t, err)
	defer fresh.Close()
	_, err = fresh.(*SecContext).InitiatorName()
	require.Error(t, err)
	acc.Close()
	_, err = acc.InitiatorName()
	require.ErrorIs(t, err, gss.ErrNoContext)
}
