//go:build linux

package pgxgss_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/jackc/pgx/v5"

	pgxgss "github.com/gssnego/gssnego/compat/pgx"
)

// A program registers the provider once; from then on pgx answers a
// server's gss request with the user's Kerberos ticket (from the default
// ccache: kinit, or the Windows logon session). Here DATABASE_URL is set
// by the tests to the throwaway server they started, as in
// "host=db.example.com user=alice dbname=app".
func Example() {
	pgxgss.Register()

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err) // a *pgxgss.Error inside says which step failed and why
	}
	defer conn.Close(ctx)

	var user, principal string
	err = conn.QueryRow(ctx, `SELECT current_user::text, principal
		FROM pg_stat_gssapi WHERE pid = pg_backend_pid()`).Scan(&user, &principal)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(user, principal)
	// Output: alice alice@GSSNEGO.TEST
}

// GSS encryption, which pgx lacks (libpq's gssencmode=require): the whole
// session is sealed with the Kerberos context instead of TLS.
func ExampleRequireEncryption() {
	ctx := context.Background()
	cfg, err := pgx.ParseConfig(os.Getenv("DATABASE_URL") + " sslmode=disable")
	if err != nil {
		log.Fatal(err)
	}
	if err := pgxgss.RequireEncryption(&cfg.Config); err != nil {
		log.Fatal(err)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		log.Fatal(err) // a server without GSSAPI: pgxgss.ErrEncryptionRefused
	}
	defer conn.Close(ctx)

	var user string
	var encrypted bool
	err = conn.QueryRow(ctx, `SELECT current_user::text, encrypted
		FROM pg_stat_gssapi WHERE pid = pg_backend_pid()`).Scan(&user, &encrypted)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(user, "encrypted:", encrypted)
	// Output: alice encrypted: true
}
