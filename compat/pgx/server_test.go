//go:build linux

package pgxgss_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	pgxgss "github.com/gssnego/gssnego/compat/pgx"
	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/postgres"
	"github.com/gssnego/gssnego/platform"
)

// TestPostgresLoginAsKerberosUser: pgx with the provider logs in to real
// PostgreSQL 15 as the ticket's user; the server's pg_stat_gssapi shows the
// principal, authenticated and not encrypted (pgx has no GSS encryption),
// and the context was raw krb5 with mutual authentication.
func TestPostgresLoginAsKerberosUser(t *testing.T) {
	_, realm := pgServer(t)
	var infos []*gss.SecContextInfo
	pgxgss.Register(pgxgss.WithEstablished(func(i *gss.SecContextInfo) { infos = append(infos, i) }))

	c, err := connect(t, connString(realm.User))
	require.NoError(t, err)
	assert.Equal(t, gssRow{User: realm.User, Authenticated: true, Principal: realm.Principal(realm.User)}, sessionGSS(t, c))

	require.Len(t, infos, 1)
	assert.Equal(t, gss.MechKRB5, infos[0].Mech, "mech %s", infos[0].Mech.MechName())
	assert.NotZero(t, infos[0].Flags&gss.FlagMutual, "flags %s", infos[0].Flags)
	assert.Equal(t, realm.Principal(realm.User), infos[0].InitiatorName)
	assert.Equal(t, realm.Principal(targetSvc), infos[0].AcceptorName)
}

// TestPostgresLibpqCrossCheck runs libpq's psql against the same server
// and role: it authenticates the same way, and encrypts (gssencmode=prefer),
// which pgx cannot.
func TestPostgresLibpqCrossCheck(t *testing.T) {
	_, realm := pgServer(t)
	cmd := exec.Command(postgres.BinDir+"/psql", "-X", "-At", "-F", " ", "-d", connString(realm.User), "-c", gssQuery)
	cmd.Env = append(os.Environ(), realm.Env()...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Equal(t, realm.User+" t "+realm.Principal(realm.User)+" t", strings.TrimSpace(string(out)))
}

// TestPostgresWithCredential logs in as bob with a credential from bob's
// own ccache while the default ccache holds alice's TGT.
func TestPostgresWithCredential(t *testing.T) {
	_, realm := pgServer(t)
	ccache := "FILE:" + filepath.Join(t.TempDir(), "bob.ccache")
	realm.Kinit(t, realm.Principal(roleBob), bobPass, ccache)
	p, err := platform.Provider()
	require.NoError(t, err)
	cred, err := p.AcquireCredential(nil, []gss.OID{gss.MechKRB5}, gss.CredInitiateOnly, gss.WithCCache(ccache))
	require.NoError(t, err)
	t.Cleanup(func() { _ = cred.Release() })
	pgxgss.Register(pgxgss.WithProvider(p), pgxgss.WithCredential(cred))

	c, err := connect(t, connString(roleBob))
	require.NoError(t, err)
	assert.Equal(t, gssRow{User: roleBob, Authenticated: true, Principal: realm.Principal(roleBob)}, sessionGSS(t, c))

	// The same credential twice: it is not consumed by a connection.
	c2, err := connect(t, connString(roleBob))
	require.NoError(t, err)
	assert.Equal(t, roleBob, sessionGSS(t, c2).User)
}

// TestPostgresServiceNames: krbspn as a principal and as a host-based name
// both reach the server; a krbsrvname the KDC does not know fails at init
// with the KDC's reason.
func TestPostgresServiceNames(t *testing.T) {
	_, realm := pgServer(t)
	pgxgss.Register()
	for _, spn := range []string{targetSvc, realm.Principal(targetSvc), "postgres@localhost"} {
		c, err := connect(t, connString(realm.User, "krbspn="+spn))
		require.NoError(t, err, "krbspn=%s", spn)
		assert.Equal(t, realm.User, sessionGSS(t, c).User, "krbspn=%s", spn)
	}

	_, err := connect(t, connString(realm.User, "krbsrvname=nosuch"))
	var ge *pgxgss.Error
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, pgxgss.StepInitiate, ge.Step)
	assert.Equal(t, "nosuch@localhost", ge.Target)
	assert.ErrorIs(t, err, gss.KDCErrServerUnknown, "MIT: not found in Kerberos database; Heimdal: Server … unknown")
	assert.ErrorIs(t, err, gss.ErrServiceUnknown)
	// The message leads with the cause and names the setting.
	assert.Contains(t, ge.Error(), "pgxgss: the KDC does not know service nosuch")
	assert.Contains(t, ge.Error(), "krbspn")
}

// TestPostgresNoTicket: with an empty default ccache the provider fails at
// init with gss.ErrNoCred and says what to do; nothing hangs.
func TestPostgresNoTicket(t *testing.T) {
	_, realm := pgServer(t)
	t.Setenv("KRB5CCNAME", "FILE:"+filepath.Join(t.TempDir(), "none"))
	pgxgss.Register()

	_, err := connect(t, connString(realm.User))
	require.Error(t, err)
	var ge *pgxgss.Error
	require.ErrorAs(t, err, &ge, "%v", err)
	assert.Equal(t, pgxgss.StepInitiate, ge.Step)
	// MIT: GSS_S_NO_CRED; Heimdal: GSS_S_FAILURE with ENOENT from its
	// lstat of the ccache. gss.ErrNoTicket for both, leading the message.
	assert.ErrorIs(t, err, gss.ErrNoTicket)
	assert.Contains(t, err.Error(), "failed GSS auth: pgxgss: "+gss.ErrNoTicket.Text()+": initial token (target postgres@localhost)")
	assert.Contains(t, err.Error(), "kinit")
}

