// Package apache runs Apache httpd with mod_auth_gssapi for tests: an
// independent HTTP Negotiate (SPNEGO) server for our HTTP client, on a free
// 127.0.0.1 port, configured only by its own file, stopped by tb.Cleanup.
//
//	realm := testrealm.Start(t)
//	s := apache.Start(t, realm)                       // ~15 ms; accepts HTTP/localhost
//	resp := get(s.URL)                                // "http://localhost:PORT/"
//	// 200, body and X-Remote-User header: "alice@GSSNEGO.TEST"
//
//	d := sambadc.Start(t)                             // or any KDC and keytab
//	kt := d.AddService(t, "HTTP/web.samdom.test", true)
//	s := apache.StartKeytab(t, d.Krb5Conf, kt, apache.Host("web.samdom.test"))
//	// curl --negotiate -u : --resolve s.Resolve() s.URL → "bob@SAMDOM.TEST"
//
// PathProtected ("/") needs Negotiate (AuthType GSSAPI, Require
// valid-user) and answers with the authenticated user as the body (mod_include
// echoing REMOTE_USER) and in RemoteUserHeader; PathPublic ("/public/")
// needs nothing. Options: Host (URL host and acceptor HTTP@host),
// AcceptorName (GssapiAcceptorName; "" accepts any key in the keytab),
// AllowedMechs (GssapiAllowedMech krb5 …), Directives (raw lines for the
// protected location, e.g. GssapiBasicAuth On), Quiet (warnings only, no
// access log: for benchmarks), Workers (threads; 8 by default). Server.ErrorLog has mod_auth_gssapi at
// debug level unless Quiet; Start's cleanup prints its tail when the
// test failed.
//
// Without apache2-bin and libapache2-mod-auth-gssapi (ci/install-deps.sh
// apache) a test skips, or fails when GSSNEGO_REQUIRE_LAB=1. Linux only:
// on other systems the package is empty.
//
// # What it took (Apache 2.4 on Debian 12, mod_auth_gssapi 1.6.4)
//
//   - The binary is apache2 from apache2-bin, run as `apache2 -f FILE
//     -DFOREGROUND`, a child we signal (SIGTERM stops the workers; SIGKILL to
//     the process group after 5 s; Pdeathsig if the test binary dies). The
//     apache2 metapackage would install and start a system service: not used.
//     Nothing from /etc/apache2 is read; ServerRoot, PidFile,
//     DefaultRuntimeDir and the logs are in Dir. Up (listening) in ~15 ms.
//   - mod_unixd and mod_log_config are compiled in: LoadModule for them is a
//     syntax error. `Require valid-user` needs mod_authz_user.
//   - httpd refuses to run workers as root, so under root they run as
//     www-data (as any other user they stay that user), which
//     must read the keytab and krb5.conf (a realm's live in a 0700
//     t.TempDir(): the harness copies both, 0644, into its 0755 Dir) and
//     write the replay cache. `GssapiCredStore rcache:file2:DIR/rcache` in a
//     directory www-data owns; if it cannot write there every request gets
//     401 with a KRB-ERROR (generic) inside the NegTokenResp, and the error
//     log says "Permission denied (filename: …/rcache)".
//   - `GssapiCredStore keytab:/plain/path` (no FILE: prefix). Without
//     GssapiAcceptorName any key in the keytab is accepted; the harness pins
//     HTTP@<Host>.
//   - The KRB5* variables of the test process are dropped from httpd's
//     environment (a client ccache must not leak into the server) and
//     replaced by KRB5_CONFIG, KRB5_KTNAME and KRB5RCACHEDIR in Dir.
//   - curl asks for HTTP@<URL host>: http://localhost:PORT/ needs the key of
//     HTTP/localhost (testrealm has it); http://127.0.0.1/ would ask for
//     HTTP/127.0.0.1. For other names use Resolve (curl --resolve) rather
//     than /etc/hosts. httpd listens on 127.0.0.1 only (where /etc/hosts also
//     sends localhost here; a client resolving localhost to ::1 first must
//     fall back).
//   - curl --negotiate sends its token on the first request (one auth method
//     given) and gets 200 with a mutual-authentication token in
//     WWW-Authenticate; without a ticket it gets 401 with a bare
//     "WWW-Authenticate: Negotiate".
//   - gss-ntlmssp (installed for other tests) registers NTLM with GSS, so
//     mod_auth_gssapi's SPNEGO allows it unless AllowedMechs says otherwise.
package apache
