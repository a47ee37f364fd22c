package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/kerberos"
	"github.com/gssnego/gssnego/negotiate"
)

// Exit statuses of inspect.
const (
	exitOK        = 0 // verdict ok, incomplete, partial or not-spnego
	exitMalformed = 1 // a token could not be decoded
	exitUsage     = 2 // bad flags or unreadable input
	exitPolicy    = 3 // the exchange fails the mechListMIC policy
)

const inspectUsage = `usage: gssnego inspect [-profile windows|rfc4178|strict] [-whole] [-json] [-keytab file] [-f file] [-max-line bytes] [token ...]

Decodes SPNEGO tokens and applies the mechListMIC policy to them as one
exchange. Tokens come from the arguments, else from the file given with -f
(one per line), else from standard input (one per line). A token is hex,
base64, or an HTTP header line ("Authorization: Negotiate ...",
"WWW-Authenticate: Negotiate ..."). Directions alternate starting with the
initiator; prefix a token with "i2a:" or "a2i:" to set it (an Authorization
header is i2a, a WWW-Authenticate header a2i).

Tokens that start in the middle of an exchange (a server token pasted on
its own) are a partial transcript: decoded, judged where the earlier tokens
do not matter, and the rest listed as undecided. With -whole the tokens are
the complete exchange, and a NegTokenResp with nothing before it is a
protocol error.

With -keytab, the ticket of each Kerberos AP-REQ is decrypted with the
service's key from that keytab and its PAC read: client, user SID, group
SIDs (extra SIDs and resource groups included), UPN and DNS domain, and
whether the PAC's server signature verified; "no PAC" when the ticket has
none. A ticket no key matches (principal, kvno or enctype missing) is a
line naming the reason, not an error.

Exit status: 0 ok (or incomplete, or partial), 1 malformed token, 2 usage,
3 policy failure.
`

// defaultMaxLine bounds one input line: far above any real token (a
// Kerberos ticket with a large PAC is tens of KiB) while keeping a stray
// binary file from being read whole.
const defaultMaxLine = 16 << 20

// runInspect is the inspect subcommand.
func runInspect(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, inspectUsage); fs.PrintDefaults() }
	profile := fs.String("profile", "windows", "mechListMIC policy profile: windows, rfc4178 or strict")
	asJSON := fs.Bool("json", false, "print the transcript as JSON")
	file := fs.String("f", "", "read tokens from `file`, one per line (- for standard input)")
	whole := fs.Bool("whole", false, "the tokens are the whole exchange: a NegTokenResp with nothing before it is a protocol error, not a partial capture")
	maxLine := fs.Int("max-line", defaultMaxLine, "longest input line accepted from -f or standard input, in `bytes`")
	keytab := fs.String("keytab", "", "service `keytab`: decrypt each AP-REQ's ticket and print its PAC (groups, SIDs, UPN)")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	prof, err := negotiate.ParseProfile(*profile)
	if err != nil {
		fmt.Fprintln(stderr, "gssnego inspect:", err)
		return exitUsage
	}
	var keys *kerberos.ServiceKeys
	if *keytab != "" {
		if keys, err = kerberos.LoadServiceKeys(*keytab); err != nil {
			fmt.Fprintln(stderr, "gssnego inspect: -keytab:", err)
			return exitUsage
		}
	}
	lines := fs.Args()
	if len(lines) == 0 {
		in := stdin
		if *file != "" && *file != "-" {
			f, err := os.Open(*file)
			if err != nil {
				fmt.Fprintln(stderr, "gssnego inspect:", err)
				return exitUsage
			}
			defer f.Close()
			in = f
		}
		if lines, err = readLines(in, *maxLine); err != nil {
			fmt.Fprintln(stderr, "gssnego inspect:", err)
			return exitUsage
		}
	} else if *file != "" {
		fmt.Fprintln(stderr, "gssnego inspect: give tokens as arguments or with -f, not both")
		return exitUsage
	}
	if len(lines) == 0 {
		fmt.Fprintln(stderr, "gssnego inspect: no tokens")
		return exitUsage
	}

	tr := negotiate.NewTranscript(negotiate.Policy{Profile: prof, AllowPartial: !*whole})
	dir := negotiate.AcceptorToInitiator // so the first default is i2a
	var tokens [][]byte
	for i, line := range lines {
		d, tok, err := decodeToken(line, dir.Reverse())
		if err != nil {
			fmt.Fprintf(stderr, "gssnego inspect: token %d: %v\n", i, err)
			return exitUsage
		}
		dir = d
		tr.Add(d, tok)
		tokens = append(tokens, tok)
	}
	var tickets []ticketReport
	if keys != nil {
		tickets = readTickets(keys, tr.Reports, tokens, nil)
	}

	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		var v any = tr
		if keys != nil {
			v = struct {
				*negotiate.Transcript
				Tickets []ticketReport `json:"tickets"`
			}{tr, tickets}
		}
		if err := enc.Encode(v); err != nil {
			fmt.Fprintln(stderr, "gssnego inspect:", err)
			return exitUsage
		}
	} else {
		printTranscript(stdout, tr)
		if keys != nil {
			fmt.Fprintf(stdout, "tickets read with -keytab %s:\n", *keytab)
			if len(tickets) == 0 {
				fmt.Fprintln(stdout, "  no Kerberos AP-REQ among the tokens")
			}
			printTickets(stdout, "  ", tickets)
		}
	}
	for _, r := range tr.Reports {
		if r.Error != nil {
			fmt.Fprintf(stderr, "gssnego inspect: token %d: malformed: %v\n", r.Index, r.Error)
			return exitMalformed
		}
	}
	switch tr.Verdict.Result {
	case negotiate.ResultOK, negotiate.ResultIncomplete, negotiate.ResultPartial, negotiate.ResultNotSPNEGO:
		return exitOK
	}
	fmt.Fprintf(stderr, "gssnego inspect: %v\n", tr.Verdict.Err())
	return exitPolicy
}

