//go:build unix

// Package haproxy starts HAProxy (Debian's haproxy) in HTTP mode on a
// loopback port in front of a set of servers, round robin, for tests of a
// fleet behind a load balancer. It runs in the foreground (-db) as the
// test's user, from a temporary directory, and is stopped by PID.
package haproxy

import (
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

// Pinned are the backend settings that keep a client connection on one
// server for every leg of a multi-leg HTTP authentication (docs/http.md,
// "Running a fleet"): prefer-last-server sends a keep-alive connection's
// next request to the server that answered the previous one, and HAProxy
// itself marks a server connection that answered 401 with
// "WWW-Authenticate: Negotiate" or "NTLM" private, so no other client's
// request reuses it.
const Pinned = "option prefer-last-server\n  http-reuse safe"

// ServerClose closes the server connection after each response: the next
// leg reaches the server on a new connection (the other server, round
// robin), where no exchange is in progress. It breaks multi-leg exchanges.
const ServerClose = "option http-server-close"

// Balancer is a running HAProxy.
type Balancer struct {
	Addr string // "127.0.0.1:port"
	Dir  string
	Log  string // HAProxy's own output
}

// Start runs HAProxy balancing over servers ("127.0.0.1:port") round robin
// with the backend options opts (Pinned, ServerClose, …) until the test
// ends.
func Start(tb testing.TB, servers []string, opts ...string) *Balancer {
	tb.Helper()
	bin := lab.NeedCommand(tb, "haproxy")[0]
	dir := tb.TempDir()
	res, err := lab.ReservePort(false)
	if err != nil {
		tb.Fatal(err)
	}
	b := &Balancer{Addr: res.Addr(), Dir: dir, Log: filepath.Join(dir, "haproxy.out")}
	var sb strings.Builder
	fmt.Fprintf(&sb, configHead, b.Addr)
	for _, o := range opts {
		fmt.Fprintf(&sb, "  %s\n", o)
	}
	for i, s := range servers {
		fmt.Fprintf(&sb, "  server s%d %s\n", i, s)
	}
	conf := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(conf, []byte(sb.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	out, err := os.Create(b.Log)
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(bin, "-db", "-f", conf)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	res.Release()
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); out.Close(); close(exited) }()
	tb.Cleanup(func() { lab.StopServer(cmd, exited, syscall.SIGTERM, 5*time.Second) })
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", b.Addr, time.Second)
		if err == nil {
			c.Close()
			return b
		}
		select {
		case <-exited:
			o, _ := os.ReadFile(b.Log)
			tb.Fatalf("haproxy exited at start:\n%s\n%s", o, sb.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			tb.Fatalf("haproxy did not listen on %s", b.Addr)
		}
	}
}

// configHead: HTTP mode, keep-alive on both sides (HAProxy's default),
// short timeouts for tests, no health checks (the servers are up).
const configHead = `global
  maxconn 256
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  timeout http-keep-alive 30s
frontend fe
  bind %s
  default_backend be
backend be
  balance roundrobin
`
