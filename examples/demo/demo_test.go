//go:build !windows

package main

import (
	"context"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gssnego/gssnego/internal/lab"
)

// demoLines must appear in ci/demo.sh's output, in this order.
var demoLines = []string{
	"verdict: ok (mechListMIC: initiator none (not due), acceptor none (not due))",
	`message: "This is your server speaking" (sealed: true; trailer `,
	"verdict: ok (mechListMIC: initiator sent+verified by acceptor, acceptor sent+verified by initiator)",
	"verdict: mic-missing (mechListMIC: initiator none (due: extra-leg-new-enctype), acceptor sent but not received)",
	"result: attack detected, the client refused the context (mechListMIC failure)",
	"client| verdict: ok (mechListMIC: initiator sent, acceptor sent+verified by initiator)",
	`client| client: server says "This is your server speaking" (sealed; `,
	"server| verdict: ok (mechListMIC: initiator sent+verified by acceptor, acceptor sent)",
	"== 5. HTTP Negotiate",
	"verdict: ok (mechListMIC: initiator none (not due), acceptor none (not due))",
	"HTTP 200 OK, 1 legs, mutual: true",
	"== 6. HTTP Negotiate",
	"verdict: ok (mechListMIC: initiator sent+verified by acceptor, acceptor sent+verified by initiator)",
	"HTTP 200 OK, 3 legs, mutual: true",
	"== 7. double hop",
	"client: asked with deleg-policy, TGT forwarded: true",
	"HTTP 200 OK: front end saw alice@GSSNEGO.TEST; back end saw alice@GSSNEGO.TEST",
	"== 8. double hop",
	"client: asked with deleg-policy, TGT forwarded: false",
	"HTTP 403 Forbidden: httpauth: the client delegated no credential",
	"== done: servers stopped, KDC stopped, realm directory removed",
}

// TestDemoScript runs the README's demo command, ci/demo.sh, as a user would.
func TestDemoScript(t *testing.T) {
	lab.Provider(t) // ci/demo.sh builds its programs as this binary was built
	lab.NeedCommand(t, "go", "krb5kdc", "kdb5_util", "kadmin.local", "kinit")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, "../../ci/demo.sh")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ci/demo.sh: %v\n%s", err, out)
	}
	t.Logf("ci/demo.sh took %v", time.Since(start).Round(time.Millisecond))
	rest := string(out)
	for _, want := range demoLines {
		i := strings.Index(rest, want)
		if i < 0 {
			t.Fatalf("ci/demo.sh output lacks (in order) %q:\n%s", want, out)
		}
		rest = rest[i+len(want):]
	}
	checkDemoAudit(t, string(out))
}

// wantAudit is what `gssnego audit` must find in the demo's capture, in
// order: every exchange the demo ran (scenario 3 twice: client ↔ man in
// the middle, man in the middle ↔ server; 7 twice: client ↔ front end,
// front end ↔ back end; 8 once: the front end refuses before the back end).
var wantAudit = []struct{ scenario, carrier, tail string }{
	{"1", "sspi-sample", "verdict=ok rule=-"},
	{"2", "sspi-sample", "verdict=ok rule=extra-leg-new-enctype"},
	{"3 client ↔ mitm", "sspi-sample", "mic=i:MISSING,a:MISSING verdict=incomplete rule=extra-leg-new-enctype aborted refused=mic-missing"},
	{"3 mitm ↔ server", "sspi-sample", "mic=i:MISSING,a:sent verdict=incomplete rule=extra-leg-new-enctype aborted"},
	{"4", "sspi-sample", "mic=i:sent,a:sent verdict=ok rule=extra-leg-new-enctype"},
	{"5", "http", "verdict=ok rule=-"},
	{"6", "http", "mic=i:sent,a:sent verdict=ok rule=extra-leg-new-enctype"},
	{"7 front", "http", "verdict=ok rule=-"},
	{"7 back", "http", "verdict=ok rule=-"},
	{"8", "http", "verdict=ok rule=-"},
}

var (
	sampleServerRE = regexp.MustCompile(`== sample server on (\S+):`)
	mitmRE         = regexp.MustCompile(`\(client → (\S+) \[mitm: strip-acceptor-mic\]`)
	auditLineRE    = regexp.MustCompile(`audit\| \S+ \S+ -> (\S+) (\S+) tokens=\d+ .*?(mic=.*|verdict=.*)$`)
)

// checkDemoAudit checks part 9: the audit found every exchange, with its
// carrier and verdict, and flagged only the connection the man in the
// middle stripped the acceptor's MIC on.
func checkDemoAudit(t *testing.T, out string) {
	if i := strings.Index(out, "capture skipped"); i >= 0 {
		// No tcpdump, or one that cannot capture here (not root).
		line, _, _ := strings.Cut(out[i:], "\n")
		lab.Unavailable(t, "the demo ran without a capture (%s): no audit of it", line)
		return
	}
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "audit| 20") {
			lines = append(lines, strings.TrimSpace(l))
		}
	}
	sample, mitm := sampleServerRE.FindStringSubmatch(out), mitmRE.FindStringSubmatch(out)
	if sample == nil || mitm == nil || len(lines) != len(wantAudit) {
		t.Fatalf("audit of the demo's capture: %d exchange lines, want %d (sample server %v, mitm %v):\n%s",
			len(lines), len(wantAudit), sample, mitm, strings.Join(lines, "\n"))
	}
	for i, want := range wantAudit {
		m := auditLineRE.FindStringSubmatch(lines[i])
		if m == nil || m[2] != want.carrier || !strings.HasSuffix(lines[i], want.tail) {
			t.Errorf("scenario %s: audit line %q; want carrier %s, ending %q", want.scenario, lines[i], want.carrier, want.tail)
			continue
		}
		server := m[1]
		switch want.scenario {
		case "1", "2", "3 mitm ↔ server":
			if server != sample[1] {
				t.Errorf("scenario %s: server %s, want the sample server %s", want.scenario, server, sample[1])
			}
		case "3 client ↔ mitm":
			if server != mitm[1] {
				t.Errorf("scenario 3: flagged server %s, want the man in the middle %s", server, mitm[1])
			}
		}
	}
	for _, want := range []string{
		"0 fail the policy, 1 refused a missing mechListMIC, 0 warnings",
		"connections where a peer refused a token without its due mechListMIC (stripped in transit?): 127.0.0.1:",
		"result: exit status 3: the client ↔ man-in-the-middle exchange of part 3 is flagged (refused=mic-missing)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("audit output lacks %q", want)
		}
	}
}
