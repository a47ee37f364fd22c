// Package sshd runs OpenSSH's sshd for tests: a real gssapi-with-mic (RFC
// 4462) server on a free 127.0.0.1 port, configured only by its own file in
// a temp dir, accepting any key of a test realm's keytab, stopped by
// tb.Cleanup.
//
//	realm := testrealm.Shared(t)
//	s := sshd.Start(t, realm)           // ~50 ms; logs in root@REALM as root
//	// ssh -p s.Port root@localhost, or x/crypto/ssh with s.HostKey
//	s.WaitLog(t, "Accepted gssapi-with-mic for root")
//
// Only gssapi-with-mic is enabled (no password, keyboard-interactive or
// public key), so a login that succeeds went through GSSAPI. The log is
// sshd's stderr (-e) at LogLevel VERBOSE.
//
// Without sshd, ssh-keygen or root the test skips, or fails when
// GSSNEGO_REQUIRE_LAB=1 (ci/install-deps.sh ssh). Linux only: on other
// systems the package is empty.
//
// # What it took (OpenSSH 9.2p1, Debian 12)
//
//   - sshd must be started by its absolute path (it re-executes itself) and
//     as root: a principal maps to the local account of the same name
//     (krb5_kuserok), and only root can become root, so root@REALM logs in
//     as root with PermitRootLogin yes and no user is created. Debian
//     starts the unprivileged pre-auth child in a chroot at /run/sshd,
//     which must exist (the harness creates it, 0755 root, like the
//     system service does) — sshd exits with "Missing privilege separation
//     directory" otherwise.
//   - The host key is an ed25519 key made by ssh-keygen in the temp dir
//     (0600, as sshd wants private host keys). sshd is run with -D -e
//     -f CONFIG -p PORT, in the foreground, its stderr in Log; it is up when
//     it logs "Server listening on 127.0.0.1 port N".
//   - UsePAM no (PAM would bring in the host's /etc/pam.d stack, which a
//     test must not depend on), GSSAPIAuthentication yes, GSSAPIStrictAcceptorCheck no
//     (any key in the keytab, as a host with several names needs; with yes
//     sshd only accepts host@<its own hostname>, which would make the test
//     depend on the machine's name).
//   - The KRB5* variables of the test process are dropped from sshd's
//     environment (a client ccache must not leak into the server) and
//     replaced by KRB5_CONFIG, KRB5_KTNAME (the realm's keytab, read by
//     the privileged monitor, which stays root) and KRB5RCACHEDIR (a
//     directory of its own).
//   - If root's ~/.k5login exists and does not list root@REALM,
//     krb5_kuserok refuses the login: Start fails with that reason instead
//     of a confusing "Failed gssapi-with-mic".
//   - A command runs through root's login shell. Debian's bash sources
//     ~/.bashrc when started by sshd, even for `ssh host cmd`: whatever the
//     host's rc file does is part of every session (here pyenv's init,
//     about 4 s per command), and tests must look for their own output
//     line rather than compare the whole output.
//   - Delegated credentials are stored by sshd in FILE:/tmp/krb5cc_0_*,
//     exported to the session as KRB5CCNAME and removed when the session
//     ends (GSSAPICleanupCredentials yes, the default); seen by
//     compat/ssh's TestOpenSSHServerGoClientDelegation.
//   - Only gssapi-with-mic being enabled, a bad MIC is logged as "GSSAPI
//     MIC check failed [preauth]" and no "Failed …" line follows.
package sshd
