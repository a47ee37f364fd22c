package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/gssnego/gssnego/capture"
	"github.com/gssnego/gssnego/kerberos"
	"github.com/gssnego/gssnego/negotiate"
)

const auditUsage = `usage: gssnego audit [-profile windows|rfc4178|strict] [-json] [-warnings] [-keytab file] FILE.pcap|FILE.pcapng

Reads a packet capture, reassembles its TCP streams, finds the SPNEGO
exchanges carried by HTTP (Negotiate headers), LDAP (SASL GSS-SPNEGO and
GSSAPI binds), SMB1/SMB2 (session setup; direct on 445 or over NetBIOS
on 139), DCE/RPC (bind auth verifiers, over TCP or inside SMB2 named
pipes: pipe=NAME) and the MSDN SSPI sockets sample (length-prefixed
tokens), and applies the mechListMIC policy to each. Prints one line per
exchange and a summary.

Bare mechanism tokens (DCE/RPC auth types 10 and 16, an SMB client that
answers the server's SPNEGO offer with bare NTLMSSP: mech=smb-ntlmssp)
are not SPNEGO: verdict not-spnego, the MIC policy does not apply. The
server's offer such a client passed over is listed with
offer-declined=raw-ntlmssp, or offer-declined=legacy-session-setup when
an SMB1 client answered without extended security (no token at all).

An exchange that ended (connection closed, or negState reject) right after
a token that lacked its due mechListMIC is marked refused=mic-missing: the
peer refused it, as it must when a MIC was stripped in transit.

A connection whose start the capture missed has its first exchange judged
as a partial transcript (verdict partial: what the visible tokens prove,
the rest undecided), as gssnego inspect does without -whole.

Exit status: 0 no exchange fails the policy, 1 the capture is unreadable,
2 usage, 3 at least one exchange fails the policy (a due mechListMIC
missing, a downgrade without one, a malformed token or tokens in an
impossible order) or was refused over a missing mechListMIC. Incomplete,
partial, not-spnego and rejected exchanges, and declined offers, are
listed but never give exit 3; nor does a healthy exchange seen through
large-send offload, from mid-stream, or on a reused port.

With -keytab, the ticket of each Kerberos AP-REQ is decrypted with the
service's key and its PAC printed under the exchange's line (client,
user SID, group SIDs, UPN, server signature verified or not; "no PAC"; or
why no key matched). This is information: it never changes the exit status.
`

// auditReport is the -json output.
type auditReport struct {
	File    string            `json:"file"`
	Profile negotiate.Profile `json:"profile"`
	*capture.Result
	Summary auditSummary `json:"summary"`
	// Tickets is what -keytab read from the AP-REQs' tickets.
	Tickets []ticketReport `json:"tickets,omitempty"`
}

type auditSummary struct {
	Verdicts map[string]int `json:"verdicts"`
	// Failed counts exchanges that fail the policy.
	Failed int `json:"failed"`
	// Refused counts exchanges a peer refused after a token lacked its due
	// mechListMIC (stripped in transit, or a broken peer): flagged too.
	Refused int `json:"refusedMICMissing"`
	// RefusedConns lists those exchanges' connections, "client -> server".
	RefusedConns []string `json:"refusedConnections,omitempty"`
	// Unprotected lists the servers that completed an exchange although a
	// due mechListMIC was missing: they would accept a stripped MIC.
	Unprotected []string `json:"unprotectedServers,omitempty"`
}

func runAudit(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, auditUsage); fs.PrintDefaults() }
	profile := fs.String("profile", "windows", "mechListMIC policy profile: windows, rfc4178 or strict")
	asJSON := fs.Bool("json", false, "print exchanges, tokens and verdicts as JSON")
	warnings := fs.Bool("warnings", false, "print per-packet warnings")
	keytab := fs.String("keytab", "", "service `keytab`: decrypt each AP-REQ's ticket and print its PAC (groups, SIDs, UPN)")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	prof, err := negotiate.ParseProfile(*profile)
	if err != nil {
		fmt.Fprintln(stderr, "gssnego audit:", err)
		return exitUsage
	}
	var keys *kerberos.ServiceKeys
	if *keytab != "" {
		if keys, err = kerberos.LoadServiceKeys(*keytab); err != nil {
			fmt.Fprintln(stderr, "gssnego audit: -keytab:", err)
			return exitUsage
		}
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, "gssnego audit:", err)
		return exitUsage
	}
	defer f.Close()
	res, err := capture.Audit(f, capture.Options{Policy: negotiate.Policy{Profile: prof}})
	if err != nil {
		fmt.Fprintf(stderr, "gssnego audit: %s: %v\n", fs.Arg(0), err)
		if res == nil {
			return exitMalformed
		}
	}
	sum := summarize(res)
	var tickets [][]ticketReport // per exchange
	var allTickets []ticketReport
	if keys != nil {
		for i, e := range res.Exchanges {
			var ts []ticketReport
			if e.Transcript != nil {
				ts = readTickets(keys, e.Transcript.Reports, e.Tokens, &i)
			}
			tickets = append(tickets, ts)
			allTickets = append(allTickets, ts...)
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(auditReport{File: fs.Arg(0), Profile: prof, Result: res, Summary: sum, Tickets: allTickets}); err != nil {
			fmt.Fprintln(stderr, "gssnego audit:", err)
			return exitUsage
		}
	} else {
		for i, e := range res.Exchanges {
			fmt.Fprintln(stdout, exchangeLine(e))
			if keys != nil {
				printTickets(stdout, "  ", tickets[i])
			}
		}
		printSummary(stdout, res, sum)
	}
	if *warnings {
		for _, w := range res.Warnings {
			fmt.Fprintln(stderr, "gssnego audit: warning:", w)
		}
	}
	if err != nil {
		return exitMalformed
	}
	if sum.Failed > 0 || sum.Refused > 0 {
		return exitPolicy
	}
	return exitOK
}

