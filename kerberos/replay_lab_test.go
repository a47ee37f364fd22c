//go:build !windows

package kerberos_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/kerberos"
	"github.com/gssnego/gssnego/replay"
)

// TestPureGoSharedReplayStore: two providers (two instances of a service)
// with one replay.Store: an AP-REQ accepted by one is refused by the other;
// with their own caches the second accepts it (the per-instance limit).
func TestPureGoSharedReplayStore(t *testing.T) {
	r := testrealm.Shared(t)
	target := hostOf(r, gss.EnctypeAES256SHA1)
	run := func(share bool) error {
		a, b := kerberos.NewProvider(), kerberos.NewProvider()
		if share {
			s := replay.NewMemory(0)
			a.SetReplayStore(s)
			b.SetReplayStore(s)
		}
		init := initiator(t, a, importName(t, a, target, gss.NameHostBasedService))
		apreq, err := init.Continue(nil)
		require.NoError(t, err)
		_, err = acceptor(t, a).Continue(apreq)
		require.NoError(t, err)
		_, err = acceptor(t, b).Continue(apreq)
		return err
	}
	assert.NoError(t, run(false), "separate caches: the replay to the other instance passes")
	err := run(true)
	assert.ErrorIs(t, err, gss.ErrDuplicateToken)
}
