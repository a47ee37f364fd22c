package sspi

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
)

// TestKerberosAuthz: the acceptor's access token names the client. Wine
// 8.0's secur32 answers QuerySecurityContextToken with
// SEC_E_UNSUPPORTED_FUNCTION (0x80090302): that is checked, and the rest
// skips under Wine.
func TestKerberosAuthz(t *testing.T) {
	l := needLab(t)
	ini, acc := handshake(t, l.SPN, krbFlags, nil, nil)
	defer ini.Close()
	defer acc.Close()
	a, err := gss.InquireAuthz(acc)
	if IsWine() {
		require.ErrorIs(t, err, gss.ErrUnavailable)
		assert.Contains(t, err.Error(), "0x80090302")
		assert.Nil(t, a)
		t.Skipf("Wine %s: QuerySecurityContextToken is SEC_E_UNSUPPORTED_FUNCTION, no access token for an SSPI context: %v", WineVersion(), err)
	}
	require.NoError(t, err)
	require.NotNil(t, a)
	assert.True(t, a.Verified)
	assert.NotEmpty(t, a.UserSID)
	assert.NotEmpty(t, a.GroupSIDs)
	_, err = gss.InquireAuthz(ini)
	assert.ErrorIs(t, err, gss.ErrNoContext)
}
