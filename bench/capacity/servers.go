//go:build linux

package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gssnego/gssnego/internal/apache"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/testrealm"
)

// server is one of the servers under load, running in a process group of
// its own so that its CPU time can be read from /proc.
type server struct {
	name string
	addr string // where it listens, 127.0.0.1:port
	host string // the Host header, localhost:port (the client's tokens are for HTTP@localhost)
	pgid int
	logs func() string // the server's error log, for a failing test
}

// The servers, started in the order of allServers and reported in it.
const (
	nameOurs       = "gssnego"            // MIT, the keytab file read per accept, gssnego's memory replay cache (MIT's off)
	nameOursMemKT  = "gssnego-memkt"      // MIT, keytab in memory, MIT's file2 replay cache under gssnego's
	nameOursNoRC   = "gssnego-memkt-norc" // MIT, keytab in memory, gssnego's memory replay cache, MIT's off (none:)
	namePureGo     = "purego"             // kerberos.NewProvider: keytab and replay cache in memory
	nameGokrb5     = "gokrb5"
	nameApache     = "apache"
	defaultServers = nameOurs + "," + nameOursMemKT + "," + nameOursNoRC + "," + namePureGo + "," + nameGokrb5 + "," + nameApache
)

// childKind is the -serve kind of each server this command runs as its child.
var childKind = map[string]string{
	nameOurs: "ours", nameOursMemKT: "ours-memkt", nameOursNoRC: "ours-memkt-norc",
	namePureGo: "purego", nameGokrb5: "gokrb5",
}

// replayProtected says whether a server refuses a token it has seen: all
// of them. Every httpauth.Server checks gssnego's in-memory replay cache
// (replay.Memory) by default, so gssnego-memkt-norc, whose MIT replay cache
// is off ("none:"), is protected by ours alone: the configuration a fleet
// runs (docs/http.md, "Running a fleet").
func replayProtected(string) bool { return true }

// startServers starts the servers named (defaultServers), all with realm's
// keytab and the service HTTP/localhost, each with a replay cache of its
// own: our middleware (four variants) and gokrb5's handler as children
// running bin -serve, Apache
// httpd + mod_auth_gssapi (krb5 only, GssapiConnectionBound off, quiet
// logs, one process with a worker thread per connection of the largest
// load, so that the event MPM does not close keep-alive connections for
// want of workers). profile, when set, is where our server writes its CPU
// profile.
func startServers(tb testing.TB, bin string, realm *testrealm.Realm, workers int, profile string, names []string) []*server {
	var out []*server
	for _, name := range names {
		if name == nameApache {
			a := apache.Start(tb, realm, apache.AllowedMechs("krb5"), apache.Quiet(), apache.Workers(workers))
			if a == nil {
				return nil // skipped
			}
			// httpd runs in a process group of its own, led by the process that
			// writes the PidFile (internal/apache starts it with -DFOREGROUND).
			var pgid int
			for deadline := time.Now().Add(10 * time.Second); pgid == 0; time.Sleep(10 * time.Millisecond) {
				b, err := os.ReadFile(filepath.Join(a.Dir, "run", "httpd.pid"))
				if err == nil {
					pgid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
				}
				if pgid == 0 && time.Now().After(deadline) {
					tb.Fatalf("capacity: no apache pid in %s/run/httpd.pid (%v)", a.Dir, err)
				}
			}
			_, port, _ := net.SplitHostPort(a.Addr)
			out = append(out, &server{name: nameApache, addr: a.Addr, host: "localhost:" + port, pgid: pgid, logs: a.ErrorLogText})
			continue
		}
		kind, ok := childKind[name]
		if !ok {
			tb.Fatalf("capacity: unknown server %q (want some of %s)", name, defaultServers)
		}
		prof := ""
		if name == nameOurs {
			prof = profile
		}
		s := startChild(tb, bin, kind, realm, prof)
		s.name = name
		out = append(out, s)
	}
	return out
}

// startChild runs bin -serve kind with only the server's Kerberos
// environment (no client ccache) and waits for its address.
func startChild(tb testing.TB, bin, kind string, realm *testrealm.Realm, profile string) *server {
	tb.Helper()
	args := []string{"-serve", kind, "-keytab", realm.Keytab}
	if profile != "" {
		args = append(args, "-cpuprofile", profile)
	}
	cmd := exec.Command(bin, args...)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KRB5") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "KRB5_CONFIG="+realm.Krb5Conf, "KRB5_KTNAME="+realm.Keytab,
		"KRB5RCACHEDIR="+tb.TempDir())
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatalf("capacity: %v", err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("capacity: start %s server: %v", kind, err)
	}
	exited := make(chan struct{})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		for sc.Scan() {
		}
		_ = cmd.Wait()
		close(exited)
	}()
	tb.Cleanup(func() { lab.StopServer(cmd, exited, syscall.SIGTERM, 5*time.Second) })
	var addr string
	select {
	case addr = <-lines:
	case <-time.After(30 * time.Second):
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		tb.Fatalf("capacity: %s server did not print its address (%q)", kind, addr)
	}
	return &server{addr: addr, host: "localhost:" + port, pgid: cmd.Process.Pid}
}

// clockTick is USER_HZ, the unit of /proc/PID/stat times: 100 on every
// Linux architecture Go supports.
const clockTick = 10 * time.Millisecond

// cpuTime sums user and system time of every live process in the group
// pgid, plus what its reaped children used.
func cpuTime(pgid int) time.Duration {
	ents, _ := os.ReadDir("/proc")
	var ticks int64
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// Fields after the command name, which may hold spaces: state,
		// ppid, pgrp, …; utime, stime, cutime, cstime are the 14th–17th
		// of the line.
		i := strings.LastIndexByte(string(b), ')')
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 15 {
			continue
		}
		if g, _ := strconv.Atoi(f[2]); g != pgid {
			continue
		}
		for _, v := range f[11:15] {
			n, _ := strconv.ParseInt(v, 10, 64)
			ticks += n
		}
	}
	return time.Duration(ticks) * clockTick
}

// selfCPU is the load generator's own user+system time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func (s *server) String() string { return fmt.Sprintf("%s at %s", s.name, s.addr) }
