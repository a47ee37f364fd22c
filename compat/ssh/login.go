package sshgss

import (
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"
)

// PrincipalExtension is the ssh.Permissions.Extensions key under which
// AllowSameUser records the authenticated principal, for the code that
// serves the connection (ssh.ServerConn.Permissions).
const PrincipalExtension = "gssapi-with-mic-principal@gssnego"

// AllowSameUser returns a GSSAPIWithMICConfig.AllowLogin callback that lets
// the principal user@realm log in as the local user "user" and nobody
// else, which is what OpenSSH's sshd does by default (krb5_kuserok with
// no ~/.k5login: a one-component principal of the default realm maps to
// the account of the same name). Principals with an instance
// ("user/admin@REALM"), of another realm, or asking for another account
// are refused with an error naming both. Names compare exactly: Kerberos
// principals are case-sensitive.
func AllowSameUser(realm string) func(ssh.ConnMetadata, string) (*ssh.Permissions, error) {
	return func(conn ssh.ConnMetadata, srcName string) (*ssh.Permissions, error) {
		user, prealm, err := SplitPrincipal(srcName)
		if err != nil {
			return nil, err
		}
		if prealm != realm || user != conn.User() || strings.Contains(user, "/") {
			return nil, fmt.Errorf("sshgss: principal %q may not log in as %q (AllowSameUser allows only %s@%s)", srcName, conn.User(), conn.User(), realm)
		}
		return &ssh.Permissions{Extensions: map[string]string{PrincipalExtension: srcName}}, nil
	}
}

// SplitPrincipal splits a Kerberos principal's display form at its realm
// separator: the last '@' not escaped by a backslash (RFC 1964 §2.1.1).
// The name part keeps its escapes. A principal without a realm, with an
// empty name or realm, or ending in a lone backslash is an error naming
// the byte offset.
func SplitPrincipal(p string) (name, realm string, err error) {
	at := -1
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '\\':
			if i+1 == len(p) {
				return "", "", fmt.Errorf("sshgss: principal %q: dangling backslash at offset %d", p, i)
			}
			i++
		case '@':
			at = i
		}
	}
	switch {
	case at < 0:
		return "", "", fmt.Errorf("sshgss: principal %q has no realm", p)
	case at == 0:
		return "", "", fmt.Errorf("sshgss: principal %q: empty name before offset 0", p)
	case at == len(p)-1:
		return "", "", fmt.Errorf("sshgss: principal %q: empty realm after offset %d", p, at)
	}
	return p[:at], p[at+1:], nil
}