// TestPostgresExpiredTicket: a TGT past its end time fails at init with
// ErrTicketExpired (MIT: GSS_S_FAILURE, "Ticket expired") and a hint to
// renew it.
func TestPostgresExpiredTicket(t *testing.T) {
	_, realm := pgServer(t)
	ccache := "FILE:" + filepath.Join(t.TempDir(), "short.ccache")
	tools := lab.NeedCommand(t, "kinit", "klist")
	kinit := exec.Command(tools[0], "-l", "2s", "-c", ccache, realm.Principal(roleBob))
	kinit.Env = append(os.Environ(), realm.Env()...)
	kinit.Stdin = strings.NewReader(bobPass + "\n")
	out, err := kinit.CombinedOutput()
	require.NoError(t, err, "%s", out)
	waitExpired(t, tools[1], ccache, realm.Env())
	t.Setenv("KRB5CCNAME", ccache)
	pgxgss.Register()

	_, err = connect(t, connString(roleBob))
	var ge *pgxgss.Error
	require.ErrorAs(t, err, &ge, "%v", err)
	assert.Equal(t, pgxgss.StepInitiate, ge.Step)
	if heimdal { // Heimdal drops an expired TGT: "Matching credential not found"
		assert.ErrorIs(t, err, gss.ErrNoTicket)
		return
	}
	assert.ErrorIs(t, err, gss.ErrTicketExpired)
	assert.Contains(t, err.Error(), "kinit")
}

// waitExpired waits until klist -s says the ccache has no valid TGT, and
// one second more: klist counts a ticket ending this second as expired, MIT
// GSS not yet (and the KDC takes a TGT up to the clock skew, 5 min, past
// its end). The deadline only guards against a hang.
func waitExpired(t *testing.T, klist, ccache string, env []string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		cmd := exec.Command(klist, "-s", "-c", ccache)
		cmd.Env = append(os.Environ(), env...)
		if err := cmd.Run(); err != nil {
			var ee *exec.ExitError
			require.True(t, errors.As(err, &ee), "klist: %v", err)
			time.Sleep(1100 * time.Millisecond)
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal("ticket still valid after a minute")
}

// TestPostgresRefusesOtherRole: alice's ticket does not open role bob; the
// real server answers with its own error (SQLSTATE 28000), passed through.
func TestPostgresRefusesOtherRole(t *testing.T) {
	pgServer(t)
	pgxgss.Register()
	_, err := connect(t, connString(roleBob))
	var pe *pgconn.PgError
	require.ErrorAs(t, err, &pe, "%v", err)
	assert.Equal(t, "28000", pe.Code)
	assert.Contains(t, pe.Message, `GSSAPI authentication failed for user "bob"`)
	var ge *pgxgss.Error
	assert.False(t, errors.As(err, &ge), "the provider did its part: %v", err)
}

// TestPgxHasNoGSSEncMode pins down that pgx v5 has no gssencmode: it is not
// a pgx setting, so pgx sends it to the server as a run-time parameter and
// the server refuses it; libpq's gssencmode=require works on the same
// server.
func TestPgxHasNoGSSEncMode(t *testing.T) {
	_, realm := pgServer(t)
	pgxgss.Register()
	_, err := connect(t, connString(realm.User, "gssencmode=require"))
	var pe *pgconn.PgError
	require.ErrorAs(t, err, &pe, "%v", err)
	assert.Equal(t, "42704", pe.Code) // undefined_object
	assert.Contains(t, pe.Message, `unrecognized configuration parameter "gssencmode"`)

	cmd := exec.Command(postgres.BinDir+"/psql", "-X", "-At", "-d",
		connString(realm.User, "gssencmode=require"), "-c", "SELECT encrypted FROM pg_stat_gssapi WHERE pid = pg_backend_pid()")
	cmd.Env = append(os.Environ(), realm.Env()...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Equal(t, "t", strings.TrimSpace(string(out)))
}

// TestPgxFallbackHostKeepsFirstName pins down a pgx quirk: with several
// hosts, pgx builds the service name from the first host even when it is
// connected to a later one (libpq uses the host it is connected to). Here
// the first "host" is a socket dir that does not exist, so the name is
// refused at init; krbspn gets around it.
func TestPgxFallbackHostKeepsFirstName(t *testing.T) {
	s, realm := pgServer(t)
	pgxgss.Register()
	hosts := "host=" + filepath.Join(s.Dir, "nowhere") + ",localhost"
	_, err := connect(t, connString(realm.User, hosts))
	var ge *pgxgss.Error
	require.ErrorAs(t, err, &ge, "%v", err)
	assert.ErrorIs(t, err, pgxgss.ErrNoTarget)
	assert.Equal(t, "postgres@"+filepath.Join(s.Dir, "nowhere"), ge.Target)

	c, err := connect(t, connString(realm.User, hosts, "krbspn="+targetSvc))
	require.NoError(t, err)
	assert.Equal(t, realm.User, sessionGSS(t, c).User)
}
