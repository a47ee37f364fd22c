//go:build linux

package pgxgss_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	pgxgss "github.com/gssnego/gssnego/compat/pgx"
	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/postgres"
)

// connectEncrypted connects with RequireEncryption applied to conn.
func connectEncrypted(t *testing.T, conn string, opts ...pgxgss.Option) (*pgx.Conn, error) {
	t.Helper()
	cfg, err := pgx.ParseConfig(conn)
	require.NoError(t, err)
	if err := pgxgss.RequireEncryption(&cfg.Config, opts...); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err == nil {
		t.Cleanup(func() { _ = c.Close(context.Background()) })
	}
	return c, err
}

// TestPostgresGSSEncryption: with RequireEncryption, pgx's session to real
// PostgreSQL 15 is GSS-encrypted (pg_stat_gssapi.encrypted, as libpq's),
// authenticated as the ticket's user without a separate gss round, and
// carries results larger than one 16 kB packet both ways.
func TestPostgresGSSEncryption(t *testing.T) {
	_, realm := pgServer(t)
	pgxgss.Register(pgxgss.WithEstablished(func(*gss.SecContextInfo) { t.Error("an AuthenticationGSS round on an encrypted session") }))
	t.Cleanup(func() { pgxgss.Register() }) // no callback into a finished test
	var info *gss.SecContextInfo
	c, err := connectEncrypted(t, connString(realm.User, "sslmode=disable"),
		pgxgss.WithEstablished(func(i *gss.SecContextInfo) { info = i }))
	require.NoError(t, err)
	assert.Equal(t, gssRow{User: realm.User, Authenticated: true, Principal: realm.Principal(realm.User), Encrypted: true}, sessionGSS(t, c))
	require.NotNil(t, info)
	assert.Equal(t, gss.MechKRB5, info.Mech)
	assert.NotZero(t, info.Flags&gss.FlagConf, "flags %s", info.Flags)

	big := strings.Repeat("0123456789abcdef", 5000) // 80 kB: several packets each way
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var echoed string
	require.NoError(t, c.QueryRow(ctx, "SELECT $1::text || $1::text", big).Scan(&echoed))
	assert.True(t, echoed == big+big, "echo of %d bytes came back as %d bytes", 2*len(big), len(echoed))
}

// TestRequireEncryptionRefusesTLS: GSS encryption and TLS exclude each
// other, as in libpq; the default sslmode=prefer must be turned off.
func TestRequireEncryptionRefusesTLS(t *testing.T) {
	cfg, err := pgx.ParseConfig("host=localhost user=alice sslmode=prefer")
	require.NoError(t, err)
	err = pgxgss.RequireEncryption(&cfg.Config)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "sslmode=disable")
}

// TestPostgresGSSEncryptedCancel: pgx's cancel request
// (PgConn.CancelRequest) dials through the same DialFunc, so it is
// GSS-encrypted too (as libpq 17's is); the real server honours it: the
// running query ends with query_canceled and the session stays usable.
func TestPostgresGSSEncryptedCancel(t *testing.T) {
	_, realm := pgServer(t)
	c, err := connectEncrypted(t, connString(realm.User, "sslmode=disable"))
	require.NoError(t, err)
	done := make(chan struct{})
	cancelErrs := make(chan error, 1)
	go func() {
		// The query may not have started at the first cancel: repeat until
		// it ends (each cancel is a new encrypted connection).
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				close(cancelErrs)
				return
			case <-tick.C:
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				if err := c.PgConn().CancelRequest(ctx); err != nil {
					cancelErrs <- err
				}
				cancel()
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // hang guard
	defer cancel()
	_, err = c.Exec(ctx, "SELECT pg_sleep(100)")
	close(done)
	for cerr := range cancelErrs {
		t.Errorf("cancel request: %v", cerr)
	}
	var pe *pgconn.PgError
	require.ErrorAs(t, err, &pe, "%v", err)
	assert.Equal(t, "57014", pe.Code, "%v", err) // query_canceled
	assert.Equal(t, realm.User, sessionGSS(t, c).User)
}

// TestPostgresHostGSSEncOnly runs a second server whose only TCP line is
// `hostgssenc`: a plain pgx session finds no pg_hba entry, an encrypted one
// logs in.
func TestPostgresHostGSSEncOnly(t *testing.T) {
	_, realm := pgServer(t)
	s := postgres.Start(t, realm.Krb5Conf, realm.Keytab,
		postgres.HBA("hostgssenc all all 127.0.0.1/32 gss include_realm=0 krb_realm="+realm.Name))
	s.Exec(t, "CREATE ROLE "+realm.User+" LOGIN")
	conn := "host=localhost port=" + strconv.Itoa(s.Port) + " dbname=postgres connect_timeout=60 sslmode=disable user=" + realm.User
	pgxgss.Register()

	_, err := connect(t, conn)
	var pe *pgconn.PgError
	require.ErrorAs(t, err, &pe, "%v", err)
	assert.Equal(t, "28000", pe.Code)
	assert.Contains(t, pe.Message, "no pg_hba.conf entry")
	assert.Contains(t, pe.Message, "no encryption")

	c, err := connectEncrypted(t, conn)
	require.NoError(t, err)
	assert.Equal(t, gssRow{User: realm.User, Authenticated: true, Principal: realm.Principal(realm.User), Encrypted: true}, sessionGSS(t, c))
}
