package sspi

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
)

// TestKerberosAuthz: the acceptor's access token names the client. Under
// Wine, whose secur32 has no access tokens for SSPI contexts, the call's
// answer is recorded and the test skips with it.
func TestKerberosAuthz(t *testing.T) {
	l := needLab(t)
	ini, acc := handshake(t, l.SPN, krbFlags, nil, nil)
	defer ini.Close()
	defer acc.Close()
	a, err := gss.InquireAuthz(acc)
	if IsWine() {
		t.Skipf("Wine %s: QuerySecurityContextToken gives %+v, %v (no access token for an SSPI context)", WineVersion(), a, err)
	}
	require.NoError(t, err)
	require.NotNil(t, a)
	assert.True(t, a.Verified)
	assert.NotEmpty(t, a.UserSID)
	assert.NotEmpty(t, a.GroupSIDs)
	_, err = gss.InquireAuthz(ini)
	assert.ErrorIs(t, err, gss.ErrNoContext)
}
