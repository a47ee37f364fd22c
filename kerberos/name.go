package kerberos

import (
	"fmt"
	"os"
	"strings"

	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/types"

	"github.com/gssnego/gssnego/gss"
)

// name is an imported name. A host-based service name keeps its host and
// gets its realm only when used, from krb5.conf's domain_realm (as MIT's
// referral-free path does).
type name struct {
	display string
	typ     gss.NameType
	princ   types.PrincipalName
	realm   string // "" for a host-based name until resolved
	host    string // host-based names only
}

var _ gss.Name = (*name)(nil)

func (n *name) String() string          { return n.display }
func (n *name) Type() gss.NameType      { return n.typ }
func (n *name) Release() error          { return nil }
func (n *name) principalString() string { return principalString(n.princ, n.realm) }

// principalString is the MIT display form "a/b@REALM".
func principalString(p types.PrincipalName, realm string) string {
	s := strings.Join(p.NameString, "/")
	if realm != "" {
		s += "@" + realm
	}
	return s
}

// parseName imports s of type t.
func parseName(s string, t gss.NameType, defaultRealm string) (*name, error) {
	const op = "ImportName"
	switch t {
	case gss.NameHostBasedService:
		svc, host, ok := strings.Cut(s, "@")
		if !ok || host == "" {
			h, err := os.Hostname()
			if err != nil {
				return nil, kerr(op, gss.StatusBadName, 0, "host-based name %q without a host: %v", s, err)
			}
			host = h
		}
		if svc == "" {
			return nil, kerr(op, gss.StatusBadName, 0, "host-based name %q has no service", s)
		}
		host = strings.ToLower(strings.TrimSuffix(host, "."))
		return &name{
			display: svc + "@" + host, typ: t, host: host,
			princ: types.PrincipalName{NameType: nametype.KRB_NT_SRV_HST, NameString: []string{svc, host}},
		}, nil
	case gss.NameKerberosPrincipal, gss.NameUserName, "":
		if t == "" {
			t = gss.NameKerberosPrincipal
		}
		p, realm, err := parsePrincipal(s)
		if err != nil {
			return nil, kerr(op, gss.StatusBadName, 0, "%v", err)
		}
		if realm == "" {
			realm = defaultRealm
		}
		n := &name{typ: t, princ: p, realm: realm}
		n.display = n.principalString()
		return n, nil
	}
	return nil, kerr(op, gss.StatusBadNameType, 0, "name type %s not supported", t)
}

// parsePrincipal splits "a/b@REALM" (with MIT's backslash escapes).
func parsePrincipal(s string) (types.PrincipalName, string, error) {
	var comps []string
	var cur strings.Builder
	realm, inRealm := "", false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			i++
			cur.WriteByte(s[i])
			continue
		}
		switch {
		case c == '/' && !inRealm:
			comps = append(comps, cur.String())
			cur.Reset()
		case c == '@' && !inRealm:
			comps = append(comps, cur.String())
			cur.Reset()
			inRealm = true
		default:
			cur.WriteByte(c)
		}
	}
	if inRealm {
		realm = cur.String()
	} else {
		comps = append(comps, cur.String())
	}
	for _, c := range comps {
		if c == "" {
			return types.PrincipalName{}, "", fmt.Errorf("malformed principal name %q", s)
		}
	}
	nt := int32(nametype.KRB_NT_PRINCIPAL)
	if len(comps) > 1 {
		nt = nametype.KRB_NT_SRV_INST
	}
	return types.PrincipalName{NameType: nt, NameString: comps}, realm, nil
}

// samePrincipal compares names component-wise, ignoring the name type as
// MIT does.
func samePrincipal(a, b types.PrincipalName) bool {
	if len(a.NameString) != len(b.NameString) {
		return false
	}
	for i := range a.NameString {
		if a.NameString[i] != b.NameString[i] {
			return false
		}
	}
	return true
}