// readLines returns the non-empty lines of r, comments (#) dropped; a line
// longer than maxLine bytes is an error that names the limit and the flag.
func readLines(r io.Reader, maxLine int) ([]string, error) {
	if maxLine < 1 {
		return nil, fmt.Errorf("-max-line %d: want a positive number of bytes", maxLine)
	}
	var out []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, min(maxLine, 64<<10)), maxLine)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, line)
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		return nil, fmt.Errorf("input line %d is longer than %d bytes, the line limit; raise it with -max-line (e.g. -max-line %d), or check that the input is one token per line", n+1, maxLine, 4*maxLine)
	} else if err != nil {
		return nil, err
	}
	return out, nil
}

// headerRE matches an HTTP Negotiate header line (RFC 4559), with or
// without the header name.
var headerRE = regexp.MustCompile(`(?i)^(?:(proxy-authorization|authorization|www-authenticate|proxy-authenticate)\s*:\s*)?(?:negotiate|kerberos|ntlm)\s+(\S+)\s*$`)

// decodeToken turns one input line into a direction and token bytes; def
// is the direction used when the line does not say.
func decodeToken(line string, def negotiate.Direction) (negotiate.Direction, []byte, error) {
	d, explicit := def, true
	switch lower := strings.ToLower(line); {
	case strings.HasPrefix(lower, "i2a:"):
		d, line = negotiate.InitiatorToAcceptor, strings.TrimSpace(line[4:])
	case strings.HasPrefix(lower, "a2i:"):
		d, line = negotiate.AcceptorToInitiator, strings.TrimSpace(line[4:])
	default:
		explicit = false
	}
	if m := headerRE.FindStringSubmatch(line); m != nil {
		switch strings.ToLower(m[1]) {
		case "authorization", "proxy-authorization":
			if !explicit {
				d = negotiate.InitiatorToAcceptor
			}
		case "www-authenticate", "proxy-authenticate":
			if !explicit {
				d = negotiate.AcceptorToInitiator
			}
		}
		line = m[2]
	}
	b, err := decodeBytes(line)
	return d, b, err
}

// decodeBytes reads hex (whitespace and colons allowed) or base64.
func decodeBytes(s string) ([]byte, error) {
	compact := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == ':' {
			return -1
		}
		return r
	}, s)
	if len(compact) > 0 && len(compact)%2 == 0 && isHex(compact) {
		return hex.DecodeString(compact)
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(compact); err == nil && len(b) > 0 {
			return b, nil
		}
	}
	return nil, errors.New("neither hex nor base64")
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// printTranscript writes the human-readable report.
func printTranscript(w io.Writer, tr *negotiate.Transcript) {
	var b bytes.Buffer
	for _, r := range tr.Reports {
		printReport(&b, &r)
	}
	printVerdict(&b, &tr.Verdict)
	w.Write(b.Bytes())
}

func printReport(w io.Writer, r *negotiate.Report) {
	framed := ""
	if r.Framed {
		framed = " (framed: old Sun/MIT quirk)"
	}
	fmt.Fprintf(w, "token %d  %s  %s%s  %d bytes\n", r.Index, r.Direction, r.Kind, framed, r.Length)
	if r.Error != nil {
		fmt.Fprintf(w, "  error: %s at byte %d: %s\n", r.Error.Field, r.Error.Offset, r.Error.Reason)
		return
	}
	if len(r.MechTypes) > 0 {
		names := make([]string, len(r.MechTypes))
		for i, m := range r.MechTypes {
			names[i] = fmt.Sprintf("%s (%s)", m.Name, m.OID)
		}
		fmt.Fprintf(w, "  mechTypes: %s\n", strings.Join(names, ", "))
	}
	if r.ReqFlags != nil {
		fmt.Fprintf(w, "  reqFlags: %#x (ignored by acceptors)\n", uint32(*r.ReqFlags))
	}
	if r.HintName != "" {
		fmt.Fprintf(w, "  negHints.hintName: %q\n", r.HintName)
	}
	if r.NegState != "" {
		fmt.Fprintf(w, "  negState: %s\n", r.NegState)
	}
	if r.SupportedMech != nil {
		fmt.Fprintf(w, "  supportedMech: %s (%s)\n", r.SupportedMech.Name, r.SupportedMech.OID)
	}
	if r.MechToken != nil {
		label := "mechToken"
		switch r.Kind {
		case "NegTokenResp":
			label = "responseToken"
		case "mechanism":
			label = "bare mechanism token"
		}
		fmt.Fprintf(w, "  %s: %s\n", label, innerSummary(r.MechToken))
	}
	if r.MIC != nil {
		fmt.Fprintf(w, "  mechListMIC: %s\n", micSummary(r.MIC))
	} else if r.Kind != "mechanism" {
		fmt.Fprintf(w, "  mechListMIC: absent\n")
	}
}

