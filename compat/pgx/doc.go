// Package pgxgss lets pgx (github.com/jackc/pgx/v5) log in to PostgreSQL
// with Kerberos through gssnego: MIT or Heimdal GSSAPI on Unix, SSPI on
// Windows, the user's own ticket (kinit, or the Windows logon session) or
// any gss.Credential. It replaces gopgkrb5 (gokrb5: no SSPI, no system
// ccache or keytab features) in one line:
//
//	pgxgss.Register() // pgconn.RegisterGSSProvider for the whole program
//	conn, err := pgx.Connect(ctx, "host=db.example.com user=alice dbname=app")
//
// A server whose pg_hba.conf line says `gss` sends AuthenticationGSS; pgx
// then calls the registered provider: GetInitToken(host, krbsrvname) (or
// GetInitTokenFromSPN(krbspn)) for the first token and Continue for the
// server's reply. Options: WithProvider (another gss.Provider),
// WithCredential (a credential from a given ccache or keytab, or a
// delegated / impersonated one; the caller keeps and releases it), WithFlags
// (e.g. gss.FlagDeleg), WithEstablished (see the completed context: mech,
// flags, names).
//
// # Credentials, pools and database/sql
//
// Without WithCredential the default credential is used: the cache
// KRB5CCNAME names (kinit's), the logged-on user on Windows. Another
// cache, a client keytab or a password: acquire a credential and pass it
// (the caller keeps and releases it; it must outlive every connection):
//
//	p, err := platform.Provider()
//	cred, err := p.AcquireCredential(nil, nil, gss.CredInitiateOnly, gss.WithCCache("FILE:/var/lib/app/krb5cc"))
//	// or: user, err := p.ImportName("app@EXAMPLE.COM", gss.NameUserName)
//	//     cred, err := p.AcquireCredential(user, nil, gss.CredInitiateOnly, gss.WithClientKeytab("FILE:/etc/app.keytab"))
//	//     cred, err := p.AcquireCredential(user, nil, gss.CredInitiateOnly, gss.WithPassword(password))
//	pgxgss.Register(pgxgss.WithCredential(cred))
//
// Register covers every connection of the program, pgxpool's and
// database/sql's (pgx's stdlib driver) included. RequireEncryption goes on
// the pgconn.Config inside whatever configuration is used:
//
//	poolCfg, err := pgxpool.ParseConfig("host=db.example.com user=alice dbname=app sslmode=disable")
//	err = pgxgss.RequireEncryption(&poolCfg.ConnConfig.Config)
//	pool, err := pgxpool.NewWithConfig(ctx, poolCfg)
//
//	cfg, err := pgx.ParseConfig("host=db.example.com user=alice dbname=app sslmode=disable")
//	err = pgxgss.RequireEncryption(&cfg.Config)
//	db := stdlib.OpenDB(*cfg) // database/sql
//
// # What goes on the wire, and why raw krb5
//
// PostgreSQL's `gss` method carries bare GSS-API tokens in GSSResponse and
// AuthenticationGSSContinue messages. libpq (fe-auth.c, fe-gssapi-common.c)
// imports "<krbsrvname>@<host>" as a host-based service name (krbsrvname
// defaults to "postgres") and calls gss_init_sec_context with
// GSS_C_NO_OID — the library's default mechanism, krb5 — and
// GSS_C_MUTUAL_FLAG; libpq's SSPI build uses the "kerberos" package for
// this method and keeps "negotiate" for the separate `sspi` method
// (AuthenticationSSPI), which pgx does not implement ("AuthTypeSSPI is
// unimplemented"). The server (auth.c) accepts with its default credential
// from krb_server_keyfile. So the provider sends raw krb5 (RFC 4121, mech
// 1.2.840.113554.1.2.2), exactly what libpq sends, and any server libpq
// logs in to takes it. Measured here: PostgreSQL 15 built with MIT also
// accepts a SPNEGO token in this method (MIT's default acceptor credential
// covers SPNEGO; TestPostgresAlsoAcceptsSPNEGO) — but libpq never sends
// one, a server built otherwise need not, and SPNEGO would only wrap the
// same krb5 exchange.
//
// Mutual authentication is always requested, as libpq does, and it is also
// what pgx needs: pgx always waits for an AuthenticationGSSContinue after
// the first token, and without mutual authentication a krb5 acceptor has
// nothing to answer, so the server sends AuthenticationOk and pgx fails
// with "expected AuthenticationGSSContinue message but received unexpected
// message *pgproto3.AuthenticationOk" (seen against PostgreSQL 15).
//
// # GSS encryption (gssencmode): not in pgx, added here
//
// pgx v5 (checked in v5.13.0's source) has no GSS encryption: pgconn never
// sends a GSSENCRequest (pgproto3 only decodes one, for servers written
// with it), and gssencmode is not a pgx setting — in a connection string it
// is passed to the server as a run-time parameter, which PostgreSQL
// refuses after authentication with SQLSTATE 42704 `unrecognized
// configuration parameter "gssencmode"`. libpq has had it since
// PostgreSQL 12 (gssencmode=prefer by default): psql's sessions show
// encrypted=t in pg_stat_gssapi, a plain pgx session encrypted=f.
//
// RequireEncryption adds it from outside, through pgx's DialFunc — what
// libpq calls gssencmode=require:
//
//	cfg, err := pgx.ParseConfig("host=db.example.com user=alice dbname=app sslmode=disable")
//	err = pgxgss.RequireEncryption(&cfg.Config)
//	conn, err := pgx.ConnectConfig(ctx, cfg)
//
// Each new connection sends GSSENCRequest; on 'G' a krb5 context
// (mutual, confidentiality, integrity, replay, sequence) is established in
// length-prefixed packets, then pgx's whole protocol stream — startup
// message included — travels in gss_wrap'ed packets of at most 16384
// bytes (PostgreSQL's fixed PQ_GSS_*_BUFFER_SIZE), each checked to be
// sealed. The server authenticates the session from that context (no
// AuthenticationGSS round; a `hostgssenc` pg_hba line matches), and pgx's
// cancel requests, dialled through the same function, are encrypted too.
// It replaces TLS (sslmode=disable is required), and there is no "prefer":
// a server answering 'N' (no GSSAPI, or a Unix socket) fails the connect
// with ErrEncryptionRefused. Without RequireEncryption, Kerberos
// authenticates a pgx session but does not protect it: use TLS then.
//
// # pgx behaviour worth knowing
//
//   - pgx creates one provider per connection attempt and never closes it;
//     the provider releases the native context itself as soon as the
//     exchange ends (established or failed). If the server drops the
//     connection between the two steps, the context is left to the
//     backend's cleanup (runtime.AddCleanup), as pgx gives no hook.
//   - With several hosts ("host=a,b"), pgx builds the service name from the
//     first host even when it connects to a later one (libpq uses the host
//     it is connected to): set krbspn when hosts differ.
//   - GetInitToken gets pgx's host as written: "postgres@127.0.0.1" needs a
//     principal for the address; a Unix socket path is refused with
//     ErrNoTarget (PostgreSQL offers gss over TCP only).
//   - krbspn "postgres/db.example.com[@REALM]" is a Kerberos principal name,
//     "postgres@db.example.com" a host-based one (gss.GuessNameType).
//
// # Errors
//
// Every failure of the provider is an *Error naming the Step and the
// Target (the service name asked for) and wrapping the cause, and pgx
// returns it inside a *pgconn.ConnectError ("failed GSS auth: pgxgss: …");
// errors.As and errors.Is see through both. Steps, named as in the other
// adapters (ldapgss, sshgss, mssqlgss): StepInitiate is the credential,
// the service ticket and the AP-REQ, StepContinue the server's AP-REP —
// with or without RequireEncryption, whose own StepEncrypt is the
// GSSENCRequest and the packets carrying the tokens, and StepWrap and
// StepUnwrap the packets after it.
//
// Kerberos failures are classified by package gss, the same for every
// adapter, and the message leads with the cause and its fix: no ticket,
// gss.ErrNoTicket; an expired one, gss.ErrTicketExpired (Heimdal drops an
// expired TGT: gss.ErrNoTicket); an unreachable KDC, gss.ErrKDCUnreachable;
// a krbsrvname or krbspn the KDC does not know, gss.ErrServiceUnknown
// ("pgxgss: the KDC does not know service nosuch/db.example.com@REALM
// (…krbspn…): initial token (target nosuch@db.example.com): …").
// ErrTicketExpired is a deprecated alias of gss.ErrTicketExpired. Garbage
// from the server: gss.ErrDefectiveToken; a tampered AP-REP: GSS_S_FAILURE
// with MIT's "Decrypt integrity check failed"; an empty one
// ErrUnexpectedToken. A server that closes mid-exchange is reported by pgx
// itself ("failed GSS auth: unexpected EOF", io.ErrUnexpectedEOF), one
// that stalls by the context's deadline; a server that refuses the
// principal (wrong role) answers with its own *pgconn.PgError, SQLSTATE
// 28000.
package pgxgss
