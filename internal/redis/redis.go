//go:build unix

// Package redis starts a Redis server (Debian's redis-server; valkey-server
// where that is what is installed) on a loopback port for tests: no
// persistence, a temporary directory, stopped by PID when the test ends.
// Stop and Start let a test take it away and bring it back on the same
// port (a store outage).
package redis

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/gssnego/gssnego/internal/lab"
)

// Server is a running (or stopped) redis-server.
type Server struct {
	Addr string // "127.0.0.1:port"
	URL  string // "redis://127.0.0.1:port/0"
	Dir  string

	tb     testing.TB
	bin    string
	cmd    *exec.Cmd
	exited chan struct{}
}

// Start runs redis-server until the test ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	bin, err := lab.LookPath("redis-server")
	if err != nil {
		if bin, err = lab.LookPath("valkey-server"); err != nil {
			lab.Unavailable(tb, "neither redis-server nor valkey-server found (install them with ci/install-deps.sh fleet)")
		}
	}
	res, err := lab.ReservePort(false)
	if err != nil {
		tb.Fatal(err)
	}
	s := &Server{Addr: res.Addr(), Dir: tb.TempDir(), tb: tb, bin: bin}
	s.URL = "redis://" + s.Addr + "/0"
	res.Release()
	s.Start()
	tb.Cleanup(s.Stop)
	return s
}

// Start starts the server again on its port after Stop.
func (s *Server) Start() {
	s.tb.Helper()
	_, port, _ := net.SplitHostPort(s.Addr)
	cmd := exec.Command(s.bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", s.Dir, "--daemonize", "no", "--protected-mode", "no", "--logfile", filepath.Join(s.Dir, "redis.log"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		s.tb.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	s.cmd, s.exited = cmd, exited
	deadline := time.Now().Add(10 * time.Second)
	for {
		if err := ping(s.Addr); err == nil {
			return
		}
		select {
		case <-exited:
			b, _ := os.ReadFile(filepath.Join(s.Dir, "redis.log"))
			s.tb.Fatalf("%s exited at start:\n%s", s.bin, b)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.tb.Fatalf("%s did not answer on %s", s.bin, s.Addr)
		}
	}
}

// Stop stops the server (SIGTERM, SIGKILL after 5 s). Safe to call twice.
func (s *Server) Stop() {
	lab.StopServer(s.cmd, s.exited, syscall.SIGTERM, 5*time.Second)
}

// PID is the running server's process id.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// ping sends an inline PING and wants +PONG.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	buf := make([]byte, 7)
	n, err := c.Read(buf)
	if err != nil {
		return err
	}
	if string(buf[:n]) != "+PONG\r\n" {
		return fmt.Errorf("redis: PING answered %q", buf[:n])
	}
	return nil
}
