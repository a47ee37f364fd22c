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
