//go:build linux

package apache

import (
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
	"github.com/gssnego/gssnego/internal/testrealm"
)

// ModulesDir is where Debian's apache2-bin keeps its modules.
const ModulesDir = "/usr/lib/apache2/modules"

// Paths the server answers.
const (
	PathProtected = "/"        // Negotiate required; the body is the authenticated user
	PathPublic    = "/public/" // no authentication; the body is "public"
)

// RemoteUserHeader carries the authenticated user (mod_auth_gssapi's r->user).
const RemoteUserHeader = "X-Remote-User"

// Server is a running httpd protecting PathProtected with mod_auth_gssapi.
type Server struct {
	URL       string // "http://<Host>:port/" (PathProtected)
	Host      string // the host name in URL and in the acceptor name ("localhost" unless Host is given)
	Addr      string // "127.0.0.1:port", where httpd listens
	Dir       string // config, keytab copy, logs, document root
	Conf      string // httpd config file
	ErrorLog  string // error log path (LogLevel auth_gssapi:debug)
	AccessLog string // access log path
	StartTime time.Duration

	cmd    *exec.Cmd
	exited chan struct{}
}

// Option changes the server's configuration.
type Option func(*config)

type config struct {
	host         string
	acceptorName *string
	allowedMechs []string
	directives   []string
	server       []string
	quiet        bool
	workers      int
}

// Host sets the host name of URL and the default acceptor name
// (HTTP@host); the keytab must hold HTTP/host. Clients connect with
// Resolve (curl --resolve) instead of DNS.
func Host(name string) Option { return func(c *config) { c.host = name } }

// AcceptorName pins the acceptor (GssapiAcceptorName, e.g. "HTTP@localhost");
// "" lets mod_auth_gssapi accept a ticket for any key in the keytab. The
// default is HTTP@<Host>.
func AcceptorName(name string) Option { return func(c *config) { c.acceptorName = &name } }

// AllowedMechs limits the mechanisms mod_auth_gssapi offers and accepts
// (GssapiAllowedMech: "krb5", "iakerb", "ntlmssp"). Without it every mech
// GSS knows is allowed, which includes NTLM when gss-ntlmssp is installed.
func AllowedMechs(mechs ...string) Option {
	return func(c *config) { c.allowedMechs = append(c.allowedMechs, mechs...) }
}

// Directives adds raw configuration lines to the protected <Location>
// (e.g. "GssapiBasicAuth On", "GssapiNegotiateOnce On").
func Directives(lines ...string) Option {
	return func(c *config) { c.directives = append(c.directives, lines...) }
}

// ServerDirectives adds raw configuration lines at server level, outside
// any <Location> (e.g. "LimitRequestFieldSize 65536": Apache's 8190-byte
// default refuses the Authorization header of a large-PAC ticket).
func ServerDirectives(lines ...string) Option {
	return func(c *config) { c.server = append(c.server, lines...) }
}

// Quiet logs only warnings and no access log, as a production server
// would run: without it, mod_auth_gssapi's debug lines and the access log
// are written for every request, which a capacity benchmark would measure.
func Quiet() Option { return func(c *config) { c.quiet = true } }

// Workers sets the worker threads of httpd's one process (ThreadsPerChild
// and MaxRequestWorkers; 8 by default). The event MPM closes idle
// keep-alive connections when all workers are busy, so a benchmark with
// more connections than workers measures reconnections too.
func Workers(n int) Option { return func(c *config) { c.workers = n } }

// Start runs httpd accepting HTTP/localhost (or HTTP/<Host>) with the keys
// of realm's keytab; tb.Cleanup stops it. Without apache2-bin or
// mod_auth_gssapi the test is skipped, or fails under GSSNEGO_REQUIRE_LAB=1.
func Start(tb testing.TB, realm *testrealm.Realm, opts ...Option) *Server {
	tb.Helper()
	return StartKeytab(tb, realm.Krb5Conf, realm.Keytab, opts...)
}

// StartKeytab is Start for a KDC other than testrealm's (e.g. sambadc):
// httpd uses the krb5.conf and the keytab ("FILE:" prefix optional) given.
func StartKeytab(tb testing.TB, krb5Conf, keytab string, opts ...Option) *Server {
	tb.Helper()
	apache2, err := lookTools()
	if err != nil {
		lab.Unavailable(tb, "%v (install it with ci/install-deps.sh apache)", err)
		return nil
	}
	dir, err := lab.WorldTempDir("apache-")
	if err != nil {
		tb.Fatal(err)
	}
	var s *Server
	tb.Cleanup(func() {
		if s != nil {
			s.Stop()
			if tb.Failed() {
				tb.Logf("apache: last lines of %s:\n%s", s.ErrorLog, tail(s.ErrorLog, 40))
			}
		}
		_ = os.RemoveAll(dir)
	})
	s, err = launch(apache2, dir, krb5Conf, keytab, opts)
	if err != nil {
		tb.Fatalf("apache: %v", err)
	}
	tb.Logf("apache: httpd up in %v at %s (dir %s)", s.StartTime.Round(time.Millisecond), s.URL, dir)
	return s
}

