//go:build !windows

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

// demoAudit runs `gssnego audit` on the demo's capture and prints its
// report, which must flag (exit status 3) the client ↔ man-in-the-middle
// connection of scenario 3: the acceptor's AP-REP arrived there without
// the mechListMIC the policy made due, and the client closed the
// connection instead of answering. No exchange fails the policy — nobody
// went ahead without the MIC — so the audit marks it refused=mic-missing
// (verdict incomplete, aborted): evidence of a stripped MIC that the peer
// caught. The man in the middle ↔ server half shows the MIC present and
// the exchange aborted, and is not flagged (TestDemoScript checks both).
func demoAudit(w io.Writer, path, gssnego, keep string) error {
	if keep != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := os.WriteFile(keep, b, 0o644); err != nil {
			return fmt.Errorf("keeping the capture: %w", err)
		}
		path = keep
	}
	fmt.Fprintf(w, "\n== 9. gssnego audit of the demo's own traffic, recorded by tcpdump: %s\n", path)
	if keep == "" {
		fmt.Fprintln(w, "   (a temporary file; -capture PATH or GSSNEGO_DEMO_CAPTURE=PATH keeps it)")
	}
	if gssnego == "" {
		fmt.Fprintln(w, "   audit skipped: run with -gssnego PATH (ci/demo.sh does)")
		return nil
	}
	fmt.Fprintf(w, "   $ gssnego audit %s\n", path)
	var out bytes.Buffer
	cmd := exec.Command(gssnego, "audit", path)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	for _, l := range strings.Split(strings.TrimRight(out.String(), "\n"), "\n") {
		fmt.Fprintf(w, "   audit| %s\n", l)
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		return fmt.Errorf("gssnego audit: %v; want exit status 3 (the stripped exchange fails the policy)", err)
	}
	fmt.Fprintln(w, "result: exit status 3: the client ↔ man-in-the-middle exchange of part 3 is flagged (refused=mic-missing)")
	return nil
}
