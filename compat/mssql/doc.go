// Package mssqlgss plugs gssnego into github.com/microsoft/go-mssqldb's
// integrated authentication: Windows-style "Integrated Security" (SSPI
// Negotiate) for SQL Server from every platform — SSPI on Windows, MIT or
// Heimdal GSSAPI elsewhere — with gssnego's own SPNEGO engine making and
// checking the mechListMIC.
//
// Importing the package registers the provider under the name "gssnego"
// (integratedauth.SetIntegratedAuthenticationProvider); a connection string
// selects it with authenticator=gssnego:
//
//	import (
//		_ "github.com/gssnego/gssnego/compat/mssql"
//		_ "github.com/microsoft/go-mssqldb"
//	)
//
//	db, err := sql.Open("sqlserver", "sqlserver://sql.example.com?authenticator=gssnego")
//
// # What it does
//
// Like SQL Server's own clients (SSPI "Negotiate"), the authenticator
// offers Kerberos first (Microsoft's OID, then the RFC one) and NTLM after
// them when the platform has it (SSPI's NTLM package; gss-ntlmssp on Unix).
// When no Kerberos ticket can be had for the server's SPN, Kerberos is
// dropped from the offer and NTLM runs, as Windows does.
//
// The target is the SPN go-mssqldb computes — "MSSQLSvc/host:instance" for
// a named instance, else "MSSQLSvc/host:port"; a loopback
// IP address is replaced by the machine's host name (go-mssqldb's
// generateSpn) — or the connection string's ServerSPN. It is imported as a
// Kerberos principal name, so the default realm applies unless the SPN
// names one ("MSSQLSvc/host:1433@REALM").
//
// Extended Protection (EPA): when "epa enabled=true" (or MSSQL_USE_EPA) and
// the login runs over TLS 1.2 or earlier, go-mssqldb calls
// SetChannelBinding with the tls-unique channel binding before
// InitialBytes; the authenticator binds both Kerberos and NTLM to it
// (gss_channel_bindings_struct application data). go-mssqldb makes no
// channel binding over TLS 1.3, so none is sent there.
//
// Credentials, from the connection string:
//
//   - nothing: the default credentials (the ccache of KRB5CCNAME on Unix,
//     the logon session on Windows);
//   - "user id" and "password": explicit credentials, the user as
//     "DOMAIN\user" or "user@REALM" (gss_acquire_cred_with_password, or
//     SSPI explicit credentials);
//   - krb5-credcachefile (Unix): this credential cache, as go-mssqldb's
//     krb5 provider names it;
//   - krb5-keytabfile (Unix) with "user id": an initiator keytab (MIT
//     client_keytab) holding that principal's key;
//   - gssnego-mechs: the mechanisms to offer, a comma-separated list of
//     ms-krb5, krb5 and ntlm ("krb5" alone turns NTLM fallback off).
//
// go-mssqldb ends the login at the server's LOGINACK without asking the
// authenticator whether it finished, so a server that never sends its
// final token (the Kerberos AP-REP that proves it) is not refused by the
// driver: mutual authentication is not enforced there (docs/compat.md).
//
// Every failure is an *Error naming the Step (StepInitiate for
// InitialBytes, StepContinue for NextBytes, StepAcquireCredential,
// StepImportName, StepConfig — named as in the other adapters, ldapgss,
// pgxgss and sshgss) and the Target SPN, wrapping the cause from package
// negotiate or gss, so errors.Is(err, gss.ErrNoTicket),
// errors.Is(err, gss.ErrServiceUnknown) and
// errors.Is(err, negotiate.ErrNoCommonMech) work. Kerberos failures are
// classified by package gss, the same for every adapter, and the message
// leads with the cause and its fix ("mssqlgss: the KDC does not know
// service MSSQLSvc/db.example.com:1433@REALM (… ServerSPN …): initial
// token for MSSQLSvc/db.example.com:1433: …").
//
// Credentials: without parameters the default credential (the cache
// KRB5CCNAME names; the logged-on user on Windows); another cache with
// krb5-credcachefile, a client keytab with krb5-keytabfile and "user id",
// a password with "user id" and "password" (above).
//
// What was tested, and what could not be (no SQL Server runs on Linux
// here), is in docs/compat.md.
package mssqlgss
