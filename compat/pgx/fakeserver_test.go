//go:build linux

package pgxgss_test

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	pgxgss "github.com/gssnego/gssnego/compat/pgx"
	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/platform"
)

// A misbehaving server cannot be had from real PostgreSQL, so these tests
// put a minimal one on loopback: it speaks the startup and authentication
// messages with pgx's own pgproto3, asks for gss, reads the client's
// AP-REQ, then does what the case says. The client side (pgx, the
// provider, MIT's krb5 mech, the realm's KDC) is all real.

// fakeAuth is what the fake server does after reading the client's first
// token; it gets the token and the backend to answer on.
type fakeAuth func(t *testing.T, be *pgproto3.Backend, apReq []byte)

// fakeServer serves one connection with auth and returns its address.
func fakeServer(t *testing.T, auth fakeAuth) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	t.Cleanup(func() { l.Close(); <-done })
	go func() {
		defer close(done)
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(2 * time.Minute)) // hang guard
		be := pgproto3.NewBackend(c, c)
		if _, err := be.ReceiveStartupMessage(); err != nil {
			t.Errorf("fake server: startup: %v", err)
			return
		}
		be.Send(&pgproto3.AuthenticationGSS{})
		if err := be.Flush(); err != nil {
			t.Errorf("fake server: %v", err)
			return
		}
		if err := be.SetAuthType(pgproto3.AuthTypeGSS); err != nil {
			t.Errorf("fake server: %v", err)
			return
		}
		msg, err := be.Receive()
		if err != nil {
			t.Errorf("fake server: receive the first token: %v", err)
			return
		}
		resp, ok := msg.(*pgproto3.GSSResponse)
		if !ok {
			t.Errorf("fake server: got %T, want GSSResponse", msg)
			return
		}
		auth(t, be, resp.Data)
	}()
	return l.Addr().String()
}

// sendContinue sends an AuthenticationGSSContinue with data, then waits for
// the client to go away (it must not answer a bad token).
func sendContinue(data []byte) fakeAuth {
	return func(t *testing.T, be *pgproto3.Backend, _ []byte) {
		be.Send(&pgproto3.AuthenticationGSSContinue{Data: data})
		if err := be.Flush(); err != nil {
			t.Errorf("fake server: %v", err)
			return
		}
		if msg, err := be.Receive(); err == nil {
			t.Errorf("fake server: the client answered a bad token with %T", msg)
		}
	}
}

// acceptTampered accepts the AP-REQ with the realm's keytab (as the real
// server would) and sends the genuine AP-REP with one byte flipped.
func acceptTampered(t *testing.T, be *pgproto3.Backend, apReq []byte) {
	p, err := platform.Provider()
	if err != nil {
		t.Errorf("fake server: %v", err)
		return
	}
	acc, err := p.AcceptSecContext()
	if err != nil {
		t.Errorf("fake server: %v", err)
		return
	}
	defer acc.Close()
	apRep, err := acc.Continue(apReq)
	if err != nil || len(apRep) < 20 {
		t.Errorf("fake server: accept: %v (%d bytes)", err, len(apRep))
		return
	}
	apRep[len(apRep)-5] ^= 0x40 // inside the encrypted part
	sendContinue(apRep)(t, be, nil)
}

// connectFake connects pgx to the fake server at addr, asking for the
// realm's postgres/localhost (the fake server has no name of its own).
func connectFake(t *testing.T, addr string, timeout time.Duration) error {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c, err := pgx.Connect(ctx, "host="+host+" port="+port+" user=alice dbname=postgres sslmode=disable krbspn="+targetSvc)
	if err == nil {
		_ = c.Close(context.Background())
	}
	return err
}

