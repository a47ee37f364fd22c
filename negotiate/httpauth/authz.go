package httpauth

import "net/http"

// MemberOf reports whether the client's verified authorization data lists
// sid ("S-1-5-21-…-1106") as its user or one of its groups: the KDC's
// answer from the ticket's PAC, with no directory lookup. A PAC whose
// server signature was not verified never makes a client a member.
func (id *Identity) MemberOf(sid string) bool {
	return id != nil && id.Authz != nil && id.Authz.Verified && id.Authz.HasSID(sid)
}

// GroupSIDs returns the client's verified group SIDs (nil without a
// verified PAC).
func (id *Identity) GroupSIDs() []string {
	if id == nil || id.Authz == nil || !id.Authz.Verified {
		return nil
	}
	return id.Authz.GroupSIDs
}

// MemberOf reports whether r's authenticated client is a verified member
// of sid (see Identity.MemberOf).
func MemberOf(r *http.Request, sid string) bool {
	return IdentityFrom(r.Context()).MemberOf(sid)
}
