//go:build linux

package sshd

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/testrealm"
)

// PrivsepDir is the chroot of sshd's pre-auth child; it must exist.
const PrivsepDir = "/run/sshd"

// Server is a running sshd that accepts gssapi-with-mic logins.
type Server struct {
	Addr       string // "127.0.0.1:port"
	Port       int
	Dir        string // config, host key, logs
	Conf       string // sshd_config
	Log        string // sshd's stderr (-e), LogLevel VERBOSE
	HostKey    string // host public key, authorized_keys format ("ssh-ed25519 AAAA…")
	KnownHosts string // a known_hosts file listing HostKey for localhost and 127.0.0.1 on Port
	StartTime  time.Duration

	cmd    *exec.Cmd
	exited chan struct{}
}

// Option changes the server's configuration.
type Option func(*config)

type config struct {
	directives []string
	keytab     string
}

// Directives adds raw sshd_config lines (later lines do not override
// earlier ones in sshd: the harness's own lines come after these).
func Directives(lines ...string) Option {
	return func(c *config) { c.directives = append(c.directives, lines...) }
}

// Keytab makes sshd accept with this keytab instead of the realm's.
func Keytab(path string) Option { return func(c *config) { c.keytab = path } }

// Start runs sshd accepting any key of realm's keytab; tb.Cleanup stops it.
// Without sshd or root the test is skipped, or fails under
// GSSNEGO_REQUIRE_LAB=1.
func Start(tb testing.TB, realm *testrealm.Realm, opts ...Option) *Server {
	tb.Helper()
	bins := lab.NeedCommand(tb, "sshd", "ssh-keygen")
	if bins == nil {
		return nil
	}
	if os.Geteuid() != 0 {
		lab.Unavailable(tb, "sshd: needs root (a gssapi-with-mic login as root@%s maps to root)", realm.Name)
		return nil
	}
	cfg := config{keytab: realm.Keytab}
	for _, o := range opts {
		o(&cfg)
	}
	s, err := launch(bins[0], bins[1], tb.TempDir(), realm, cfg)
	if s != nil {
		tb.Cleanup(func() {
			s.Stop()
			if tb.Failed() {
				tb.Logf("sshd: log %s:\n%s", s.Log, tail(s.LogText(), 40))
			}
		})
	}
	if err != nil {
		tb.Fatalf("sshd: %v", err)
	}
	tb.Logf("sshd: up in %v at %s (dir %s)", s.StartTime.Round(time.Millisecond), s.Addr, s.Dir)
	return s
}

func launch(sshd, keygen, dir string, realm *testrealm.Realm, cfg config) (*Server, error) {
	begin := time.Now()
	if err := checkHost(realm); err != nil {
		return nil, err
	}
	s := &Server{Dir: dir, Conf: filepath.Join(dir, "sshd_config"), Log: filepath.Join(dir, "sshd.log")}
	key := filepath.Join(dir, "ssh_host_ed25519_key")
	if out, err := exec.Command(keygen, "-q", "-t", "ed25519", "-N", "", "-C", "gssnego-test", "-f", key).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("ssh-keygen: %v: %s", err, out)
	}
	pub, err := os.ReadFile(key + ".pub")
	if err != nil {
		return nil, err
	}
	s.HostKey = strings.TrimSpace(string(pub))
	if err := os.MkdirAll(filepath.Join(dir, "rcache"), 0o700); err != nil {
		return nil, err
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		if lastErr = s.startOnce(sshd, key, realm, cfg); lastErr == nil {
			s.StartTime = time.Since(begin)
			return s, s.writeKnownHosts()
		}
		s.Stop()
		if !strings.Contains(lastErr.Error(), "Address already in use") {
			break
		}
	}
	return nil, lastErr
}

// checkHost creates sshd's privilege separation directory, as the system
// service would, and refuses a ~/.k5login that would deny root@REALM.
func checkHost(realm *testrealm.Realm) error {
	if err := os.MkdirAll(PrivsepDir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", PrivsepDir, err)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return nil
	}
	k5login, err := os.ReadFile(filepath.Join(home, ".k5login"))
	if err != nil {
		return nil
	}
	for _, line := range strings.Fields(string(k5login)) {
		if line == realm.Principal("root") {
			return nil
		}
	}
	return fmt.Errorf("%s/.k5login exists and does not list %s: sshd would refuse the login", home, realm.Principal("root"))
}

func (s *Server) startOnce(sshd, key string, realm *testrealm.Realm, cfg config) error {
	res, err := lab.ReservePort(false)
	if err != nil {
		return err
	}
	defer res.Release()
	port := res.Num
	s.Port = port
	s.Addr = fmt.Sprintf("127.0.0.1:%d", port)
	if err := os.WriteFile(s.Conf, []byte(s.config(key, cfg)), 0o600); err != nil {
		return err
	}
	logf, err := os.Create(s.Log)
	if err != nil {
		return err
	}
	defer logf.Close()
	s.exited = make(chan struct{})
	s.cmd = exec.Command(sshd, "-D", "-e", "-f", s.Conf, "-p", fmt.Sprint(port))
	s.cmd.Dir = s.Dir
	s.cmd.Env = append(withoutKrb5(os.Environ()),
		"KRB5_CONFIG="+realm.Krb5Conf,
		"KRB5_KTNAME="+cfg.keytab,
		"KRB5RCACHEDIR="+filepath.Join(s.Dir, "rcache"))
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	res.Release() // sshd binds it now
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start sshd: %w", err)
	}
	go func() { _ = s.cmd.Wait(); close(s.exited) }()
	return s.waitListening(10 * time.Second)
}

