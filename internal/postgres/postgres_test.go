//go:build linux

package postgres

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/internal/testrealm"
)

// TestPsqlGSSLogin checks the server setup with libpq's own client: psql
// logs in as the realm's user over gss, and pg_stat_gssapi shows the
// principal, authenticated and (libpq's gssencmode=prefer) encrypted.
func TestPsqlGSSLogin(t *testing.T) {
	realm := testrealm.Start(t)
	realm.AddService(t, "postgres/localhost")
	s := Start(t, realm.Krb5Conf, realm.Keytab, Realm(realm.Name))
	s.Exec(t, "CREATE ROLE "+realm.User+" LOGIN")

	psql := func(env []string, conninfo string) (string, error) {
		cmd := exec.Command(BinDir+"/psql", "-X", "-At", "-d", conninfo, "-c",
			"SELECT current_user, gss_authenticated, principal, encrypted FROM pg_stat_gssapi WHERE pid = pg_backend_pid()")
		cmd.Env = append(s.env(), env...)
		out, err := cmd.CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	conninfo := "host=localhost port=" + strconv.Itoa(s.Port) + " dbname=postgres connect_timeout=30 user=" + realm.User
	out, err := psql(realm.Env(), conninfo)
	require.NoError(t, err, out)
	assert.Equal(t, realm.User+"|t|"+realm.Principal(realm.User)+"|t", out)

	out, err = psql(realm.Env(), conninfo+" gssencmode=disable")
	require.NoError(t, err, out)
	assert.Equal(t, realm.User+"|t|"+realm.Principal(realm.User)+"|f", out)

	// No ticket: libpq skips GSS encryption (it finds no credentials), the
	// server asks for gss, and libpq gives up in gss_init_sec_context.
	out, err = psql([]string{"KRB5_CONFIG=" + realm.Krb5Conf, "KRB5CCNAME=FILE:" + t.TempDir() + "/none"}, conninfo)
	require.Error(t, err, out)
	assert.Contains(t, out, "GSSAPI continuation error: No credentials were supplied")
}
