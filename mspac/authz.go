package mspac

import (
	"strconv"

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
		a.GroupSIDs = l.groupStrings(a.PrimaryGroupSID)
		a.LogonName, a.LogonDomain = l.EffectiveName, l.LogonDomainName
		a.LogonTime, a.PasswordMustChange = l.LogonTime, l.PasswordMustChange
		a.UserAccountControl = l.UserAccountControl
	}
	if u := p.UPNDNSInfo; u != nil {
		a.UPN, a.DNSDomain = u.UPN, u.DNSDomain
	}
	return a
}

// groupStrings is GroupSIDs as strings, with primary appended when the
// PAC does not list it, built without a SID value per group: one string
// each (a 5900-group PAC would otherwise cost four allocations a group).
func (l *LogonInfo) groupStrings(primary string) []string {
	out := make([]string, 0, len(l.Groups)+len(l.ExtraSIDs)+len(l.ResourceGroups)+1)
	seen := make(map[string]struct{}, cap(out))
	add := func(s string) {
		if _, dup := seen[s]; !dup {
			seen[s] = struct{}{}
			out = append(out, s)
		}
	}
	rids := func(domain SID, g []GroupMembership) {
		prefix := domain.String() + "-"
		buf := make([]byte, 0, len(prefix)+10)
		for _, m := range g {
			buf = strconv.AppendUint(append(buf[:0], prefix...), uint64(m.RID), 10)
			add(string(buf))
		}
	}
	rids(l.LogonDomainSID, l.Groups)
	for _, e := range l.ExtraSIDs {
		add(e.SID.String())
	}
	if !l.ResourceGroupDomainSID.IsZero() {
		rids(l.ResourceGroupDomainSID, l.ResourceGroups)
	}
	add(primary)
	return out
}