// config is the whole sshd_config: nothing from /etc/ssh is read.
func (s *Server) config(key string, cfg config) string {
	var b strings.Builder
	b.WriteString("# Written by internal/sshd for one test; see its package docs.\n")
	for _, d := range cfg.directives {
		b.WriteString(d + "\n")
	}
	fmt.Fprintf(&b, `ListenAddress 127.0.0.1
HostKey %s
PidFile none
LogLevel VERBOSE
UsePAM no
UseDNS no
PermitRootLogin yes
StrictModes yes
GSSAPIAuthentication yes
GSSAPIStrictAcceptorCheck no
GSSAPICleanupCredentials yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication no
HostbasedAuthentication no
AuthorizedKeysFile none
PermitUserEnvironment no
PrintMotd no
PrintLastLog no
X11Forwarding no
AllowTcpForwarding no
AcceptEnv none
LoginGraceTime 60
MaxAuthTries 6
`, key)
	return b.String()
}

func (s *Server) waitListening(timeout time.Duration) error {
	want := fmt.Sprintf("Server listening on 127.0.0.1 port %d.", s.Port)
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		log := s.LogText()
		if strings.Contains(log, want) {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("sshd exited during start:\n%s", tail(s.LogText(), 20))
		case <-time.After(10 * time.Millisecond):
		}
	}
	return fmt.Errorf("sshd did not log %q within %v:\n%s", want, timeout, tail(s.LogText(), 20))
}

func (s *Server) writeKnownHosts() error {
	s.KnownHosts = filepath.Join(s.Dir, "known_hosts")
	line := fmt.Sprintf("[localhost]:%d,[127.0.0.1]:%d %s\n", s.Port, s.Port, s.HostKey)
	return os.WriteFile(s.KnownHosts, []byte(line), 0o600)
}

// Stop stops sshd (SIGTERM, then SIGKILL to its process group after 5 s).
// Sessions already running are in sessions of their own and end with
// their connections. Start's cleanup calls it.
func (s *Server) Stop() { lab.StopServer(s.cmd, s.exited, syscall.SIGTERM, 5*time.Second) }

// LogText returns sshd's log so far.
func (s *Server) LogText() string {
	b, _ := os.ReadFile(s.Log)
	return string(b)
}

// WaitLog waits (a hang guard of 10 s, not a measurement) until the log
// contains substr and returns the first line containing it; it fails tb if
// the line never comes. The monitor writes "Accepted …" before it answers
// the client, but through a pipe from another process, so a reader may
// look a moment early.
func (s *Server) WaitLog(tb testing.TB, substr string) string {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, line := range strings.Split(s.LogText(), "\n") {
			if strings.Contains(line, substr) {
				return line
			}
		}
		if time.Now().After(deadline) {
			tb.Fatalf("sshd: no log line with %q; log:\n%s", substr, tail(s.LogText(), 30))
			return ""
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// RootPassword is the password of RootPrincipal in every realm.
const RootPassword = "root-Pa55word"

var (
	rootMu     sync.Mutex
	rootCaches = map[string]string{} // realm dir → ccache
)

// RootCCache adds root@REALM to realm (once per realm and process) and
// returns a "FILE:…" ccache holding its TGT: the client principal that
// sshd maps to the local root account.
func RootCCache(tb testing.TB, realm *testrealm.Realm) string {
	tb.Helper()
	rootMu.Lock()
	defer rootMu.Unlock()
	if cc, ok := rootCaches[realm.Dir]; ok {
		return cc
	}
	realm.AddUser(tb, "root", RootPassword)
	cc := "FILE:" + filepath.Join(realm.Dir, "root.ccache")
	realm.Kinit(tb, realm.Principal("root"), RootPassword, cc)
	rootCaches[realm.Dir] = cc
	return cc
}

// SSH runs OpenSSH's own client against the server as root with
// gssapi-with-mic only (BatchMode, -F /dev/null, the server's known_hosts)
// and returns its combined output. env is added to a Kerberos-free copy of
// the environment (give KRB5_CONFIG and KRB5CCNAME); extra are more ssh
// arguments before the host.
func SSH(tb testing.TB, port int, knownHosts string, env []string, extra []string, command string) (string, error) {
	tb.Helper()
	bin := lab.NeedCommand(tb, "ssh")
	if bin == nil {
		return "", errors.New("sshd: no ssh client")
	}
	args := []string{"-F", "/dev/null", "-p", fmt.Sprint(port), "-l", "root",
		"-o", "BatchMode=yes",
		"-o", "GSSAPIAuthentication=yes",
		"-o", "PreferredAuthentications=gssapi-with-mic",
		"-o", "UserKnownHostsFile=" + knownHosts,
		"-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "StrictHostKeyChecking=yes",
		"-o", "ConnectTimeout=10",
	}
	args = append(args, extra...)
	args = append(args, "localhost", command)
	cmd := exec.Command(bin[0], args...)
	cmd.Env = append(withoutKrb5(os.Environ()), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Stdin = nil
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		return "", err
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return out.String(), err
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		return out.String(), fmt.Errorf("ssh did not finish within 60 s (hang guard)")
	}
}

// withoutKrb5 drops the test process's Kerberos variables (a client's
// ccache, a realm's keytab) so a child sees only what it is given.
func withoutKrb5(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "KRB5") {
			out = append(out, kv)
		}
	}
	return out
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