func lookTools() (string, error) {
	apache2, err := lab.LookPath("apache2")
	if err != nil {
		return "", err
	}
	for _, m := range []string{"mod_auth_gssapi.so", "mod_mpm_event.so", "mod_headers.so", "mod_include.so"} {
		if _, err := os.Stat(filepath.Join(ModulesDir, m)); err != nil {
			return "", fmt.Errorf("%s missing: %w", m, err)
		}
	}
	return apache2, nil
}

func launch(apache2, dir, krb5Conf, keytab string, opts []Option) (*Server, error) {
	begin := time.Now()
	cfg := config{host: "localhost"}
	for _, o := range opts {
		o(&cfg)
	}
	worker, err := user.Lookup("www-data")
	if err != nil {
		return nil, fmt.Errorf("worker user: %w", err)
	}
	if err := prepareDir(dir, krb5Conf, keytab, worker); err != nil {
		return nil, err
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		s, err := startOnce(apache2, dir, cfg)
		if err == nil {
			s.StartTime = time.Since(begin)
			return s, nil
		}
		lastErr = err
		if !strings.Contains(err.Error(), "could not bind") {
			break
		}
	}
	return nil, lastErr
}

// prepareDir copies krb5.conf and the keytab where the worker user can
// read them (a realm's files live in a 0700 t.TempDir()), and gives the
// worker a replay cache directory of its own.
func prepareDir(dir, krb5Conf, keytab string, worker *user.User) error {
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	for _, sub := range []string{"htdocs/public", "run", "rcache"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	// Started by root, httpd's workers become www-data; otherwise they stay
	// the current user, who owns rcache already.
	if os.Geteuid() == 0 {
		uid, _ := strconv.Atoi(worker.Uid)
		gid, _ := strconv.Atoi(worker.Gid)
		if err := chownWorker(filepath.Join(dir, "rcache"), uid, gid); err != nil {
			return fmt.Errorf("chown rcache: %w", err)
		}
	}
	if err := copyFile(krb5Conf, filepath.Join(dir, "krb5.conf")); err != nil {
		return err
	}
	if err := copyFile(strings.TrimPrefix(keytab, "FILE:"), filepath.Join(dir, "http.keytab")); err != nil {
		return err
	}
	// mod_include prints REMOTE_USER, which it takes from r->user.
	pages := map[string]string{
		"htdocs/index.html":        "<!--#echo var=\"REMOTE_USER\" -->\n",
		"htdocs/public/index.html": "public\n",
	}
	for name, body := range pages {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}

func startOnce(apache2, dir string, cfg config) (*Server, error) {
	res, err := lab.ReservePort(false)
	if err != nil {
		return nil, err
	}
	defer res.Release()
	port := res.Num
	s := &Server{
		Host:      cfg.host,
		Addr:      fmt.Sprintf("127.0.0.1:%d", port),
		URL:       fmt.Sprintf("http://%s:%d/", cfg.host, port),
		Dir:       dir,
		Conf:      filepath.Join(dir, "httpd.conf"),
		ErrorLog:  filepath.Join(dir, "error.log"),
		AccessLog: filepath.Join(dir, "access.log"),
		exited:    make(chan struct{}),
	}
	_ = os.Remove(s.ErrorLog)
	if err := os.WriteFile(s.Conf, []byte(s.config(cfg)), 0o644); err != nil {
		return nil, err
	}
	out, err := os.Create(filepath.Join(dir, "httpd.out"))
	if err != nil {
		return nil, err
	}
	defer out.Close()
	s.cmd = exec.Command(apache2, "-f", s.Conf, "-DFOREGROUND")
	s.cmd.Dir = dir
	s.cmd.Env = append(withoutKrb5(os.Environ()),
		"KRB5_CONFIG="+filepath.Join(dir, "krb5.conf"),
		"KRB5RCACHEDIR="+filepath.Join(dir, "rcache"),
		"KRB5_KTNAME="+filepath.Join(dir, "http.keytab"))
	s.cmd.Stdout, s.cmd.Stderr = out, out
	s.cmd.SysProcAttr = procAttr()
	res.Release() // httpd binds it now
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start apache2: %w", err)
	}
	go func() { _ = s.cmd.Wait(); close(s.exited) }()
	if err := s.waitListening(10 * time.Second); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// withoutKrb5 drops the test process's Kerberos variables (a client's
// ccache, a realm's keytab) so httpd sees only its own.
func withoutKrb5(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "KRB5") {
			out = append(out, kv)
		}
	}
	return out
}

