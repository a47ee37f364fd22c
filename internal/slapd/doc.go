// Package slapd runs OpenLDAP's slapd for tests: an LDAP server that
// accepts SASL GSSAPI binds (cyrus-sasl's gssapiv2 plugin over MIT krb5)
// with a keytab from a test realm, on a free 127.0.0.1 port, configured
// only by its own files in a temp dir and stopped by tb.Cleanup.
//
//	r := testrealm.Shared(t)
//	r.AddService(t, "ldap/localhost")          // once per realm
//	s := slapd.Start(t, slapd.Config{Realm: r.Name, Env: r.Env(), MinSSF: 56})
//	// s.Addr "127.0.0.1:PORT"; SPN ldap/localhost; s.UserDN("alice")
//
// The directory holds BaseDN (dc=…, from the realm), ou=people under it and
// an inetOrgPerson uid=NAME for each Config.Users entry (default the
// realm's user "alice"). Only authenticated sessions may read (anonymous
// users may only bind), so a search succeeding proves the bind. A SASL
// identity uid=NAME,cn=REALM,cn=gssapi,cn=auth is mapped to UserDN(NAME),
// which is what WhoAmI then returns ("dn:" + UserDN).
//
// MinSSF becomes `sasl-secprops minssf=N`: cyrus-sasl then offers only the
// security layers at least that strong (GSSAPI integrity is SSF 1,
// confidentiality the key size, e.g. 256 for AES256) and refuses a client
// that picks a weaker one; 0 allows a bind without a layer.
//
// Config.TLS adds an ldaps:// listener (Server.LDAPSAddr) with a fresh
// self-signed ECDSA P-256 certificate for Host and 127.0.0.1 (trusted by
// Server.CertPool); Config.CBinding sets sasl-cbinding (tls-endpoint makes
// cyrus-sasl hand tls-server-end-point channel bindings to the acceptor).
//
// Without slapd (ci/install-deps.sh ldap: slapd ldap-utils
// libsasl2-modules-gssapi-mit) a test skips, or fails when
// GSSNEGO_REQUIRE_LAB=1. Linux only.
//
// # What it took (OpenLDAP 2.5.13 on Debian 12)
//
//   - slapd -d LEVEL stays in the foreground and logs to stderr; with
//     `-d 256` (stats) the log shows each BIND and its ssf, which tests print
//     when they fail. It starts in well under a second.
//   - The SASL realm in the authentication DN is lower-case
//     (cn=gssnego.test); sasl-host must be the host part of the SPN
//     (ldap/localhost), and KRB5_KTNAME names the keytab.
//   - slapadd loads the entries into the mdb database before the server
//     starts, so no bind is needed to populate it.
package slapd
