//go:build linux

package pgxgss_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/postgres"
	"github.com/gssnego/gssnego/internal/testrealm"
)

// One PostgreSQL server serves the whole binary (initdb takes a second or
// two); every test brings its own connections, roles and tickets.
var (
	server    *postgres.Server
	serverErr error
)

// Roles (and principals of the shared realm) the tests log in as; alice is
// the realm's user with a TGT in the default ccache.
const (
	roleBob   = "bob"
	bobPass   = "bob-Pa55word"
	targetSvc = "postgres/localhost"
)

func TestMain(m *testing.M) {
	// pgx reads PG* variables as defaults, libpq's way: none from the host.
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "PG") {
			os.Unsetenv(k)
		}
	}
	code := testrealm.Main(m, startServer)
	if server != nil {
		server.Stop()
		_ = os.RemoveAll(server.Dir)
	}
	os.Exit(code)
}

// startServer starts the shared server in realm, with roles alice and bob,
// and points DATABASE_URL (the Example's) at it as alice.
func startServer(realm *testrealm.Realm) {
	if serverErr = setup(realm); serverErr != nil && !lab.Required() {
		// Examples cannot skip: leave them out, with the reason.
		fmt.Fprintf(os.Stderr, "pgxgss: lab unavailable, examples skipped: %v\n", serverErr)
		_ = flag.Set("test.skip", "^Example")
	}
}

func setup(realm *testrealm.Realm) error {
	if realm == nil {
		return fmt.Errorf("no test realm")
	}
	if err := postgres.Available(); err != nil {
		return err
	}
	if err := realm.AddServiceKeys(targetSvc); err != nil {
		return err
	}
	if err := realm.AddUserPassword(roleBob, bobPass); err != nil {
		return err
	}
	var err error
	server, err = postgres.Launch(realm.Krb5Conf, realm.Keytab, postgres.Realm(realm.Name))
	if err != nil {
		return err
	}
	if _, err := server.ExecErr("CREATE ROLE " + realm.User + " LOGIN; CREATE ROLE " + roleBob + " LOGIN"); err != nil {
		return err
	}
	return os.Setenv("DATABASE_URL", connString(realm.User))
}

// pgServer returns the shared server, or ends the test as the lab says.
func pgServer(t *testing.T) (*postgres.Server, *testrealm.Realm) {
	t.Helper()
	return pgServerTB(t)
}

func pgServerTB(t testing.TB) (*postgres.Server, *testrealm.Realm) {
	t.Helper()
	realm := testrealm.Shared(t)
	if serverErr != nil {
		lab.Unavailable(t, "postgres: %v", serverErr)
	}
	return server, realm
}

// connString is a pgx connection string for role on the shared server, by
// host name (the target is then postgres@localhost, as libpq would ask).
func connString(role string, extra ...string) string {
	s := "host=localhost port=" + strconv.Itoa(server.Port) + " dbname=postgres connect_timeout=60 user=" + role
	for _, e := range extra {
		s += " " + e
	}
	return s
}

// connect connects with a hang guard; the deadline is not what tests measure.
func connect(t *testing.T, conn string) (*pgx.Conn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := pgx.Connect(ctx, conn)
	if err == nil {
		t.Cleanup(func() { _ = c.Close(context.Background()) })
	}
	return c, err
}

// gssRow is this session's row of pg_stat_gssapi, with current_user.
type gssRow struct {
	User          string
	Authenticated bool
	Principal     string
	Encrypted     bool
}

const gssQuery = "SELECT current_user::text, gss_authenticated, principal, encrypted FROM pg_stat_gssapi WHERE pid = pg_backend_pid()"

func sessionGSS(t *testing.T, c *pgx.Conn) gssRow {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var r gssRow
	if err := c.QueryRow(ctx, gssQuery).Scan(&r.User, &r.Authenticated, &r.Principal, &r.Encrypted); err != nil {
		t.Fatalf("query pg_stat_gssapi: %v", err)
	}
	return r
}
