//go:build linux

package postgres

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gssnego/gssnego/internal/lab"
)

// BinDir is where Debian's postgresql-15 keeps initdb, postgres and psql.
const BinDir = "/usr/lib/postgresql/15/bin"

// Superuser is the bootstrap superuser initdb creates; it logs in over the
// Unix socket without a password (Exec).
const Superuser = "postgres"

// Server is a running PostgreSQL server.
type Server struct {
	Host      string // "127.0.0.1", where it listens for TCP
	Port      int    // its TCP port (the socket is SocketDir/.s.PGSQL.<Port>)
	SocketDir string // unix_socket_directories
	Dir       string // everything: data/, keytab, krb5.conf, rcache/, log
	Log       string // the server's stderr log
	StartTime time.Duration

	cmd    *exec.Cmd
	exited chan struct{}
}

// Option changes the server's configuration.
type Option func(*config)

type config struct {
	realm string
	hba   []string
	conf  []string
}

// Realm sets krb_realm in the default pg_hba line (the realm a principal
// must belong to); without it any realm is accepted.
func Realm(name string) Option { return func(c *config) { c.realm = name } }

// HBA replaces the default TCP line of pg_hba.conf ("host all all
// 127.0.0.1/32 gss include_realm=0 [krb_realm=R]"); the socket line for the
// superuser stays first.
func HBA(lines ...string) Option { return func(c *config) { c.hba = append(c.hba, lines...) } }

// Conf adds postgresql.conf settings ("name = value").
func Conf(lines ...string) Option { return func(c *config) { c.conf = append(c.conf, lines...) } }

// Start runs a server using krb5Conf and the keys of keytab ("FILE:"
// prefix optional) for gss authentication; tb.Cleanup stops it and removes
// its dir. Without PostgreSQL 15 the test skips, or fails under
// GSSNEGO_REQUIRE_LAB=1.
func Start(tb testing.TB, krb5Conf, keytab string, opts ...Option) *Server {
	tb.Helper()
	if err := Available(); err != nil {
		lab.Unavailable(tb, "%v (install it with ci/install-deps.sh postgres)", err)
		return nil
	}
	s, err := Launch(krb5Conf, keytab, opts...)
	if s != nil {
		tb.Cleanup(func() {
			s.Stop()
			if tb.Failed() {
				tb.Logf("postgres: last lines of %s:\n%s", s.Log, tail(s.Log, 30))
			}
			_ = os.RemoveAll(s.Dir)
		})
	}
	if err != nil {
		tb.Fatalf("postgres: %v", err)
	}
	tb.Logf("postgres: up in %v on %s:%d (dir %s)", s.StartTime.Round(time.Millisecond), s.Host, s.Port, s.Dir)
	return s
}

// Available says why no server can be started here, or nil.
func Available() error {
	for _, b := range []string{"initdb", "postgres", "psql"} {
		if _, err := os.Stat(filepath.Join(BinDir, b)); err != nil {
			return fmt.Errorf("PostgreSQL 15 %s missing: %w", b, err)
		}
	}
	if os.Geteuid() == 0 {
		if _, err := user.Lookup("postgres"); err != nil {
			return fmt.Errorf("running as root needs the postgres system user: %w", err)
		}
	}
	return nil
}

// Launch is Start for a TestMain: the caller must Stop the server and
// remove Dir. On error the returned Server, if not nil, still needs both.
func Launch(krb5Conf, keytab string, opts ...Option) (*Server, error) {
	begin := time.Now()
	if err := Available(); err != nil {
		return nil, err
	}
	cfg := config{}
	for _, o := range opts {
		o(&cfg)
	}
	cred, err := serverCredential()
	if err != nil {
		return nil, err
	}
	dir, err := lab.WorldTempDir("gssnego-pg-")
	if err != nil {
		return nil, err
	}
	s := &Server{Host: "127.0.0.1", Dir: dir, SocketDir: dir, Log: filepath.Join(dir, "postgres.log")}
	if err := s.prepare(krb5Conf, keytab, cred); err != nil {
		return s, err
	}
	if err := s.run(cred, BinDir+"/initdb", "-D", s.data(), "-U", Superuser, "--auth=trust",
		"--no-sync", "--no-instructions", "--locale=C", "--encoding=UTF8"); err != nil {
		return s, err
	}
	if err := os.WriteFile(filepath.Join(s.data(), "pg_hba.conf"), []byte(s.hba(cfg)), 0o600); err != nil {
		return s, err
	}
	if cred != nil {
		if err := os.Chown(filepath.Join(s.data(), "pg_hba.conf"), int(cred.Uid), int(cred.Gid)); err != nil {
			return s, err
		}
	}
	for attempt := 0; attempt < 3; attempt++ {
		if err = s.startOnce(cfg, cred); err == nil || !strings.Contains(err.Error(), "could not bind") {
			break
		}
	}
	s.StartTime = time.Since(begin)
	return s, err
}

// serverCredential is the postgres system user when running as root (the
// server refuses root), nil (run as ourselves) otherwise.
func serverCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, err
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return nil, err
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
}

func (s *Server) data() string { return filepath.Join(s.Dir, "data") }