// failsPolicy says whether a verdict is a policy failure; incomplete,
// partial (the capture began mid-exchange), not-spnego and rejected
// exchanges are reported but are not failures.
func failsPolicy(v *negotiate.Verdict) bool {
	switch v.Result {
	case negotiate.ResultOK, negotiate.ResultIncomplete, negotiate.ResultPartial, negotiate.ResultNotSPNEGO, negotiate.ResultRejected:
		return false
	}
	return true
}

// strippable says whether the exchange shows a server that went ahead
// without a MIC the policy made due.
func strippable(v *negotiate.Verdict) bool {
	return v.Result == negotiate.ResultMICMissing || v.Result == negotiate.ResultDowngradeWithoutMIC
}

func summarize(res *capture.Result) auditSummary {
	s := auditSummary{Verdicts: map[string]int{}}
	hosts := map[string]bool{}
	for _, e := range res.Exchanges {
		v := e.Verdict()
		s.Verdicts[v.Result]++
		if failsPolicy(v) {
			s.Failed++
		}
		if strippable(v) {
			hosts[e.Server.String()] = true
		}
		if e.Refused != "" {
			s.Refused++
			s.RefusedConns = append(s.RefusedConns, e.Client.String()+" -> "+e.Server.String())
		}
	}
	for h := range hosts {
		s.Unprotected = append(s.Unprotected, h)
	}
	sort.Strings(s.Unprotected)
	return s
}

// exchangeLine is one exchange for people: time, ends, carrier, mech,
// etype, MIC status, verdict and rule.
func exchangeLine(e *capture.Exchange) string {
	v := e.Verdict()
	mech := v.SelectedMechName
	if mech == "" {
		mech = "-"
	}
	if e.Mech != "" {
		mech = e.Mech
	}
	etype := "-"
	switch {
	case v.Etype.Session != 0:
		etype = v.Etype.Session.String()
	case v.Etype.Ticket != 0:
		etype = v.Etype.Ticket.String()
	}
	rule := v.Initiator.Rule
	if rule == "" {
		rule = v.Acceptor.Rule
	}
	if rule == "" {
		rule = "-"
	}
	line := fmt.Sprintf("%s %s -> %s %s tokens=%d mech=%s etype=%s mic=i:%s,a:%s verdict=%s rule=%s",
		e.Start.Format("2006-01-02T15:04:05.000000Z"), e.Client, e.Server, e.Carrier, len(e.Transcript.Reports),
		mech, etype, micWord(v.Initiator), micWord(v.Acceptor), v.Result, rule)
	if e.Pipe != "" {
		line += " pipe=" + e.Pipe
	}
	if e.Declined != "" {
		line += " offer-declined=" + e.Declined
	}
	if e.Aborted {
		line += " aborted"
	}
	if e.Refused != "" {
		line += " refused=" + e.Refused
	}
	return line
}

func micWord(s negotiate.MICStatus) string {
	switch {
	case s.Present:
		return "sent"
	case s.Due:
		return "MISSING"
	}
	return "none"
}

func printSummary(w io.Writer, res *capture.Result, s auditSummary) {
	var parts []string
	for k, n := range s.Verdicts {
		parts = append(parts, fmt.Sprintf("%s=%d", k, n))
	}
	sort.Strings(parts)
	fmt.Fprintf(w, "summary: %d frames, %d exchanges (%s), %d fail the policy, %d refused a missing mechListMIC, %d warnings\n",
		res.Frames, len(res.Exchanges), strings.Join(parts, " "), s.Failed, s.Refused, len(res.Warnings)+res.MoreWarnings)
	if len(s.Unprotected) > 0 {
		fmt.Fprintf(w, "servers that accepted a missing mechListMIC: %s\n", strings.Join(s.Unprotected, " "))
	}
	if len(s.RefusedConns) > 0 {
		fmt.Fprintf(w, "connections where a peer refused a token without its due mechListMIC (stripped in transit?): %s\n", strings.Join(s.RefusedConns, ", "))
	}
}
