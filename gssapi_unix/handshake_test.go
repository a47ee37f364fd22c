//go:build !windows && cgo

package gssapi_unix

import (
	"strconv"
	"strings"
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
		// gss-ntlmssp 1.2.0 seals whatever conf says.
		wantConf := conf || a.mech == gss.MechNTLMSSP
		tok, confState, err := a.Wrap(msg, conf)
		require.NoError(t, err)
		assert.Equal(t, wantConf, confState, "wrap conf state")
		out, confState, err := b.Unwrap(tok)
		require.NoError(t, err)
		assert.Equal(t, msg, out)
		assert.Equal(t, wantConf, confState, "unwrap conf state")
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

// TestKRB5SessionKeyEnctype gets a context whose per-message key is of each
// lab etype. The initiator prefers that etype first (testrealm
// PreferEnctypes), so it sends no RFC 4537 enctype list and the acceptor
// keeps the ticket's session key instead of making an aes256-sha1 subkey.
// Each case runs in a child process with KRB5_CONFIG pointing at the
// rewritten krb5.conf (Heimdal reads KRB5_CONFIG once per thread).
func TestKRB5SessionKeyEnctype(t *testing.T) {
	if c := childCase(); c != "" {
		n, err := strconv.Atoi(c)
		require.NoError(t, err)
		e := gss.Enctype(n)
		ini, acc := pair(t, provider(t), realm.Principal(realm.EtypeService(e)))
		for _, c := range []*SecContext{ini, acc} {
			info, err := c.Inquire()
			require.NoError(t, err)
			t.Logf("locally initiated %v: session key %v", info.LocallyInitiated, info.SessionKeyEnctype)
			assert.Equal(t, e, info.SessionKeyEnctype, info.SessionKeyNote)
		}
		assert.Equal(t, e.UsesRFC4121Tokens(), micIsRFC4121(t, ini, acc), "initiator MIC format")
		assert.Equal(t, e.UsesRFC4121Tokens(), micIsRFC4121(t, acc, ini), "acceptor MIC format")
		roundTrips(t, ini, acc)
		roundTrips(t, acc, ini)
		return
	}
	needRealm(t)
	for _, e := range testrealm.LabEtypes {
		t.Run(e.String(), func(t *testing.T) {
			conf := realm.PreferEnctypes(t, e)
			if implementation == "Heimdal" {
				conf = realm.RestrictEnctypes(t, e) // Heimdal sends its RFC 4537 list whatever comes first
			}
			out := runChild(t, strconv.Itoa(int(e)), "KRB5_CONFIG="+conf)
			for _, l := range strings.Split(out, "\n") {
				if strings.Contains(l, "session key") {
					t.Log(strings.TrimSpace(l))
				}
			}
		})
	}
}

// micIsRFC4121 reports whether a's MIC tokens are RFC 4121 ones (04 04);
// peer verifies the MIC so that sequence windows stay in step.
func micIsRFC4121(t *testing.T, a, peer *SecContext) bool {
	mic, err := a.GetMIC([]byte("x"))
	require.NoError(t, err)
	require.NoError(t, peer.VerifyMIC([]byte("x"), mic))
	return len(mic) > 2 && mic[0] == 0x04 && mic[1] == 0x04
}
