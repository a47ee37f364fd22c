package authproxy

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gssnego/gssnego/mspac"
	"github.com/gssnego/gssnego/negotiate/httpauth"
)

// DefaultGroupsHeader carries the client's verified group SIDs to the
// backend, comma-separated; DefaultUPNHeader its UPN.
const (
	DefaultGroupsHeader = "X-Remote-Groups"
	DefaultUPNHeader    = "X-Remote-Upn"
)

type authzHeaderNames struct{ groups, upn string }

// authzHeaders checks AllowGroups and names the groups and UPN headers,
// which must differ from each other and from the principal header (folded
// as stripSpoofable folds them).
func (p *Proxy) authzHeaders(principal string) (authzHeaderNames, error) {
	for _, g := range p.AllowGroups {
		if _, err := mspac.ParseSID(g); err != nil {
			return authzHeaderNames{}, fmt.Errorf("authproxy: AllowGroups entry %q is not a SID (resolve names first)", g)
		}
	}
	h := authzHeaderNames{groups: http.CanonicalHeaderKey(p.GroupsHeader), upn: http.CanonicalHeaderKey(p.UPNHeader)}
	if h.groups == "" {
		h.groups = DefaultGroupsHeader
	}
	if h.upn == "" {
		h.upn = DefaultUPNHeader
	}
	names := []string{headerFold(principal), headerFold(h.groups), headerFold(h.upn)}
	if names[0] == names[1] || names[0] == names[2] || names[1] == names[2] {
		return authzHeaderNames{}, fmt.Errorf("authproxy: principal, groups and UPN headers must differ (%s, %s, %s)", principal, h.groups, h.upn)
	}
	return h, nil
}

// setAuthzHeaders gives the backend the client's verified groups and UPN;
// without a verified PAC it gets neither (the client's own were stripped).
func setAuthzHeaders(out http.Header, h authzHeaderNames, id *httpauth.Identity) {
	if sids := id.GroupSIDs(); len(sids) > 0 {
		out.Set(h.groups, strings.Join(sids, ","))
	}
	if id.Authz != nil && id.Authz.Verified && id.Authz.UPN != "" {
		out.Set(h.upn, id.Authz.UPN)
	}
}

// allowedGroup applies AllowGroups.
func (p *Proxy) allowedGroup(id *httpauth.Identity) bool {
	return len(p.AllowGroups) == 0 || slices.ContainsFunc(p.AllowGroups, id.MemberOf)
}
