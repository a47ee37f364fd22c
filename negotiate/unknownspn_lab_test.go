//go:build !windows

package negotiate_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/negotiate"
)

// TestUnknownServiceThroughEngine: the engine's first step towards a
// service the real KDC does not know fails with a message that leads with
// the cause and the fix (naming Config.TargetOption), not with "no common
// mechanism", and still matches the fault, the KDC code and the engine's
// sentinel.
func TestUnknownServiceThroughEngine(t *testing.T) {
	_, p := lab(t)
	// The host-based name reads as the library's principal
	// (HTTP/nosuch.gssnego.test@REALM) or, when the library's text names
	// no principal or another one, as asked for (HTTP@nosuch.gssnego.test).
	for _, tc := range []struct{ name, option, want string }{
		{"HTTP/nosuch.gssnego.test@" + testrealm.Name, "-spn", "HTTP/nosuch.gssnego.test@" + testrealm.Name + " ("},
		{"HTTP@nosuch.gssnego.test", "", "HTTP"},
	} {
		c, err := negotiate.NewClient(target(t, p, tc.name), negotiate.Config{Provider: p, TargetOption: tc.option})
		require.NoError(t, err)
		_, err = c.Continue(nil)
		c.Close()
		require.Error(t, err)
		t.Log(err)
		want := "negotiate: the KDC does not know service " + tc.want
		assert.True(t, strings.HasPrefix(err.Error(), want), "got %s\nwant prefix %s", err, want)
		lead, _, _ := strings.Cut(err.Error(), " (")
		assert.Contains(t, lead, "nosuch.gssnego.test", "the lead names the service asked for")
		if tc.option != "" {
			assert.Contains(t, err.Error(), "or correct the service name with "+tc.option+")")
		}
		assert.NotContains(t, err.Error(), "no common mechanism")
		for _, s := range []error{gss.ErrServiceUnknown, gss.KDCErrServerUnknown, gss.ErrFailure, negotiate.ErrNoCommonMech} {
			assert.ErrorIs(t, err, s)
		}
	}
}

// TestUnknownServiceWithoutOptimisticToken: the same when the mechanism
// starts only after the acceptor chose it (NoOptimisticToken).
func TestUnknownServiceWithoutOptimisticToken(t *testing.T) {
	_, p := lab(t)
	c, err := negotiate.NewClient(target(t, p, "HTTP/nosuch.gssnego.test@"+testrealm.Name), negotiate.Config{Provider: p, NoOptimisticToken: true, TargetOption: "-spn", Mechs: []gss.OID{gss.MechKRB5}})
	require.NoError(t, err)
	defer c.Close()
	s, err := negotiate.NewServer(negotiate.Config{Provider: p})
	require.NoError(t, err)
	defer s.Close()
	tok, err := c.Continue(nil)
	require.NoError(t, err)
	reply, err := s.Continue(tok)
	require.NoError(t, err)
	_, err = c.Continue(reply)
	require.Error(t, err)
	t.Log(err)
	assert.True(t, strings.HasPrefix(err.Error(), "negotiate: the KDC does not know service HTTP/nosuch.gssnego.test@"+testrealm.Name+" ("), "%v", err)
	assert.Contains(t, err.Error(), "with -spn)")
	assert.ErrorIs(t, err, gss.ErrServiceUnknown)
	assert.ErrorIs(t, err, negotiate.ErrRejected)
}
