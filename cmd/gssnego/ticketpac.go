package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/gssnego/gssnego/kerberos"
	"github.com/gssnego/gssnego/negotiate"
)

// ticketReport is what -keytab read from one AP-REQ's ticket (the "tickets"
// list of inspect's and audit's JSON).
type ticketReport struct {
	// Exchange is the audit's exchange index; absent for inspect.
	Exchange *int `json:"exchange,omitempty"`
	// Token is the token's index in its transcript.
	Token int `json:"token"`
	*kerberos.TicketInfo
}

// readTickets reads the ticket of every Kerberos AP-REQ among the tokens,
// bare or as an SPNEGO mechToken; reports[i] describes tokens[i].
func readTickets(sk *kerberos.ServiceKeys, reports []negotiate.Report, tokens [][]byte, exchange *int) []ticketReport {
	var out []ticketReport
	for i, r := range reports {
		in := r.MechToken
		if in == nil || in.Mech != "krb5" || in.Message != "AP-REQ" || i >= len(tokens) {
			continue
		}
		tok := tokens[i]
		if in.Offset < 0 || in.Length < 0 || in.Offset+in.Length > len(tok) {
			continue
		}
		out = append(out, ticketReport{Exchange: exchange, Token: i, TicketInfo: sk.ReadTicket(tok[in.Offset : in.Offset+in.Length])})
	}
	return out
}

// printTickets writes the -keytab lines, each starting with prefix.
func printTickets(w io.Writer, prefix string, ts []ticketReport) {
	for _, t := range ts {
		fmt.Fprintf(w, "%sticket in token %d: %s kvno %d %s\n", prefix, t.Token, orDash(t.Service), t.KVNO, etypeName(t.Etype))
		p := prefix + "  "
		if t.Reason != "" {
			fmt.Fprintf(w, "%snot read with -keytab: %s\n", p, t.Reason)
			continue
		}
		fmt.Fprintf(w, "%sclient: %s\n", p, t.Client)
		switch {
		case t.PACError != "":
			fmt.Fprintf(w, "%sPAC: does not decode: %s\n", p, t.PACError)
		case !t.HasPAC:
			fmt.Fprintf(w, "%sno PAC\n", p)
		case t.Authz == nil:
			fmt.Fprintf(w, "%sno PAC logon info: a PAC with no account and no groups (as MIT's KDC issues)\n", p)
		default:
			a := t.Authz
			fmt.Fprintf(w, "%sPAC server signature: %s\n", p, map[bool]string{true: "verified with the keytab's key", false: "NOT verified"}[a.Verified])
			fmt.Fprintf(w, "%suser SID: %s\n", p, a.UserSID)
			fmt.Fprintf(w, "%sprimary group: %s\n", p, orDash(a.PrimaryGroupSID))
			fmt.Fprintf(w, "%sgroups (%d): %s\n", p, len(a.GroupSIDs), strings.Join(a.GroupSIDs, " "))
			fmt.Fprintf(w, "%slogon: %s\\%s\n", p, a.LogonDomain, a.LogonName)
			fmt.Fprintf(w, "%sUPN: %s  DNS domain: %s\n", p, orDash(a.UPN), orDash(a.DNSDomain))
		}
	}
}
