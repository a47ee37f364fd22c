package sspi

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
)

// TestKerberosDelegation: without ISC_REQ_DELEGATE the acceptor has nothing
// to hand over; with it, the acceptor's DelegatedCredential impersonates the
// context and acquires the client's credential (on a domain member, the
// service must be trusted for delegation).
func TestKerberosDelegation(t *testing.T) {
	l := needLab(t)
	_, acc := handshake(t, l.SPN, krbFlags, nil, nil)
	cred, err := acc.DelegatedCredential()
	require.NoError(t, err)
	assert.Nil(t, cred, "a credential without ISC_REQ_DELEGATE")

	ini, acc := handshake(t, l.SPN, krbFlags|gss.FlagDeleg, nil, nil)
	t.Logf("ISC_RET flags 0x%x, ASC_RET flags 0x%x", ini.retFlags, acc.retFlags)
	_, err = ini.DelegatedCredential()
	assert.ErrorIs(t, err, gss.ErrNoCred)
	if acc.retFlags&ascRetDelegate == 0 {
		skipOnWine(t, "the acceptor reports no ASC_RET_DELEGATE: nothing to hand over")
		t.Skipf("ASC_RET_DELEGATE not set: Windows delegates only to services trusted for delegation; mark %s's account to run this", l.SPN)
	}
	cred, err = acc.DelegatedCredential()
	if err != nil {
		skipOnWine(t, "DelegatedCredential: "+err.Error())
	}
	require.NoError(t, err)
	require.NotNil(t, cred)
	defer cred.Release()
	info, err := cred.Inquire()
	require.NoError(t, err)
	t.Logf("delegated credential: %+v", info)
	again, err := acc.DelegatedCredential()
	require.NoError(t, err)
	assert.Nil(t, again, "handed over twice")
}
