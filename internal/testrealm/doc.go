// Package testrealm stands up a throwaway MIT Kerberos realm for tests: a
// database in a temp dir, krb5kdc on a free 127.0.0.1 port, a user with a
// password and TGT, and service keys in a keytab, all configured only through
// environment variables (KRB5_CONFIG, KRB5_KDC_PROFILE, KRB5CCNAME,
// KRB5_KTNAME, KRB5RCACHEDIR), so nothing on the host changes. A realm comes
// up in about 0.2 s; docs/lab.md has the facts behind it.
//
// Without the MIT KDC tools a test skips with the reason, or fails when
// GSSNEGO_REQUIRE_LAB=1 (see package lab).
//
// The package builds only on Unix: the realm is MIT's KDC, run by the
// Linux side even when the code under test is a Windows build under Wine.
package testrealm
