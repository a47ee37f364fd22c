//go:build !windows && cgo && !heimdal

package faults_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/negotiate"
)

// shortLife is the lifetime of the short tickets below: long enough for a
// handshake on a loaded machine, short enough to wait out.
const shortLife = 4 * time.Second

// shortTicket gets a TGT that ends shortLife from now into a fresh ccache
// the process then uses, and returns when it ends.
func shortTicket(t *testing.T, r *testrealm.Realm) time.Time {
	t.Helper()
	cc := "FILE:" + filepath.Join(t.TempDir(), "ccache")
	end := time.Now().Add(shortLife)
	r.KinitArgs(t, r.Principal(r.User), r.Password, cc, "-l", "4s")
	t.Setenv("KRB5CCNAME", cc)
	return end
}

// waitUntil sleeps past t (by a second, for the libraries' whole-second
// clocks). Not a measurement: tickets expire in wall-clock time.
func waitUntil(t time.Time) { time.Sleep(time.Until(t) + 1100*time.Millisecond) }

// TestExpiredTicketAtHandshake: the TGT has expired when a new service
// ticket is needed. The initiator fails before talking to the KDC with
// gss.ErrCredentialsExpired ("credentials expired"): the user must kinit.
func TestExpiredTicketAtHandshake(t *testing.T) {
	r, p := labRealm(t)
	base := runtime.NumGoroutine()
	waitUntil(shortTicket(t, r))
	var cerr error
	timed(t, "handshake with an expired TGT", func() { cerr, _ = handshake(t, p, testrealm.ServiceHTTP+"@"+r.Name) })
	require.Error(t, cerr)
	t.Logf("error: %v", cerr)
	assert.True(t, errorsIsAny(cerr, gss.ErrCredentialsExpired, gss.ErrTicketExpired), "want an expiry error: %v", cerr)
	assert.Contains(t, cerr.Error(), "kinit", "the message says what to do")
	settle(t, base)
}

// TestContextExpiresInUse: a context lives as long as the service ticket;
// per-message calls after that fail with gss.ErrContextExpired on both
// sides, and the contexts still close cleanly. (MIT 1.20 itself would go on
// signing: gssapi_unix enforces the end time.)
func TestContextExpiresInUse(t *testing.T) {
	r, p := labRealm(t)
	// MIT's acceptor adds the clock skew allowance (clockskew, 300 s by
	// default) to its context's lifetime; 1 s keeps the wait short.
	t.Setenv("KRB5_CONFIG", r.WriteConf(t, "clockskew1", "", "clockskew = 1"))
	base := runtime.NumGoroutine()
	end := shortTicket(t, r)
	x := newPair(t, p, testrealm.ServiceHTTP+"@"+r.Name)
	defer x.close()
	cerr, serr := x.run(context.Background())
	require.NoError(t, cerr)
	require.NoError(t, serr)
	info, err := x.cli.Inquire()
	require.NoError(t, err)
	sinfo, err := x.srv.Inquire()
	require.NoError(t, err)
	t.Logf("contexts expire at %v (initiator), %v (acceptor); ticket end ≈ %v", info.ExpiresAt, sinfo.ExpiresAt, end.Round(time.Second))
	require.False(t, info.ExpiresAt.IsZero() || sinfo.ExpiresAt.IsZero(), "both contexts have an end time")
	msg := []byte("before expiry")
	mic, err := x.cli.GetMIC(msg)
	require.NoError(t, err)
	require.NoError(t, x.srv.VerifyMIC(msg, mic))

	waitUntil(info.ExpiresAt)
	if sinfo.ExpiresAt.After(info.ExpiresAt) {
		waitUntil(sinfo.ExpiresAt)
	}
	_, err = x.cli.GetMIC(msg)
	t.Logf("client GetMIC after expiry: %v", err)
	assert.ErrorIs(t, err, gss.ErrContextExpired)
	_, _, err = x.cli.Wrap(msg, true)
	assert.ErrorIs(t, err, gss.ErrContextExpired)
	err = x.srv.VerifyMIC(msg, mic)
	t.Logf("server VerifyMIC after expiry: %v", err)
	assert.ErrorIs(t, err, gss.ErrContextExpired)
	_, err = x.srv.GetMIC(msg)
	assert.ErrorIs(t, err, gss.ErrContextExpired)
	x.close()
	settle(t, base)
}

// TestCCacheReplaced replaces the credential cache file under the running
// process: the next handshake uses what the file holds then (another
// user's TGT: that user authenticates; an empty file: gss.ErrNoCred, with
// a message that says to kinit). Nothing is cached across calls by the
// library for the default credential.
func TestCCacheReplaced(t *testing.T) {
	r, p := labRealm(t)
	base := runtime.NumGoroutine()
	cc := filepath.Join(t.TempDir(), "ccache")
	r.Kinit(t, r.Principal(r.User), r.Password, "FILE:"+cc)
	t.Setenv("KRB5CCNAME", "FILE:"+cc)
	svc := testrealm.ServiceHTTP + "@" + r.Name
	who := func() string {
		x := newPair(t, p, svc)
		defer x.close()
		cerr, serr := x.run(context.Background())
		require.NoError(t, cerr)
		require.NoError(t, serr)
		info, err := x.srv.Inquire()
		require.NoError(t, err)
		return info.InitiatorName
	}
	assert.Equal(t, r.Principal(r.User), who())

	r.AddUser(t, "bob", "bob-Pa55word")
	other := filepath.Join(t.TempDir(), "bob")
	r.Kinit(t, r.Principal("bob"), "bob-Pa55word", "FILE:"+other)
	require.NoError(t, os.Rename(other, cc))
	assert.Equal(t, r.Principal("bob"), who(), "the replaced cache is read by the next handshake")

	require.NoError(t, os.WriteFile(cc+".new", nil, 0o600))
	require.NoError(t, os.Rename(cc+".new", cc))
	var cerr error
	timed(t, "handshake with an emptied ccache", func() { cerr, _ = handshake(t, p, svc) })
	require.Error(t, cerr)
	t.Logf("error: %v", cerr)
	assert.ErrorIs(t, cerr, gss.ErrNoCred)
	assert.ErrorIs(t, cerr, gss.ErrNoTicket)
	assert.ErrorIs(t, cerr, negotiate.ErrNoCommonMech)
	assert.True(t, strings.Contains(cerr.Error(), "kinit"), "the message says what to do: %v", cerr)
	settle(t, base)
}
