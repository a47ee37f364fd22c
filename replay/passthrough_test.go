package replay

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
)

// richContext answers every optional interface of gss with a mark, so a
// wrapper that drops one is seen.
type richContext struct{ gss.SecContext }

func (richContext) InitiatorName() (string, error) { return "alice@EXAMPLE.COM", nil }
func (richContext) InquireAuthz() (*gss.AuthzData, error) {
	return &gss.AuthzData{UserSID: "S-1-5-21-1-2-3-1104"}, nil
}
func (richContext) InquireMech() (*gss.SecContextInfo, error) {
	return &gss.SecContextInfo{Mech: gss.MechKRB5}, nil
}

// TestAcceptorPassesOptionalInterfaces: what a server asks of an accepted
// context beyond gss.SecContext (the initiator-only inquiry httpauth uses,
// the PAC behind -allow-group) reaches the wrapped context through the
// replay cache, and a context refused as a replay answers none of it.
func TestAcceptorPassesOptionalInterfaces(t *testing.T) {
	a := &acceptor{SecContext: richContext{}}
	name, err := gss.InitiatorName(a)
	require.NoError(t, err)
	assert.Equal(t, "alice@EXAMPLE.COM", name)
	az, err := gss.InquireAuthz(a)
	require.NoError(t, err)
	require.NotNil(t, az)
	assert.Equal(t, "S-1-5-21-1-2-3-1104", az.UserSID)
	info, err := gss.InquireMech(a)
	require.NoError(t, err)
	assert.Equal(t, gss.MechKRB5, info.Mech)

	a.failed = true
	_, err = gss.InitiatorName(a)
	assert.Error(t, err)
	_, err = gss.InquireAuthz(a)
	assert.Error(t, err)
	_, err = gss.InquireMech(a)
	assert.Error(t, err)
}