func (s *Server) waitListening(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return fmt.Errorf("apache2 exited during start:\n%s\n%s",
				tail(filepath.Join(s.Dir, "httpd.out"), 20), tail(s.ErrorLog, 20))
		default:
		}
		if c, err := net.DialTimeout("tcp", s.Addr, 200*time.Millisecond); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("apache2 not listening on %s within %v:\n%s", s.Addr, timeout, tail(s.ErrorLog, 20))
}

// config writes the whole httpd configuration: nothing from /etc/apache2.
func (s *Server) config(cfg config) string {
	acceptor := "HTTP@" + cfg.host
	if cfg.acceptorName != nil {
		acceptor = *cfg.acceptorName
	}
	var gss []string
	if acceptor != "" {
		gss = append(gss, "GssapiAcceptorName "+acceptor)
	}
	if len(cfg.allowedMechs) > 0 {
		gss = append(gss, "GssapiAllowedMech "+strings.Join(cfg.allowedMechs, " "))
	}
	gss = append(gss, cfg.directives...)
	logLevel, accessLog := "info auth_gssapi:debug", fmt.Sprintf("CustomLog %s/access.log short", s.Dir)
	if cfg.quiet {
		logLevel, accessLog = "warn", ""
	}
	workers := 8
	if cfg.workers > 0 {
		workers = cfg.workers
	}
	var b strings.Builder
	fmt.Fprintf(&b, `# Written by internal/apache for one test; see its package docs.
ServerRoot %[1]s
ServerName %[2]s
Listen %[3]s
PidFile %[1]s/run/httpd.pid
DefaultRuntimeDir %[1]s/run
ErrorLog %[1]s/error.log
LogLevel %[4]s
User www-data
Group www-data
`, s.Dir, cfg.host, s.Addr, logLevel)
	for _, l := range cfg.server {
		b.WriteString(l + "\n")
	}
	for _, m := range []string{"mpm_event", "authn_core", "authz_core", "authz_user",
		"auth_gssapi", "headers", "include", "mime", "dir"} {
		fmt.Fprintf(&b, "LoadModule %s_module %s/mod_%s.so\n", m, ModulesDir, m)
	}
	fmt.Fprintf(&b, `StartServers 1
ServerLimit 1
ThreadLimit %[5]d
ThreadsPerChild %[5]d
MaxRequestWorkers %[5]d
MinSpareThreads 1
MaxSpareThreads %[5]d
LogFormat "%%h \"%%r\" %%>s user=%%u" short
%[4]s
TypesConfig /dev/null
AddType text/html .html
DocumentRoot %[1]s/htdocs
DirectoryIndex index.html
<Directory %[1]s/htdocs>
	Options +Includes
	SetOutputFilter INCLUDES
	Require all granted
</Directory>
<Location />
	AuthType GSSAPI
	AuthName "gssnego test"
	GssapiCredStore keytab:%[1]s/http.keytab
	GssapiCredStore rcache:file2:%[1]s/rcache/rcache
	%[2]s
	Require valid-user
	Header set %[3]s "expr=%%{REMOTE_USER}"
</Location>
<Location /public/>
	Require all granted
</Location>
`, s.Dir, strings.Join(gss, "\n\t"), RemoteUserHeader, accessLog, workers)
	return b.String()
}

// Stop stops httpd (SIGTERM to the parent, which stops its workers; SIGKILL
// to the process group after 5 s). Start's cleanup calls it.
func (s *Server) Stop() { lab.StopServer(s.cmd, s.exited, syscall.SIGTERM, 5*time.Second) }

// Resolve is the curl --resolve argument that sends URL's host to Addr.
func (s *Server) Resolve() string {
	_, port, _ := net.SplitHostPort(s.Addr)
	return s.Host + ":" + port + ":127.0.0.1"
}

// ErrorLogText returns the error log so far (mod_auth_gssapi logs at debug).
func (s *Server) ErrorLogText() string {
	b, _ := os.ReadFile(s.ErrorLog)
	return string(b)
}

func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
