package mspac

import (
	"github.com/gssnego/gssnego/gss"
)

// Authz turns the PAC into the platform-neutral gss.AuthzData every
// backend reports. Verified and VerifiedBy are the caller's to set: the
// PAC cannot vouch for itself. A PAC without KERB_VALIDATION_INFO gives
// nil: it says nothing about the client's account or groups. MIT's KDC
// (1.20 and later) puts such a PAC in every ticket: PAC_CLIENT_INFO and
// the signatures only.
func (p *PAC) Authz() *gss.AuthzData {
	if p.LogonInfo == nil {
		return nil
	}
	a := &gss.AuthzData{Raw: p.Raw}
	if l := p.LogonInfo; l != nil {
		a.UserSID = l.UserSID().String()
		a.PrimaryGroupSID = l.PrimaryGroupSID().String()
		sids := l.GroupSIDs()
		a.GroupSIDs = make([]string, 0, len(sids)+1)
		primary := false
		for _, s := range sids {
			str := s.String()
			primary = primary || str == a.PrimaryGroupSID
			a.GroupSIDs = append(a.GroupSIDs, str)
		}
		if !primary {
			a.GroupSIDs = append(a.GroupSIDs, a.PrimaryGroupSID)
		}
		a.LogonName, a.LogonDomain = l.EffectiveName, l.LogonDomainName
		a.LogonTime, a.PasswordMustChange = l.LogonTime, l.PasswordMustChange
		a.UserAccountControl = l.UserAccountControl
	}
	if u := p.UPNDNSInfo; u != nil {
		a.UPN, a.DNSDomain = u.UPN, u.DNSDomain
	}
	return a
}
