// Package sambadc runs a real Samba AD DC for tests: a KDC that issues
// AD tickets (with a PAC), LDAP, winbindd, and Samba's own SPNEGO (gensec)
// as an initiator and an acceptor through ntlm_auth's helper protocols
// (tokens in and out, no SMB between the peers). It is the peer for interop
// tests of our SPNEGO engine against Samba's.
//
//	d := sambadc.Start(t)                                   // ~1.5 s (first run: ~7 s)
//	d.AddUser(t, "bob", "Bob-Pa55word")
//	kt := d.AddService(t, "HTTP/svc.samdom.test", true)     // AES-only account, keytab path
//	d.Kinit(t, "bob", "Bob-Pa55word", "")                   // TGT into d.CCache
//	acc := d.SpnegoAcceptor(t, kt)                           // Samba's acceptor
//	out, done, user, err := acc.Step(negTokenInit)           // user = `SAMDOM\bob`
//	ini := d.SpnegoInitiator(t, "bob", "Bob-Pa55word", "HTTP", "svc.samdom.test")
//	tok, _, _, err := ini.Step(nil)                          // NegTokenInit [MS-KRB5, krb5, NTLMSSP]
//	d.Delegation(t, "add-service", sambadc.ServiceAccount(spn), "HTTP/back.samdom.test") // samba-tool delegation
//	kt2 := d.ExportAccountKeys(t, sambadc.ServiceAccount(spn)) // keys of account@REALM, for its TGT
//	d.SetSensitive(t, "bob")                                 // "sensitive and cannot be delegated"
//
// Clients on the host use d.Env() (KRB5_CONFIG, KRB5CCNAME): its krb5.conf
// names d.KDCAddr (TCP and UDP; MIT is told to prefer TCP with
// udp_preference_limit = 1, Heimdal tries UDP first) and needs no DNS.
// d.Command runs a tool inside the DC's namespaces, d.Dial connects inside
// them, d.Forward exposes another port to the host (LDAP: 389). Helper.Step
// drives Samba's SPNEGO one token at a time; Helper.Dir keeps its smb.conf
// and logs.
//
// Without root, Linux or the Samba packages (ci/install-deps.sh samba) a
// test skips, or fails when GSSNEGO_REQUIRE_LAB=1 (see package lab).
//
// # How the DC is isolated
//
// A DC binds fixed privileged ports (88, 389, 445, 53, 135, 464, 636,
// 3268…), and Samba's client tools find winbindd only at the compiled-in
// /run/samba. Each DC therefore runs under
//
//	unshare --net --mount --pid --fork --kill-child --mount-proc --propagation private
//
// with loopback brought up and the DC's own directories bind-mounted over
// /run/samba, /var/log/samba, /var/lib/samba and /var/cache/samba (a
// running DC otherwise creates /var/lib/samba/ntp_signd/socket on the host).
// Consequences:
//
//   - Any number of DCs run at once (parallel test binaries, -count=N), and
//     nothing on the host changes; d.Dir (under $TMPDIR) holds everything.
//   - The host reaches the KDC through a forwarder in the test process: it
//     listens on a free 127.0.0.1 port (TCP and UDP) and dials each
//     connection or datagram inside the namespace (setns(CLONE_NEWNET) on a
//     locked OS thread; a socket stays in the namespace it was created in).
//     Samba's "krb5 port" is set to the same port, so one krb5.conf works on
//     both sides.
//   - Stopping is SIGKILL to the namespace's PID 1 (samba); the kernel kills
//     smbd, winbindd and every helper left in the namespace, and unshare
//     returns only when they are gone. If the test binary itself is killed
//     (go test -timeout), Pdeathsig kills unshare and --kill-child the
//     namespace: no DC outlives its test (the directory in $TMPDIR does).
//   - Tools that need winbindd (ntlm_auth for NTLMSSP, wbinfo) must run
//     inside the namespaces: d.Command wraps them in nsenter, and the
//     helpers always run there. (Run on the host against a dedicated keytab,
//     the acceptor's Kerberos path works without winbindd, only printing
//     "could not obtain winbind separator!" on stderr; NTLMSSP cannot.)
//
// # Provisioning cache
//
// samba-tool domain provision (with an empty -s file so /etc/samba/smb.conf
// does not leak in) takes ~4 s. It runs once per Samba version into
// os.UserCacheDir()/gssnego/samba-<version>-f<format>, under a flock so
// parallel test binaries provision once; every DC is a cp -a of it (42 MB,
// sparse). Only etc/smb.conf names the provisioning path, and each run
// writes its own smb.conf, so a copy behaves like a fresh provision (same
// domain SID and krbtgt key in every run: irrelevant for tests). The
// template's password policy has no maximum age, or Administrator's
// password would expire 42 days after the cache was made.
//
// # Samba behaviour seen here (4.17)
//
//   - Start timings: 1.3–1.6 s on an idle 2-core machine from copy to a DC
//     whose KDC, LDAP and winbindd (`wbinfo -p`) answer (winbindd comes
//     last); 3.4–4.6 s while other builds keep the cores busy (load 6–9).
//     The first run also provisions: ~7 s idle, ~17 s under that load.
//     AddUser ~0.3 s, AddService ~0.4 s. `-M single` gives 8 processes
//     instead of ~59. The DC
//     runs without the services no test needs (server services = -dns -nbt
//     -wrepl -drepl -kcc -dnsupdate -ntp_signd): no DNS server, so clients
//     must not look up SRV records (krb5.conf names the KDC). Without the
//     dnsupdate task the DC never runs samba_spnupdate, so it would lack
//     ldap/dc1.samdom.test ("Server not found in Kerberos database"): the
//     template runs it once.
//   - Accounts without msDS-SupportedEncryptionTypes get an RC4 ticket with
//     an AES256 session key (klist 1.20 prints "DEPRECATED:arcfour-hmac");
//     with 24 both are AES256. Service tickets carry a PAC: ~1.1 KB for a
//     user, against ~300 B without one.
//   - ntlm_auth --helper-protocol=gss-spnego-client does not kinit from
//     --password; gensec only imports the default ccache ("-the caller may
//     retry after a kinit") and falls back to offering NTLMSSP alone. The
//     harness kinits the user into the helper's own ccache first;
//     WithoutKerberos leaves it empty for an NTLM-only initiator.
//   - The acceptor needs no machine account: `security = ads`,
//     `kerberos method = dedicated keytab`, `dedicated keytab file =
//     FILE:…`; its NTLMSSP path asks the DC's winbindd.
//   - Kerberos through SPNEGO takes 2 tokens (NegTokenInit with AP-REQ
//     ~1.5 KB; accept-completed with AP-REP); NTLMSSP takes 4 (the last is
//     the acceptor's 9-byte accept-completed, which the initiator must
//     still be given). A wrong NTLM password ends in "NA * NT_STATUS_…".
//   - An acceptor without Kerberos (Conf("gensec:gse_krb5 = no")) answers a
//     Kerberos-capable initiator's optimistic AP-REQ with request-mic and
//     the NTLMSSP OID, no token (23 bytes); NTLMSSP then runs as usual and
//     the acceptor ends with a bare accept-completed (9 bytes): 6 tokens.
//   - samba-tool/ldb work on the running DC's sam.ldb directly (tdb locks),
//     as AddUser and AddService do; the Python bindings need Debian's
//     /usr/bin/python3, not a pyenv shim. sAMAccountName is at most 20
//     characters, hence AddService's hashed account names.
//   - Samba puts Unix sockets under its lock and private directories; a
//     deep t.TempDir() path can pass the 108-byte limit, so DCs live in
//     os.MkdirTemp("", "sambadc-").
package sambadc
