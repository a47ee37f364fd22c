package mssqlgss_test

import (
	"fmt"

	"github.com/microsoft/go-mssqldb/integratedauth"
	"github.com/microsoft/go-mssqldb/msdsn"

	mssqlgss "github.com/gssnego/gssnego/compat/mssql"
)

// Importing the package registers the provider; authenticator=gssnego in
// the connection string selects it, and go-mssqldb computes the SPN the
// login is for. With database/sql the program only opens the database:
//
//	db, err := sql.Open("sqlserver", "sqlserver://sql.example.com?authenticator=gssnego")
func Example() {
	cfg, err := msdsn.Parse("sqlserver://sql.example.com:1433?authenticator=gssnego&epa+enabled=true")
	if err != nil {
		panic(err)
	}
	auth, err := integratedauth.GetIntegratedAuthenticator(cfg)
	if err != nil {
		panic(err)
	}
	defer auth.Free()
	a := auth.(*mssqlgss.Authenticator)
	_, epa := auth.(integratedauth.AuthenticatorWithEPA)
	fmt.Println(a.SPN(), "channel bindings:", epa)
	// Output: MSSQLSvc/sql.example.com:1433 channel bindings: true
}

// The SPN for a named instance carries the instance name, as go-mssqldb's
// own dialer computes it.
func ExampleSPN() {
	cfg, _ := msdsn.Parse(`server=sql.example.com\REPORTS;authenticator=gssnego`)
	fmt.Println(mssqlgss.SPN(cfg))
	// Output: MSSQLSvc/sql.example.com:REPORTS
}
