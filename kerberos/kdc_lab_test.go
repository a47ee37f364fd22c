//go:build !windows

package kerberos_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/kerberos"
)

// TestPureGoExpiredTicket: tickets past their end time, as MIT's kinit
// wrote them, are refused with gss.ErrTicketExpired on both sides.
func TestPureGoExpiredTicket(t *testing.T) {
	r := testrealm.Shared(t)
	t.Run("Initiator", func(t *testing.T) {
		// A 2-second TGT from kinit, waited out: the initiator refuses it
		// before asking the KDC for a service ticket (MIT's KDC would still
		// forgive it for the clock skew; the user has to kinit either way).
		cc := "FILE:" + filepath.Join(t.TempDir(), "short")
		r.KinitArgs(t, r.Principal(r.User), r.Password, cc, "-l", "2s")
		t.Setenv("KRB5CCNAME", cc)
		time.Sleep(3100 * time.Millisecond)
		p := kerberos.NewProvider()
		init := initiator(t, p, importName(t, p, "HTTP@localhost", gss.NameHostBasedService))
		_, err := init.Continue(nil)
		assert.ErrorIs(t, err, gss.ErrTicketExpired, "%v", err)
		assert.Contains(t, err.Error(), "kinit", "the message says what to do")
	})
	t.Run("Acceptor", func(t *testing.T) {
		// A service ticket that ends 30 s after it was issued, presented
		// to an acceptor whose clock is 6 minutes ahead: the ticket ended
		// longer ago than clockskew (300 s) forgives, while the
		// authenticator's time would only be checked after the ticket's.
		cc := "FILE:" + filepath.Join(t.TempDir(), "short")
		r.KinitArgs(t, r.Principal(r.User), r.Password, cc, "-l", "30s")
		t.Setenv("KRB5CCNAME", cc)
		p := kerberos.NewProvider()
		init := initiator(t, p, importName(t, p, "HTTP@localhost", gss.NameHostBasedService))
		apreq, err := init.Continue(nil)
		require.NoError(t, err)
		late := kerberos.NewProvider()
		kerberos.SetClockOffset(late, 6*time.Minute)
		out, err := acceptor(t, late).Continue(apreq)
		assert.ErrorIs(t, err, gss.ErrTicketExpired, "%v", err)
		require.NotEmpty(t, out, "a KRB-ERROR token for the initiator")
		_, ierr := init.Continue(out)
		assert.ErrorIs(t, ierr, gss.ErrTicketExpired, "initiator, from the KRB-ERROR: %v", ierr)
	})
}

// TestPureGoKDCStoppedAndRestarted: the realm's real KDC stopped (its port
// refuses at once, TCP and UDP) fails a password login and a service
// ticket with gss.ErrKDCUnreachable without waiting; started again on the
// same port, the same provider and credential recover without a restart.
func TestPureGoKDCStoppedAndRestarted(t *testing.T) {
	r := testrealm.Start(t)
	r.Setenv(t)
	p := kerberos.NewProvider()
	user := importName(t, p, r.Principal(r.User), gss.NameKerberosPrincipal)
	cred, err := p.AcquireCredential(user, nil, gss.CredInitiateOnly, gss.WithPassword(r.Password))
	require.NoError(t, err)
	defer cred.Release()

	r.StopKDC()
	start := time.Now()
	_, err = p.AcquireCredential(user, nil, gss.CredInitiateOnly, gss.WithPassword(r.Password))
	assert.ErrorIs(t, err, gss.ErrKDCUnreachable, "%v", err)
	init := initiator(t, p, importName(t, p, "HTTP@localhost", gss.NameHostBasedService), gss.WithInitiatorCredential(cred))
	_, err = init.Continue(nil)
	assert.ErrorIs(t, err, gss.ErrKDCUnreachable, "service ticket: %v", err)
	assert.Less(t, time.Since(start), 2*time.Second, "a refused port fails at once")

	r.StartKDC(t)
	init = initiator(t, p, importName(t, p, "HTTP@localhost", gss.NameHostBasedService), gss.WithInitiatorCredential(cred))
	rawHandshake(t, init, acceptor(t, p))
}

// TestPureGoSilentUDPKDC: a KDC address whose UDP port swallows requests
// and whose TCP port refuses, with UDP preferred (the default
// udp_preference_limit): without a deadline the provider gives up after
// its own UDP wait (1 s) and the refused TCP attempt; with one, at the
// deadline. Measured, as the faults table asks.
func TestPureGoSilentUDPKDC(t *testing.T) {
	r := testrealm.Shared(t)
	silent := testrealm.StartSilentKDC(t, false)
	conf := r.WriteConf(t, "purego-silent-udp", silent.Addr)
	b, err := os.ReadFile(conf)
	require.NoError(t, err)
	require.Contains(t, string(b), "\tudp_preference_limit = 1\n")
	// The lab's TCP-only setting removed: UDP first, MIT's default.
	require.NoError(t, os.WriteFile(conf, []byte(strings.Replace(string(b), "\tudp_preference_limit = 1\n", "", 1)), 0o644))
	t.Setenv("KRB5_CONFIG", conf)
	for _, limit := range []time.Duration{0, 300 * time.Millisecond} {
		t.Run(fmt.Sprintf("deadline=%v", limit), func(t *testing.T) {
			p := kerberos.NewProvider()
			user := importName(t, p, r.Principal(r.User), gss.NameKerberosPrincipal)
			ctx := context.Background()
			if limit > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, limit)
				defer cancel()
			}
			start := time.Now()
			_, err := p.AcquireCredentialContext(ctx, user, nil, gss.CredInitiateOnly, gss.WithPassword(r.Password))
			took := time.Since(start)
			t.Logf("gave up after %v: %v", took.Round(time.Millisecond), err)
			assert.ErrorIs(t, err, gss.ErrKDCUnreachable, "%v", err)
			if limit > 0 {
				assert.ErrorIs(t, err, context.DeadlineExceeded, "%v", err)
				assert.Less(t, took, limit+time.Second, "the deadline holds")
				return
			}
			assert.GreaterOrEqual(t, took, 900*time.Millisecond, "one UDP wait")
			assert.Less(t, took, 3*time.Second)
		})
	}
}
