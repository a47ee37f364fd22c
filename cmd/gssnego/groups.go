package main

import (
	"fmt"
	"strings"

	"github.com/gssnego/gssnego/mspac"
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

// resolveGroups turns -allow-group values into SIDs. A name
// (DOMAIN\group) would need a directory lookup, which is not built: the
// error says how to find the SID instead.
func resolveGroups(groups []string) ([]string, error) {
	out := make([]string, 0, len(groups))
	for _, g := range groups {
		sid, err := mspac.ParseSID(g)
		if err != nil {
			return nil, fmt.Errorf("%q: give the group's SID (S-1-5-21-…; `wbinfo --name-to-sid`, `samba-tool group show`, or PowerShell `(Get-ADGroup name).SID`); resolving names is not supported yet", g)
		}
		out = append(out, sid.String())
	}
	return out, nil
}
