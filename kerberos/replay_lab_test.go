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

	// ReplayCacheOff (replay.NativeCacheDisabler): a credential acquired
	// with it skips the provider's own cache; replay.New then is the only
	// one, and refuses the replay itself.
	p := kerberos.NewProvider()
	off, ok := p.ReplayCacheOff()
	require.True(t, ok)
	cred, err := p.AcquireCredential(nil, []gss.OID{gss.MechKRB5}, gss.CredAcceptOnly, off...)
	require.NoError(t, err)
	init := initiator(t, p, importName(t, p, target, gss.NameHostBasedService))
	apreq, err := init.Continue(nil)
	require.NoError(t, err)
	for range 2 {
		_, err = acceptor(t, p, gss.WithAcceptorCredential(cred)).Continue(apreq)
		assert.NoError(t, err, "own cache off for this credential")
	}
	rp := replay.New(p, nil)
	for i := range 2 {
		acc, err := rp.AcceptSecContext()
		require.NoError(t, err)
		_, err = acc.Continue(apreq)
		acc.Close()
		if i == 0 {
			assert.NoError(t, err)
		} else {
			assert.ErrorIs(t, err, replay.ErrReplay)
		}
	}
}
