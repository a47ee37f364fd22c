package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	ldapgss "github.com/gssnego/gssnego/compat/ldap"
	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/mspac"
	"github.com/gssnego/gssnego/platform"
)

// listFlag is a flag that may be repeated, each value comma-separated.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// groupDirectory says where and as whom -allow-group names are looked up.
type groupDirectory struct {
	URL    string // ldap://dc1.example.com[:389]
	SPN    string // the DC's LDAP service name; default ldap/<host>
	As     string // principal whose keys are in Keytab; empty: the default credential
	Keytab string
}

// resolveGroups turns -allow-group values into SIDs: a SID as it is, a
// name (DOMAIN\group or group) through one LDAP search each, at start-up:
// a group's SID never changes, so the answer holds for the proxy's life and
// no request waits for the directory.
func resolveGroups(groups []string, dir groupDirectory) ([]string, error) {
	out := make([]string, 0, len(groups))
	var names []string
	for _, g := range groups {
		if sid, err := mspac.ParseSID(g); err == nil {
			out = append(out, sid.String())
			continue
		}
		names = append(names, g)
	}
	if len(names) == 0 {
		return out, nil
	}
	if dir.URL == "" {
		return nil, fmt.Errorf("%q is a name: give -ldap to resolve it, or the group's SID (S-1-5-21-…; `wbinfo --name-to-sid`, `samba-tool group show`, PowerShell `(Get-ADGroup name).SID`)", names[0])
	}
	sids, err := dir.lookup(names)
	if err != nil {
		return nil, err
	}
	return append(out, sids...), nil
}

// lookup binds to the directory with Kerberos (signed and sealed) and
// finds each group's objectSid.
func (d groupDirectory) lookup(names []string) ([]string, error) {
	u, err := url.Parse(d.URL)
	if err != nil || u.Scheme != "ldap" || u.Hostname() == "" {
		return nil, fmt.Errorf("-ldap %q: want ldap://host[:port]", d.URL)
	}
	port := u.Port()
	if port == "" {
		port = "389"
	}
	var opts []ldapgss.Option
	if d.As != "" {
		p, err := platform.Provider()
		if err != nil {
			return nil, err
		}
		n, err := p.ImportName(d.As, gss.NameKerberosPrincipal)
		if err != nil {
			return nil, err
		}
		defer n.Release()
		cred, err := p.AcquireCredential(n, []gss.OID{gss.MechKRB5}, gss.CredInitiateOnly, gss.WithClientKeytab(d.Keytab))
		if err != nil {
			return nil, fmt.Errorf("credential of %s from %s: %w", d.As, d.Keytab, err)
		}
		defer cred.Release()
		opts = append(opts, ldapgss.WithCredential(cred))
	}
	raw, err := net.DialTimeout("tcp", net.JoinHostPort(u.Hostname(), port), 10*time.Second)
	if err != nil {
		return nil, err
	}
	conn := ldapgss.NewConn(raw)
	l := ldap.NewConn(conn, false)
	l.Start()
	defer l.Close()
	l.SetTimeout(15 * time.Second)
	c, err := ldapgss.NewClient(append(opts, ldapgss.WithConn(conn))...)
	if err != nil {
		return nil, err
	}
	spn := d.SPN
	if spn == "" {
		spn = "ldap/" + u.Hostname()
	}
	if err := c.Bind(l, spn, ""); err != nil {
		return nil, err
	}
	root, err := l.Search(ldap.NewSearchRequest("", ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false,
		"(objectClass=*)", []string{"defaultNamingContext"}, nil))
	if err != nil || len(root.Entries) != 1 {
		return nil, fmt.Errorf("RootDSE: %v", err)
	}
	base := root.Entries[0].GetAttributeValue("defaultNamingContext")
	out := make([]string, 0, len(names))
	for _, name := range names {
		sam := name[strings.LastIndexByte(name, '\\')+1:]
		res, err := l.Search(ldap.NewSearchRequest(base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 2, 0, false,
			"(&(objectClass=group)(sAMAccountName="+ldap.EscapeFilter(sam)+"))", []string{"objectSid"}, nil))
		if err != nil {
			return nil, fmt.Errorf("%q: %w", name, err)
		}
		if len(res.Entries) != 1 {
			return nil, fmt.Errorf("%q: %d groups of that name under %s", name, len(res.Entries), base)
		}
		sid, n, err := mspac.DecodeSID(res.Entries[0].GetRawAttributeValue("objectSid"))
		if err == nil && n != len(res.Entries[0].GetRawAttributeValue("objectSid")) {
			err = errors.New("trailing bytes")
		}
		if err != nil {
			return nil, fmt.Errorf("%q: objectSid: %v", name, err)
		}
		out = append(out, sid.String())
	}
	return out, nil
}

// withKeytab defaults Keytab to the acceptor's keytab.
func (d groupDirectory) withKeytab(kt string) groupDirectory {
	if d.Keytab == "" {
		d.Keytab = kt
	}
	return d
}
