// Package postgres runs a throwaway PostgreSQL server for tests: initdb and
// postgres from Debian's postgresql-15 in a fresh temp dir, listening on a
// free 127.0.0.1 port and a Unix socket in that dir, with Kerberos (`gss`)
// authentication on TCP from the keytab of a test realm, stopped by PID.
//
//	realm := testrealm.Start(t)
//	realm.AddService(t, "postgres/localhost")
//	s := postgres.Start(t, realm.Krb5Conf, realm.Keytab, postgres.Realm(realm.Name))
//	s.Exec(t, "CREATE ROLE alice LOGIN")          // superuser over the socket
//	// "host=localhost port=<s.Port> user=alice dbname=postgres": gss as alice@REALM
//
// Start registers the stop in tb.Cleanup; Launch and Server.Stop serve a
// TestMain that shares one server across a test binary. Without the
// binaries (ci/install-deps.sh postgres) a test skips, or fails under
// GSSNEGO_REQUIRE_LAB=1. Linux only: elsewhere the package is empty.
//
// # What it took (PostgreSQL 15 on Debian 12)
//
//   - initdb and postgres refuse to run as root ("cannot be run as root"):
//     when the test runs as root, both run as the `postgres` system user
//     (SysProcAttr.Credential), otherwise as the current user. The server's
//     dir is made with os.MkdirTemp in the system temp dir, 0755 and owned by
//     that user: a t.TempDir() lives under a 0700 parent the postgres user
//     cannot traverse.
//   - The binaries live in /usr/lib/postgresql/15/bin (not on PATH; Debian
//     only links psql and a few wrappers into /usr/bin).
//   - krb_server_keyfile is a copy of the realm's keytab, 0600 and owned by
//     the server's user; the server's environment has no KRB5* variable of
//     the test process (a client ccache must not leak in) but its own
//     KRB5_CONFIG (a readable copy of krb5.conf) and KRB5RCACHEDIR (a dir the
//     server's user owns — MIT's replay cache fails with "Permission denied
//     (filename: …/krb5_NNN.rcache2)" otherwise). LC_ALL=C and initdb
//     --locale=C keep the host's locale out.
//   - pg_hba.conf: `local all postgres trust` (Exec, and role creation, over
//     the socket) and `host all all 127.0.0.1/32 gss include_realm=0
//     krb_realm=REALM`: the Kerberos principal alice@REALM logs in as role
//     alice, which must exist. The server accepts a ticket for any principal
//     in its keytab (it acquires no named credential), so clients ask for
//     postgres@<host> by convention only.
//   - Ready when the log says "database system is ready to accept
//     connections" (a TCP connect succeeds earlier, during startup, and is
//     answered "the database system is starting up"). Stopped with SIGINT
//     (fast shutdown), SIGKILL after 10 s; Pdeathsig kills it if the test
//     binary dies first.
package postgres
