//go:build !windows && cgo && !heimdal

package faults_test

import (
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/negotiate"
)

// TestKDCStoppedAndRestarted stops the KDC in the middle of a run: a
// service whose ticket is cached still works, a new one fails with
// gss.ErrKDCUnreachable (and still negotiate.ErrNoCommonMech) and a message
// that leads with the cause; after a restart on the same port the new
// service works without any action in the client process.
func TestKDCStoppedAndRestarted(t *testing.T) {
	r, p := labRealm(t)
	base := runtime.NumGoroutine()
	cached := testrealm.ServiceHTTP + "@" + r.Name
	fresh := testrealm.ServiceHost + "@" + r.Name
	cerr, serr := handshake(t, p, cached)
	require.NoError(t, cerr)
	require.NoError(t, serr)

	r.StopKDC()
	cerr, serr = handshake(t, p, cached)
	assert.NoError(t, cerr, "a cached service ticket needs no KDC")
	assert.NoError(t, serr)
	timed(t, "new service ticket with the KDC stopped", func() { cerr, _ = handshake(t, p, fresh) })
	require.Error(t, cerr)
	t.Logf("error: %v", cerr)
	assert.ErrorIs(t, cerr, gss.ErrKDCUnreachable)
	assert.ErrorIs(t, cerr, negotiate.ErrNoCommonMech, "the old sentinel still matches")
	assert.True(t, strings.HasPrefix(cerr.Error(), "negotiate: "+gss.ErrKDCUnreachable.Text()+": "), "the cause leads: %v", cerr)

	r.StartKDC(t)
	timed(t, "first handshake after the KDC restarted", func() { cerr, serr = handshake(t, p, fresh) })
	assert.NoError(t, cerr)
	assert.NoError(t, serr)
	settle(t, base)
}

// TestKeyRotation rotates a service's key: with old and new keys in the
// keytab (what every rotation goes through) tickets of both versions are
// accepted; with only the old key, a ticket of the new version fails on
// the server with gss.ErrKeytabKeyVersion and the client is told the
// server refused.
func TestKeyRotation(t *testing.T) {
	r, p := labRealm(t)
	base := runtime.NumGoroutine()
	const svc = "HTTP/rotate.gssnego.test"
	r.AddService(t, svc)
	name := svc + "@" + r.Name
	cerr, serr := handshake(t, p, name) // caches a kvno 1 ticket
	require.NoError(t, cerr)
	require.NoError(t, serr)

	r.RotateKey(t, svc)
	r.ExportKey(t, svc, r.Keytab) // the keytab now has kvno 1 and 2
	cerr, serr = handshake(t, p, name)
	assert.NoError(t, cerr, "old ticket, old and new keys in the keytab")
	assert.NoError(t, serr)
	fresh := "FILE:" + t.TempDir() + "/ccache"
	r.Kinit(t, r.Principal(r.User), r.Password, fresh)
	t.Setenv("KRB5CCNAME", fresh)
	cerr, serr = handshake(t, p, name) // a kvno 2 ticket
	assert.NoError(t, cerr, "new ticket, old and new keys in the keytab")
	assert.NoError(t, serr)

	r.RotateKey(t, svc) // kvno 3, not exported: the keytab has only older keys
	fresh = "FILE:" + t.TempDir() + "/ccache"
	r.Kinit(t, r.Principal(r.User), r.Password, fresh)
	t.Setenv("KRB5CCNAME", fresh)
	timed(t, "handshake with a ticket newer than the keytab", func() { cerr, serr = handshake(t, p, name) })
	require.Error(t, serr)
	t.Logf("server error: %v", serr)
	t.Logf("client error: %v", cerr)
	assert.ErrorIs(t, serr, gss.ErrKeytabKeyVersion)
	assert.True(t, strings.HasPrefix(serr.Error(), "negotiate: "+gss.ErrKeytabKeyVersion.Text()+": "), "the cause leads: %v", serr)
	assert.ErrorIs(t, cerr, negotiate.ErrRejected, "the client sees the server's reject")
	assert.ErrorIs(t, cerr, gss.ErrKeytabKeyVersion, "the server's KRB-ERROR reaches the client")
	settle(t, base)
}
