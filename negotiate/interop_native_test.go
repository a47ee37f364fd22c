//go:build !windows

package negotiate_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/negotiate"
)

// TestInteropNativeAcceptor: our initiator against the backend's own SPNEGO (MIT, or Heimdal with -tags heimdal)
// acceptor (the spnego mech through the same provider), every lab etype.
func TestInteropNativeAcceptor(t *testing.T) {
	needNativeSPNEGO(t)
	forEachEtype(t, func(t *testing.T, r *testrealm.Realm, p gss.Provider, e gss.Enctype) {
		client := newClient(t, target(t, p, r.EtypeService(e)+"@"+r.Name), negotiate.Config{Provider: p})
		server, err := p.AcceptSecContext()
		require.NoError(t, err)
		defer server.Close()
		tokens := handshake(t, client, server)
		established(t, client)
		assert.False(t, server.ContinueNeeded())
		assert.Len(t, tokens, 2, "MIT takes the optimistic token and completes in one round")
		info, err := server.Inquire()
		require.NoError(t, err)
		assert.Equal(t, r.Principal(r.User), info.InitiatorName)
		perMessage(t, client, server)
	})
}

// TestInteropNativeInitiator: the backend's own SPNEGO (MIT, or Heimdal with -tags heimdal) initiator against our
// acceptor.
func TestInteropNativeInitiator(t *testing.T) {
	needNativeSPNEGO(t)
	forEachEtype(t, func(t *testing.T, r *testrealm.Realm, p gss.Provider, e gss.Enctype) {
		client, err := p.InitSecContext(target(t, p, r.EtypeService(e)+"@"+r.Name),
			gss.WithMech(gss.MechSPNEGO), gss.WithFlags(gss.FlagMutual|gss.FlagInteg|gss.FlagConf))
		require.NoError(t, err)
		defer client.Close()
		server := newServer(t, negotiate.Config{Provider: p})
		tokens := handshake(t, client, server)
		established(t, server)
		assert.False(t, client.ContinueNeeded())
		require.Len(t, tokens, 2)
		first := parse(t, tokens[0])
		assert.Equal(t, gss.MechKRB5, first.MechTypes[0])
		assert.NotNil(t, first.MechToken)
		info, err := server.Inquire()
		require.NoError(t, err)
		assert.Equal(t, r.Principal(r.User), info.InitiatorName)
		perMessage(t, client, server)
	})
}

// TestInteropNativeAcceptorExtraLeg documents a real disagreement: when
// our initiator withholds the optimistic token, the native acceptor (MIT and Heimdal alike) completes
// the Kerberos leg without a mechListMIC (it only requires one after
// request-mic). The Windows profile requires it for AES keys, so our
// initiator refuses; the RFC 4178 profile accepts.
func TestInteropNativeAcceptorExtraLeg(t *testing.T) {
	needNativeSPNEGO(t)
	for _, tc := range []struct {
		profile negotiate.Profile
		wantErr error
	}{
		{negotiate.ProfileWindows, negotiate.ErrMICMissing},
		{negotiate.ProfileRFC4178, nil},
	} {
		t.Run(tc.profile.String(), func(t *testing.T) {
			r, p := lab(t)
			client, err := negotiate.NewClient(target(t, p, testrealm.ServiceHTTP+"@"+r.Name), negotiate.Config{
				Provider: p, Profile: tc.profile, NoOptimisticToken: true,
			})
			require.NoError(t, err)
			defer client.Close()
			server, err := p.AcceptSecContext()
			require.NoError(t, err)
			defer server.Close()
			_, cerr, serr := exchange(client, server)
			require.NoError(t, serr)
			if tc.wantErr != nil {
				require.ErrorIs(t, cerr, tc.wantErr)
				assert.Contains(t, cerr.Error(), negotiate.RuleExtraLegNewEnctype)
				assert.True(t, client.ContinueNeeded() || cerr != nil)
				_, err := client.GetMIC([]byte("x"))
				assert.Error(t, err, "a failed context must not be usable")
				return
			}
			require.NoError(t, cerr)
			established(t, client)
		})
	}
}
