package sshgss

import (
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/gssnego/gssnego/gss"
)

// TestAllowGroup: AllowGroup lets through a verified member only, then
// asks the wrapped callback; an unverified PAC or none is refused.
func TestAllowGroup(t *testing.T) {
	const admins = "S-1-5-21-1-2-3-1106"
	s := &Server{}
	called := 0
	allow := AllowGroup(s, func(ssh.ConnMetadata, string) (*ssh.Permissions, error) {
		called++
		return &ssh.Permissions{}, nil
	}, "S-1-5-21-1-2-3-512", admins)
	for _, c := range []struct {
		name  string
		authz *gss.AuthzData
		ok    bool
	}{
		{"member", &gss.AuthzData{Verified: true, GroupSIDs: []string{"S-1-5-21-1-2-3-513", admins}}, true},
		{"unverified", &gss.AuthzData{GroupSIDs: []string{admins}}, false},
		{"other groups", &gss.AuthzData{Verified: true, GroupSIDs: []string{"S-1-5-21-1-2-3-513"}}, false},
		{"no PAC", nil, false},
	} {
		s.authz, called = c.authz, 0
		_, err := allow(nil, "alice@EXAMPLE.COM")
		if (err == nil) != c.ok || (called == 1) != c.ok {
			t.Errorf("%s: err %v, callback called %d times", c.name, err, called)
		}
	}
}
