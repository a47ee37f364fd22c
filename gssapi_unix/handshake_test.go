//go:build !windows && cgo

package gssapi_unix

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/testrealm"
)

// TestKRB5HandshakeEtypes runs a raw krb5 handshake with mutual auth towards
// the service of each lab etype and checks what both sides report.
func TestKRB5HandshakeEtypes(t *testing.T) {
	p := provider(t)
	for _, e := range testrealm.LabEtypes {
		t.Run(e.String(), func(t *testing.T) {
			svc := realm.EtypeService(e)
			ini, acc := pair(t, p, realm.Principal(svc))
			for _, c := range []*SecContext{ini, acc} {
				info, err := c.Inquire()
				require.NoError(t, err)
				assert.Equal(t, gss.MechKRB5, info.Mech, "mech")
				assert.True(t, info.Established)
				assert.Equal(t, c == ini, info.LocallyInitiated)
				assert.Equal(t, realm.Principal(realm.User), info.InitiatorName)
				assert.Equal(t, realm.Principal(svc), info.AcceptorName)
				for _, f := range []gss.Flags{gss.FlagMutual, gss.FlagInteg, gss.FlagConf, gss.FlagSequence, gss.FlagReplay} {
					assert.NotZero(t, info.Flags&f, "flag %v missing from %v", f, info.Flags)
				}
				assert.False(t, info.ExpiresAt.IsZero())
				t.Logf("%s side: session key %v (%s)", map[bool]string{true: "initiator", false: "acceptor"}[c == ini], info.SessionKeyEnctype, info.SessionKeyNote)
				assert.NotEqual(t, gss.EnctypeUnknown, info.SessionKeyEnctype, info.SessionKeyNote)
			}
			roundTrips(t, ini, acc)
			roundTrips(t, acc, ini)
		})
	}
}

// roundTrips checks MIC and wrap from a to b, then that tampering is caught
// (last: a rejected token leaves a gap in b's sequence window).
func roundTrips(t *testing.T, a, b *SecContext) {
	t.Helper()
	msg := []byte("the quick brown fox jumps over the lazy dog")
	mic, err := a.GetMIC(msg)
	require.NoError(t, err)
	require.NoError(t, b.VerifyMIC(msg, mic))
	for _, conf := range []bool{true, false} {
		tok, confState, err := a.Wrap(msg, conf)
		require.NoError(t, err)
		assert.Equal(t, conf, confState)
		out, confState, err := b.Unwrap(tok)
		require.NoError(t, err)
		assert.Equal(t, msg, out)
		assert.Equal(t, conf, confState)
	}

	mic, err = a.GetMIC(msg)
	require.NoError(t, err)
	mic[len(mic)-1] ^= 1
	err = b.VerifyMIC(msg, mic)
	assert.ErrorIs(t, err, gss.ErrBadMIC, "tampered MIC: %v", err)
	for _, conf := range []bool{true, false} {
		tok, _, err := a.Wrap(msg, conf)
		require.NoError(t, err)
		tok[len(tok)-1] ^= 1
		_, _, err = b.Unwrap(tok)
		assert.ErrorIs(t, err, gss.ErrBadMIC, "tampered wrap token (conf=%v): %v", conf, err)
	}
}
