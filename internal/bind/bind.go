//go:build linux

// Package bind starts BIND 9 (Debian's bind9, named) for a test: one
// primary zone on a free loopback port, accepting GSS-TSIG updates
// (tkey-gssapi-keytab) under an update-policy the test gives, in a temp
// dir, as the test's own user, stopped by PID. Dig and Nsupdate run the
// BIND tools against it.
//
// What named needs to accept GSS-TSIG: a keytab holding DNS/<host> (the
// client's target DNS@<host>), the realm's krb5.conf in KRB5_CONFIG (named
// uses the system GSSAPI, MIT on Debian), and a writable directory (the
// journal of updates, the session key). No rndc: the test stops named
// with SIGTERM.
package bind

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gssnego/gssnego/internal/lab"
)

// Config says how to run named.
type Config struct {
	Zone string   // e.g. "bind.gssnego.test." (trailing dot optional)
	Env  []string // KRB5_CONFIG, KRB5RCACHEDIR … ("KEY=value")
	// Keytab is the file named accepts tickets with (no "FILE:").
	Keytab string
	// Policy is the zone's update-policy rules, one per line without the
	// trailing semicolon, e.g. "grant GSSNEGO.TEST krb5-self * A".
	Policy []string
	// Records are extra zone-file lines (relative names allowed).
	Records []string
}

// Server is a running named.
type Server struct {
	Addr string // "127.0.0.1:port", UDP and TCP
	Zone string // with the trailing dot
	Dir  string
	Log  string

	cmd  *exec.Cmd
	done chan struct{}
}

// LogTail returns the last n lines of named's log.
func (s *Server) LogTail(n int) string {
	b, _ := os.ReadFile(s.Log)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Port is the port number as a string.
func (s *Server) Port() string {
	_, p, _ := net.SplitHostPort(s.Addr)
	return p
}

// Start writes named.conf and the zone, starts named in the foreground and
// waits until it answers on TCP; tb.Cleanup stops it.
func Start(tb testing.TB, cfg Config) *Server {
	tb.Helper()
	bins := lab.NeedCommand(tb, "named")
	if bins == nil {
		return nil
	}
	zone := strings.TrimSuffix(cfg.Zone, ".") + "."
	s := &Server{Zone: zone, Dir: tb.TempDir()}
	s.Log = filepath.Join(s.Dir, "named.log")
	zoneFile := filepath.Join(s.Dir, "zone.db")
	records := fmt.Sprintf("$TTL 300\n@ IN SOA ns.%[1]s hostmaster.%[1]s 1 3600 600 86400 300\n@ IN NS ns.%[1]s\nns IN A 127.0.0.1\n%[2]s\n",
		zone, strings.Join(cfg.Records, "\n"))
	if err := os.WriteFile(zoneFile, []byte(records), 0o644); err != nil {
		tb.Fatal(err)
	}
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if err = s.start(bins[0], cfg, zoneFile); err == nil {
			break
		}
	}
	tb.Cleanup(func() {
		s.stop()
		if tb.Failed() {
			tb.Logf("named: log tail (%s):\n%s", s.Log, s.LogTail(30))
		}
	})
	if err != nil {
		tb.Fatalf("named: %v\n%s", err, s.LogTail(30))
	}
	return s
}

func (s *Server) config(cfg Config, port int, zoneFile string) string {
	var policy strings.Builder
	for _, p := range cfg.Policy {
		fmt.Fprintf(&policy, "\t\t%s;\n", p)
	}
	return fmt.Sprintf(`// Written by internal/bind for one test.
options {
	directory "%[1]s";
	pid-file "%[1]s/named.pid";
	session-keyfile "%[1]s/session.key";
	managed-keys-directory "%[1]s";
	listen-on port %[2]d { 127.0.0.1; };
	listen-on-v6 { none; };
	recursion no;
	dnssec-validation no;
	notify no;
	tkey-gssapi-keytab "%[3]s";
};
controls { };
logging {
	channel stderr_all { stderr; severity debug 3; print-time yes; print-category yes; };
	category default { stderr_all; };
	category update { stderr_all; };
	category update-security { stderr_all; };
	category security { stderr_all; };
};
zone "%[4]s" {
	type primary;
	file "%[5]s";
	update-policy {
%[6]s	};
};
`, s.Dir, port, cfg.Keytab, s.Zone, zoneFile, policy.String())
}

func (s *Server) start(bin string, cfg Config, zoneFile string) error {
	res, err := lab.ReservePort(true)
	if err != nil {
		return err
	}
	defer res.Release()
	s.Addr = res.Addr()
	conf := filepath.Join(s.Dir, "named.conf")
	if err := os.WriteFile(conf, []byte(s.config(cfg, res.Num, zoneFile)), 0o644); err != nil {
		return err
	}
	logf, err := os.Create(s.Log)
	if err != nil {
		return err
	}
	defer logf.Close()
	// -g: foreground, log to stderr; -n 1: one worker thread, the machine
	// is shared; no -u: named stays the test's user.
	cmd := exec.Command(bin, "-g", "-n", "1", "-4", "-c", conf)
	cmd.Env = append(lab.PeerEnv(os.Environ()), cfg.Env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	res.Release()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start named: %w", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	s.cmd, s.done = cmd, done
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return fmt.Errorf("named exited during start (port %d taken?)", res.Num)
		default:
		}
		if b, _ := os.ReadFile(s.Log); bytes.Contains(b, []byte("running")) {
			if c, err := net.DialTimeout("tcp", s.Addr, 200*time.Millisecond); err == nil {
				c.Close()
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.stop()
	return fmt.Errorf("named did not start on %s within 20 s", s.Addr)
}

func (s *Server) stop() {
	lab.StopServer(s.cmd, s.done, syscall.SIGTERM, 5*time.Second)
	s.cmd = nil
}

// Dig runs dig @server for name and type over TCP and returns the answer
// section's data lines (+short).
func (s *Server) Dig(tb testing.TB, name, typ string) []string {
	tb.Helper()
	bins := lab.NeedCommand(tb, "dig")
	if bins == nil {
		return nil
	}
	out, err := exec.Command(bins[0], "@127.0.0.1", "-p", s.Port(), "+tcp", "+short", "+norecurse", name, typ).CombinedOutput()
	if err != nil {
		tb.Fatalf("dig %s %s: %v: %s", name, typ, err, out)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}