func innerSummary(in *negotiate.Inner) string {
	parts := []string{in.Mech + " " + in.Message}
	if in.Info.Mech != "" {
		parts = append(parts, "GSS-framed "+in.Info.Mech.MechName())
	} else if in.Mech == "krb5" {
		parts = append(parts, "raw (no GSS header)")
	}
	if in.Message == "AP-REQ" {
		parts = append(parts, "mutual="+yesNo(in.Mutual))
	}
	if in.TicketEtype != 0 {
		parts = append(parts, "ticket etype "+etypeName(in.TicketEtype))
	}
	if in.SessionEtype != 0 {
		parts = append(parts, "session etype "+etypeName(in.SessionEtype))
	}
	if in.Info.Kind.String() == "krb5-error" {
		parts = append(parts, fmt.Sprintf("error-code %d", in.Info.Kerberos.ErrorCode))
	}
	if in.Message == "AUTHENTICATE" {
		parts = append(parts, "own MIC="+yesNo(in.NTLMHasMIC))
	}
	parts = append(parts, fmt.Sprintf("%d bytes at offset %d", in.Length, in.Offset))
	s := strings.Join(parts, ", ")
	if in.Error != "" {
		s += "; unreadable: " + in.Error
	}
	return s
}

func micSummary(m *negotiate.MIC) string {
	parts := []string{m.Format}
	switch m.Format {
	case "rfc4121":
		parts = append(parts, "flags "+m.Info.CFX.Flags.String(), fmt.Sprintf("checksum %d bytes", m.Info.CFX.ChecksumLen), "family "+m.Info.Family().String())
	case "rfc1964":
		parts = append(parts, fmt.Sprintf("SGN_ALG %#04x", m.Info.Legacy.SGNAlg), "family "+m.Info.Family().String())
	case "ntlm":
		parts = append(parts, fmt.Sprintf("seq %d", m.Info.Signature.SeqNum))
	case "copy-of-response-token":
		parts = append(parts, "Windows 2000 quirk, not a MIC")
	}
	parts = append(parts, fmt.Sprintf("%d bytes at offset %d", m.Length, m.Offset))
	s := strings.Join(parts, ", ")
	if m.Error != "" {
		s += "; unreadable: " + m.Error
	}
	return s
}

func printVerdict(w io.Writer, v *negotiate.Verdict) {
	fmt.Fprintf(w, "verdict (%s profile): %s", v.Profile, v.Result)
	if v.Reason != "" {
		fmt.Fprintf(w, ": %s", v.Reason)
	}
	fmt.Fprintln(w)
	if v.FirstMech != "" {
		fmt.Fprintf(w, "  first mech: %s", v.FirstMech.MechName())
		if v.SelectedMech != "" {
			fmt.Fprintf(w, ", selected: %s, downgrade: %s", v.SelectedMech.MechName(), yesNo(v.Downgrade))
		}
		fmt.Fprintf(w, ", request-mic: %s, optimistic accepted: %s, extra leg: %s\n",
			yesNo(v.RequestMIC), yesNo(v.OptimisticAccepted), yesNo(v.ExtraLeg))
	}
	e := v.Etype
	if e.Ticket != 0 || e.Session != 0 || e.MICFormat != "" {
		fmt.Fprintf(w, "  etype: ticket %s, session %s, MIC format %s, new enctype: %s",
			etypeName(e.Ticket), etypeName(e.Session), orDash(e.MICFormat), e.NewEnctype)
		if e.Source != "" {
			fmt.Fprintf(w, " (from %s)", e.Source)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "  initiator MIC: %s\n  acceptor MIC: %s\n", v.Initiator, v.Acceptor)
	if len(v.Quirks) > 0 {
		fmt.Fprintf(w, "  quirks: %s\n", strings.Join(v.Quirks, ", "))
	}
	if len(v.Undecided) > 0 {
		fmt.Fprintln(w, "  cannot be decided without the earlier tokens:")
		for _, u := range v.Undecided {
			fmt.Fprintf(w, "    - %s\n", u)
		}
		fmt.Fprintln(w, "  (give the whole exchange, from the NegTokenInit, to decide them; -whole says these tokens are all of it)")
	}
}

func etypeName(e gss.Enctype) string {
	if e == 0 {
		return "-"
	}
	return fmt.Sprintf("%s (%d)", e, int32(e))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