// TestFakeServerBadTokens: whatever the server sends back instead of a
// valid AP-REP, the provider fails at the continue step with a typed error
// (the GSS cause inside), and pgx returns it.
func TestFakeServerBadTokens(t *testing.T) {
	pgServer(t) // the realm's postgres/localhost key
	pgxgss.Register()
	cases := []struct {
		name  string
		auth  fakeAuth
		cause error
		minor uint32 // the krb5 minor code, when the cause is a bare failure
	}{
		{"garbage", sendContinue([]byte("this is not a Kerberos token")), gss.ErrDefectiveToken, 0},
		{"empty", sendContinue(nil), pgxgss.ErrUnexpectedToken, 0},
		{"truncated-framing", sendContinue([]byte{0x60, 0x82, 0xff, 0xff, 0x06}), gss.ErrDefectiveToken, 0},
		// MIT: GSS_S_FAILURE, KRB5KRB_AP_ERR_BAD_INTEGRITY.
		{"tampered-ap-rep", acceptTampered, gss.ErrFailure, 0x96c73a1f},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := connectFake(t, fakeServer(t, tc.auth), 2*time.Minute)
			var ge *pgxgss.Error
			require.ErrorAs(t, err, &ge, "%v", err)
			assert.Equal(t, pgxgss.StepContinue, ge.Step, "%v", err)
			assert.Equal(t, targetSvc, ge.Target)
			assert.ErrorIs(t, err, tc.cause)
			if tc.minor != 0 {
				var gssErr *gss.Error
				require.ErrorAs(t, err, &gssErr)
				assert.Equal(t, tc.minor, gssErr.Minor, "%v", err)
			}
		})
	}
}

// TestFakeServerClosesMidAuth: a server that closes after the AP-REQ ends
// the connect at once with pgx's own error ("failed GSS auth: unexpected
// EOF"): the provider is not called again, so no *pgxgss.Error.
func TestFakeServerClosesMidAuth(t *testing.T) {
	pgServer(t)
	pgxgss.Register()
	err := connectFake(t, fakeServer(t, func(*testing.T, *pgproto3.Backend, []byte) {}), 2*time.Minute)
	require.Error(t, err)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "%v", err)
	assert.Contains(t, err.Error(), "failed GSS auth")
	var ge *pgxgss.Error
	assert.False(t, errors.As(err, &ge), "%v", err)
}

// TestFakeServerStallsMidAuth: a server that never answers the AP-REQ is
// left by the context's deadline (pgx watches it), not a hang. The short
// deadline is the point of the case, not a measurement.
func TestFakeServerStallsMidAuth(t *testing.T) {
	pgServer(t)
	pgxgss.Register()
	release := make(chan struct{})
	addr := fakeServer(t, func(*testing.T, *pgproto3.Backend, []byte) { <-release })
	t.Cleanup(func() { close(release) }) // before fakeServer's cleanup waits for it
	err := connectFake(t, addr, 3*time.Second)
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "%v", err)
}

// TestProviderMisuse: the calls pgx would never make out of order still
// give typed errors, not panics.
func TestProviderMisuse(t *testing.T) {
	pgServer(t)
	g, err := pgxgss.New()
	require.NoError(t, err)
	_, _, err = g.Continue([]byte{1})
	assert.ErrorIs(t, err, pgxgss.ErrUnexpectedToken)

	g, err = pgxgss.New()
	require.NoError(t, err)
	_, err = g.GetInitToken("/var/run/postgresql", "postgres")
	assert.ErrorIs(t, err, pgxgss.ErrNoTarget)
	assert.Contains(t, err.Error(), "krbspn")
	_, err = g.GetInitToken("", "")
	assert.ErrorIs(t, err, pgxgss.ErrNoTarget)

	g, err = pgxgss.New()
	require.NoError(t, err)
	tok, err := g.GetInitToken("localhost", "")
	require.NoError(t, err)
	require.NotEmpty(t, tok)
	_, err = g.GetInitTokenFromSPN(targetSvc)
	var ge *pgxgss.Error
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, pgxgss.StepInitiate, ge.Step)
	_, _, err = g.Continue([]byte{1})
	assert.ErrorIs(t, err, pgxgss.ErrUnexpectedToken, "after a failure nothing goes on")
}
