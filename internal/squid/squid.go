//go:build linux

// Package squid starts Squid 5 (Debian's squid) as an HTTP proxy that
// requires Negotiate through negotiate_kerberos_auth, on a loopback port,
// for tests. The proxy's service principal is HTTP/<Host> from the test
// realm's keytab.
package squid

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

// Helper is Debian's Negotiate/Kerberos authenticator for Squid.
const Helper = "/usr/lib/squid/negotiate_kerberos_auth"

// Proxy is a running Squid.
type Proxy struct {
	URL       string // "http://<Host>:port"
	Host      string // the host name in URL and the SPN (HTTP/<Host>)
	Addr      string // "127.0.0.1:port"
	Dir       string // config, keytab copy, logs (owned by the proxy user)
	AccessLog string
	CacheLog  string // squid's and the helper's diagnostics (-d)
}

// Start runs Squid for realm until the test ends. Squid drops to the
// "proxy" user, so its directory (outside t.TempDir, whose parents are
// private to root) and the copy of the keytab it reads are that user's,
// the helper gets a replay cache directory of its own and a copy of the
// realm's krb5.conf.
func Start(tb testing.TB, realm *testrealm.Realm) *Proxy {
	tb.Helper()
	bin := lab.NeedCommand(tb, "squid")[0]
	if _, err := os.Stat(Helper); err != nil {
		lab.Unavailable(tb, "%s missing (install squid with ci/install-deps.sh proxy)", Helper)
	}
	pu, err := user.Lookup("proxy")
	if err != nil {
		lab.Unavailable(tb, "no proxy user: %v", err)
	}
	uid, _ := strconv.Atoi(pu.Uid)
	gid, _ := strconv.Atoi(pu.Gid)
	dir, err := lab.WorldTempDir("gssnego-squid")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	p := &Proxy{Host: "localhost", Dir: dir,
		AccessLog: filepath.Join(dir, "access.log"), CacheLog: filepath.Join(dir, "cache.log")}
	keytab := filepath.Join(dir, "http.keytab")
	kt, err := os.ReadFile(strings.TrimPrefix(realm.Keytab, "FILE:"))
	if err != nil {
		tb.Fatal(err)
	}
	must(tb, os.WriteFile(keytab, kt, 0o600))
	must(tb, os.Mkdir(filepath.Join(dir, "rcache"), 0o700))
	// The realm's krb5.conf sits under root's private temp dir: the helper
	// reads a copy (krb5_init_context fails with EACCES otherwise).
	krb5conf := filepath.Join(dir, "krb5.conf")
	kc, err := os.ReadFile(realm.Krb5Conf)
	must(tb, err)
	must(tb, os.WriteFile(krb5conf, kc, 0o644))
	res, err := lab.ReservePort(false)
	must(tb, err)
	defer res.Release()
	port := res.Num
	p.Addr = "127.0.0.1:" + strconv.Itoa(port)
	p.URL = "http://" + p.Host + ":" + strconv.Itoa(port)
	conf := filepath.Join(dir, "squid.conf")
	must(tb, os.WriteFile(conf, []byte(fmt.Sprintf(configTemplate, p.Addr, dir, p.CacheLog, p.AccessLog, dir,
		Helper, keytab)), 0o644))
	for _, f := range []string{dir, keytab, filepath.Join(dir, "rcache")} {
		must(tb, os.Chown(f, uid, gid))
	}
	must(tb, os.Chmod(dir, 0o755))

	cmd := exec.Command(bin, "-N", "-f", conf)
	cmd.Dir = dir
	cmd.Env = lab.PeerEnv(append(append(os.Environ(), realm.Env()...), "KRB5RCACHEDIR="+filepath.Join(dir, "rcache"), "KRB5_CONFIG="+krb5conf))
	out, err := os.Create(filepath.Join(dir, "squid.out"))
	must(tb, err)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	res.Release() // squid binds it now (no retry: a taken port fails the start)
	must(tb, cmd.Start())
	exited := make(chan struct{})
	go func() { cmd.Wait(); out.Close(); close(exited) }()
	// shutdown_lifetime is 1 s; the master stops its helpers.
	tb.Cleanup(func() { lab.StopServer(cmd, exited, syscall.SIGTERM, 10*time.Second) })
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", p.Addr, time.Second)
		if err == nil {
			c.Close()
			return p
		}
		select {
		case <-exited:
			b, _ := os.ReadFile(filepath.Join(dir, "squid.out"))
			l, _ := os.ReadFile(p.CacheLog)
			tb.Fatalf("squid exited at start:\n%s\n%s", b, l)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			tb.Fatalf("squid did not listen on %s", p.Addr)
		}
	}
}

// Log returns Squid's cache.log (the helper's -d diagnostics included).
func (p *Proxy) Log() string {
	b, _ := os.ReadFile(p.CacheLog)
	return string(b)
}

// configTemplate: Negotiate required for everything, CONNECT to any port
// (the tests' TLS origins are on random loopback ports), nothing cached,
// a one-second shutdown instead of the default 30, and a fixed
// visible_hostname so the machine's host name (which Squid otherwise
// resolves at start) plays no part.
const configTemplate = `http_port %s
pid_filename %s/squid.pid
cache_log %s
access_log stdio:%s
coredump_dir %s
cache deny all
cache_mem 8 MB
shutdown_lifetime 1 second
visible_hostname gssnego-test-proxy
auth_param negotiate program %s -d -s GSS_C_NO_NAME -k %s
auth_param negotiate children 2 startup=1
auth_param negotiate keep_alive on
acl authenticated proxy_auth REQUIRED
http_access allow authenticated
http_access deny all
`

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}
