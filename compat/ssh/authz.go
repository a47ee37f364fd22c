package sshgss

import (
	"fmt"

	"golang.org/x/crypto/ssh"

	"github.com/gssnego/gssnego/gss"
)

// Authz is the Active Directory authorization data (the ticket's PAC: user
// and group SIDs, UPN) of the last context whose MIC verified, nil when the
// ticket had none or the backend cannot tell (see gss.InquireAuthz).
// x/crypto/ssh verifies the MIC before it calls AllowLogin, so AllowLogin
// can use it; AllowGroup does.
func (s *Server) Authz() *gss.AuthzData {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authz
}

// AllowGroup wraps an AllowLogin callback: the login must also come from a
// member of one of the group SIDs, by the verified PAC of s's context. A
// client without a verified PAC is refused.
func AllowGroup(s *Server, next func(ssh.ConnMetadata, string) (*ssh.Permissions, error), sids ...string) func(ssh.ConnMetadata, string) (*ssh.Permissions, error) {
	return func(conn ssh.ConnMetadata, srcName string) (*ssh.Permissions, error) {
		a := s.Authz()
		member := false
		for _, sid := range sids {
			member = member || (a != nil && a.Verified && a.HasSID(sid))
		}
		if !member {
			return nil, fmt.Errorf("sshgss: %s is in none of the groups allowed to log in (by the ticket's verified PAC)", srcName)
		}
		return next(conn, srcName)
	}
}
