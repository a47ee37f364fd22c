//go:build !windows

package main

import (
	"context"
	"os/exec"
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
}
