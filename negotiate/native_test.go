//go:build !windows

package negotiate_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	testlab "github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/negotiate"
)

// TestNativeMode: the backend's own SPNEGO makes the tokens, the wrapper
// inspects them. Native↔native and native↔engine complete with an "ok"
// verdict; the MICs native SPNEGO exchanged are reported unchecked.
func TestNativeMode(t *testing.T) {
	r, p := lab(t)
	testlab.NeedMech(t, p, gss.MechSPNEGO)
	name := target(t, p, testrealm.ServiceHTTP+"@"+r.Name)
	t.Run("native-native", func(t *testing.T) {
		c, err := negotiate.NewNativeClient(name, negotiate.Config{Provider: p})
		require.NoError(t, err)
		defer c.Close()
		s, err := negotiate.NewNativeServer(negotiate.Config{Provider: p})
		require.NoError(t, err)
		defer s.Close()
		handshake(t, c, s)
		assert.Equal(t, negotiate.ResultOK, c.Transcript().Verdict.Result)
		assert.Equal(t, negotiate.ResultOK, s.Transcript().Verdict.Result)
		perMessage(t, c, s)
	})
	t.Run("native-engine-strict", func(t *testing.T) {
		c, err := negotiate.NewNativeClient(name, negotiate.Config{Provider: p, Profile: negotiate.ProfileStrict})
		require.NoError(t, err)
		defer c.Close()
		s := newServer(t, negotiate.Config{Provider: p, Profile: negotiate.ProfileStrict})
		tokens := handshake(t, c, s)
		// Our strict acceptor sends its MIC with the AP-REP; MIT's initiator
		// verifies it and answers with its own (RFC 4178 §5).
		require.Len(t, tokens, 3)
		v := c.Transcript().Verdict
		assert.Equal(t, negotiate.ResultOK, v.Result, v.Reason)
		assert.Equal(t, negotiate.MICUnchecked, v.Acceptor.Check, "native mode cannot check validity")
		assert.True(t, s.Record().MICReceived)
		perMessage(t, c, s)
	})
	// The native acceptor completes the extra Kerberos leg without a MIC;
	// the Windows profile requires one for AES, so native mode refuses too.
	t.Run("engine-native-extra-leg", func(t *testing.T) {
		c := newClient(t, name, negotiate.Config{Provider: p, Profile: negotiate.ProfileRFC4178, NoOptimisticToken: true})
		s, err := negotiate.NewNativeServer(negotiate.Config{Provider: p})
		require.NoError(t, err)
		defer s.Close()
		_, cerr, serr := exchange(c, s)
		require.NoError(t, cerr)
		require.ErrorIs(t, serr, negotiate.ErrMICMissing)
		assert.Contains(t, serr.Error(), "extra-leg")
		_, err = s.GetMIC([]byte("x"))
		assert.Error(t, err, "a refused native context is not usable")
	})
}
