//go:build !windows

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"strings"
	"time"
)

var listeningRE = regexp.MustCompile(`listening on (\S+),`)

// demoCLI runs the same exchange as scenario 2 with the command-line tool
// in two processes: `gssnego server -n 1` and `gssnego client -v`.
func demoCLI(w io.Writer, gssnego string) error {
	fmt.Fprintln(w, "\n== 4. the same with the command-line tool, two processes (the client prints the inspector's full transcript)")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srvArgs := []string{"server", "-listen", demoHost + ":0", "-n", "1"}
	srv := exec.CommandContext(ctx, gssnego, srvArgs...)
	out, err := srv.StdoutPipe()
	if err != nil {
		return err
	}
	srv.Stderr = srv.Stdout
	if err := srv.Start(); err != nil {
		return err
	}
	lines := bufio.NewScanner(out)
	var addr string
	var srvOut []string
	for addr == "" && lines.Scan() {
		srvOut = append(srvOut, lines.Text())
		if m := listeningRE.FindStringSubmatch(lines.Text()); m != nil {
			addr = m[1]
		}
	}
	if addr == "" {
		srv.Wait()
		return fmt.Errorf("gssnego server did not start: %s", strings.Join(srvOut, "\n"))
	}
	host, port, _ := strings.Cut(addr, ":")
	cliArgs := []string{"client", "-server", host, "-port", port, "-target", "host@localhost", "-no-optimistic", "-v"}
	fmt.Fprintf(w, "   $ gssnego %s &\n   $ gssnego %s\n", strings.Join(srvArgs, " "), strings.Join(cliArgs, " "))
	cout, cerr := exec.CommandContext(ctx, gssnego, cliArgs...).CombinedOutput()
	for lines.Scan() {
		srvOut = append(srvOut, lines.Text())
	}
	serr := srv.Wait()
	for _, l := range strings.Split(strings.TrimRight(string(cout), "\n"), "\n") {
		fmt.Fprintf(w, "   client| %s\n", l)
	}
	for _, l := range srvOut {
		fmt.Fprintf(w, "   server| %s\n", l)
	}
	return errors.Join(cerr, serr)
}
