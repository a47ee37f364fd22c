//go:build linux

package pgxgss_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/jackc/pgx/v5"

	pgxgss "github.com/gssnego/gssnego/compat/pgx"
	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/platform"
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

// Another credential than the default: here from a named credential cache
// (the one the tests' kinit filled); gss.WithClientKeytab with a user name
// takes a client keytab instead, gss.WithPassword a password. The caller
// keeps the credential and releases it after the connections.
func ExampleWithCredential() {
	p, err := platform.Provider()
	if err != nil {
		log.Fatal(err)
	}
	cred, err := p.AcquireCredential(nil, nil, gss.CredInitiateOnly, gss.WithCCache(os.Getenv("KRB5CCNAME")))
	if err != nil {
		log.Fatal(err) // gss.ErrNoTicket: the cache holds no ticket
	}
	defer cred.Release()
	pgxgss.Register(pgxgss.WithCredential(cred))
	defer pgxgss.Register() // back to the default before the credential goes

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close(ctx)
	var user string
	if err := conn.QueryRow(ctx, "SELECT current_user::text").Scan(&user); err != nil {
		log.Fatal(err)
	}
	fmt.Println(user)
	// Output: alice
}