// prepare makes Dir usable by the server's user: its own krb5.conf and
// keytab copies and a replay cache dir.
func (s *Server) prepare(krb5Conf, keytab string, cred *syscall.Credential) error {
	if err := os.Chmod(s.Dir, 0o755); err != nil {
		return err
	}
	if err := os.Mkdir(filepath.Join(s.Dir, "rcache"), 0o700); err != nil {
		return err
	}
	if err := copyFile(krb5Conf, filepath.Join(s.Dir, "krb5.conf"), 0o644); err != nil {
		return err
	}
	if err := copyFile(strings.TrimPrefix(keytab, "FILE:"), filepath.Join(s.Dir, "postgres.keytab"), 0o600); err != nil {
		return err
	}
	if cred == nil {
		return nil
	}
	for _, p := range []string{"", "rcache", "postgres.keytab"} {
		if err := os.Chown(filepath.Join(s.Dir, p), int(cred.Uid), int(cred.Gid)); err != nil {
			return fmt.Errorf("chown %s to the postgres user: %w", p, err)
		}
	}
	return nil
}

func (s *Server) hba(cfg config) string {
	lines := cfg.hba
	if len(lines) == 0 {
		l := "host all all 127.0.0.1/32 gss include_realm=0"
		if cfg.realm != "" {
			l += " krb_realm=" + cfg.realm
		}
		lines = []string{l}
	}
	return "# Written by internal/postgres for one test.\nlocal all " + Superuser + " trust\n" +
		strings.Join(lines, "\n") + "\n"
}

// env is the server's whole environment: nothing Kerberos of the test
// process, its own krb5.conf and replay cache, the C locale.
func (s *Server) env() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KRB5") && !strings.HasPrefix(kv, "LC_") && !strings.HasPrefix(kv, "LANG") && !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	return append(env, "LC_ALL=C",
		"KRB5_CONFIG="+filepath.Join(s.Dir, "krb5.conf"),
		"KRB5RCACHEDIR="+filepath.Join(s.Dir, "rcache"))
}

// run runs a setup command (initdb) as the server's user.
func (s *Server) run(cred *syscall.Credential, bin string, args ...string) error {
	cmd := exec.Command(bin, args...)
	cmd.Dir = s.Dir
	cmd.Env = s.env()
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %v: %s", filepath.Base(bin), err, out)
	}
	return nil
}

func (s *Server) startOnce(cfg config, cred *syscall.Credential) error {
	res, err := lab.ReservePort(false)
	if err != nil {
		return err
	}
	defer res.Release()
	port := res.Num
	s.Port = port
	settings := append([]string{
		"listen_addresses=" + s.Host,
		"port=" + strconv.Itoa(port),
		"unix_socket_directories=" + s.SocketDir,
		"krb_server_keyfile=" + filepath.Join(s.Dir, "postgres.keytab"),
		"ssl=off", "fsync=off", "logging_collector=off",
		"log_connections=on", "shared_buffers=16MB", "max_connections=20",
	}, cfg.conf...)
	args := []string{"-D", s.data()}
	for _, kv := range settings {
		args = append(args, "-c", strings.ReplaceAll(kv, " ", ""))
	}
	logf, err := os.Create(s.Log)
	if err != nil {
		return err
	}
	defer logf.Close()
	s.cmd = exec.Command(BinDir+"/postgres", args...)
	s.cmd.Dir = s.Dir
	s.cmd.Env = s.env()
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	// Pdeathsig fires when the starting OS thread exits; Go only ends
	// threads locked with runtime.LockOSThread, which this package never does.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true, Pdeathsig: syscall.SIGKILL}
	s.exited = make(chan struct{})
	res.Release() // postgres binds it now
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	go func() { _ = s.cmd.Wait(); close(s.exited) }()
	return s.waitReady(30 * time.Second)
}

// waitReady polls the log for the ready line; the deadline only guards
// against a hang.
func (s *Server) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return fmt.Errorf("postgres exited during start:\n%s", tail(s.Log, 20))
		default:
		}
		if b, _ := os.ReadFile(s.Log); bytes.Contains(b, []byte("database system is ready to accept connections")) {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.Stop()
	return fmt.Errorf("postgres not ready within %v:\n%s", timeout, tail(s.Log, 20))
}

// Stop stops the server (SIGINT: fast shutdown; SIGKILL to its process
// group after 10 s). It is safe to call more than once.
func (s *Server) Stop() {
	if s != nil {
		lab.StopServer(s.cmd, s.exited, syscall.SIGINT, 10*time.Second)
	}
}

// Addr is "127.0.0.1:port".
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Exec runs sql as the superuser over the Unix socket with psql and returns
// its unaligned, tuples-only output.
func (s *Server) Exec(tb testing.TB, sql string) string {
	tb.Helper()
	out, err := s.ExecErr(sql)
	if err != nil {
		tb.Fatalf("postgres: %v", err)
	}
	return out
}

// ExecErr is Exec for a TestMain.
func (s *Server) ExecErr(sql string) (string, error) {
	cmd := exec.Command(BinDir+"/psql", "-X", "-At", "-v", "ON_ERROR_STOP=1",
		"-h", s.SocketDir, "-p", strconv.Itoa(s.Port), "-U", Superuser, "-d", "postgres", "-c", sql)
	cmd.Env = append(s.env(), "PGCONNECT_TIMEOUT=30")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("psql %q: %v: %s", sql, err, stderr.String())
	}
	return strings.TrimRight(stdout.String(), "\n"), nil
}

// LogText returns the server's log so far (log_connections is on, and
// authentication failures are logged with their GSS reason).
func (s *Server) LogText() string {
	b, _ := os.ReadFile(s.Log)
	return string(b)
}

func copyFile(src, dst string, mode os.FileMode) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, mode)
}

func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}
