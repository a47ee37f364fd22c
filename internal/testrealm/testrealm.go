//go:build !windows

package testrealm

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/lab"
)

// Name is the realm every lab realm uses; each lives on its own port.
const Name = "GSSNEGO.TEST"

// LabEtypes are the four session-key etypes every suite is run with.
var LabEtypes = []gss.Enctype{
	gss.EnctypeAES128SHA1, gss.EnctypeAES256SHA1, gss.EnctypeAES256SHA384, gss.EnctypeRC4HMAC,
}

// etypeHost names the service host that has keys of one etype only.
var etypeHost = map[gss.Enctype]string{
	gss.EnctypeAES128SHA1:   "aes128.gssnego.test",
	gss.EnctypeAES256SHA1:   "aes256.gssnego.test",
	gss.EnctypeAES256SHA384: "aes256-sha2.gssnego.test",
	gss.EnctypeRC4HMAC:      "rc4.gssnego.test",
}

// Services every realm has keys for in its keytab, besides the etype services.
const (
	ServiceHTTP = "HTTP/localhost"
	ServiceHost = "host/localhost"
	// ServiceOKAsDelegate is marked ok-as-delegate (a client asking for
	// delegation by policy, gss.FlagDelegPolicy, forwards its TGT to it and
	// to no other service here). Its host resolves nowhere: name it as a
	// principal or "HTTP@okdeleg.gssnego.test".
	ServiceOKAsDelegate = "HTTP/okdeleg.gssnego.test"
)

// Realm is a running throwaway realm.
type Realm struct {
	Name     string // realm name (Name)
	Dir      string // everything lives here
	KDCAddr  string // "127.0.0.1:port", UDP and TCP
	Krb5Conf string // krb5.conf path
	KDCConf  string // kdc.conf path
	Keytab   string // "FILE:…" keytab with every service key
	CCache   string // "FILE:…" cache holding User's TGT
	User     string // "alice"
	Password string // User's password

	tools map[string]string
	mu    sync.Mutex
	kdc   *exec.Cmd
	// kdcPort holds the KDC's port from startOnce until the first
	// startKDC (restarts reuse the port the KDC held).
	kdcPort *lab.Port
}

// Start creates a realm in tb.TempDir(), starts its KDC and gets a TGT for
// User; tb.Cleanup stops the KDC.
func Start(tb testing.TB) *Realm {
	tb.Helper()
	if _, err := tools(); err != nil {
		lab.Unavailable(tb, "%v (install it with ci/install-deps.sh)", err)
		return nil
	}
	r, err := Launch(tb.TempDir())
	if r != nil {
		tb.Cleanup(r.StopKDC)
	}
	if err != nil {
		tb.Fatalf("testrealm: %v", err)
	}
	return r
}

// Launch is Start for code outside a test (the Wine runner, the demo): it
// creates the realm in dir and starts the KDC; the caller must StopKDC.
func Launch(dir string) (*Realm, error) { return launch(dir, Name) }

func launch(dir, realm string) (*Realm, error) {
	t, err := tools()
	if err != nil {
		return nil, err
	}
	r := &Realm{
		Name: realm, Dir: dir, User: "alice", Password: "alice-Pa55word", tools: t,
	}
	r.Krb5Conf = filepath.Join(r.Dir, "krb5.conf")
	r.KDCConf = filepath.Join(r.Dir, "kdc.conf")
	r.Keytab = "FILE:" + filepath.Join(r.Dir, "service.keytab")
	r.CCache = "FILE:" + filepath.Join(r.Dir, "ccache")
	if err := os.MkdirAll(filepath.Join(r.Dir, "rcache"), 0o700); err != nil {
		return nil, err
	}
	// Another process may grab the same free port between our probe and the
	// KDC's bind (a second KDC on a used port does not fail): kinit tells.
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		if lastErr = r.startOnce(); lastErr == nil {
			return r, nil
		}
		r.StopKDC()
	}
	return r, lastErr
}

func tools() (map[string]string, error) {
	t := map[string]string{}
	for _, n := range []string{"krb5kdc", "kdb5_util", "kadmin.local", "kinit"} {
		p, err := lab.LookPath(n)
		if err != nil {
			return nil, err
		}
		t[n] = p
	}
	return t, nil
}

func (r *Realm) startOnce() error {
	res, err := lab.ReservePort(true) // krb5kdc listens on TCP and UDP
	if err != nil {
		return err
	}
	defer res.Release()
	r.kdcPort = res // held through provisioning; startKDC releases it
	r.KDCAddr = res.Addr()
	if err := r.writeConfigs(); err != nil {
		return err
	}
	db := filepath.Join(r.Dir, "principal")
	if _, err := os.Stat(db); os.IsNotExist(err) {
		if _, err := r.run("", r.tools["kdb5_util"], "create", "-s", "-r", r.Name, "-P", "master-Pa55"); err != nil {
			return err
		}
		if err := r.provision(); err != nil {
			return err
		}
	}
	if err := r.startKDC(); err != nil {
		return err
	}
	return r.kinit(r.Principal(r.User), r.Password, r.CCache)
}

// writeConfigs writes krb5.conf and kdc.conf. qualify_shortname = "" keeps
// MIT (≥ 1.19) from appending the resolver's search domain — on a host
// named x.example, glibc's default — to short names: host/localhost would
// become host/localhost.example in realm EXAMPLE (docs/reliability.md).
func (r *Realm) writeConfigs() error {
	krb5 := fmt.Sprintf(`[libdefaults]
	default_realm = %[1]s
	dns_lookup_kdc = false
	dns_lookup_realm = false
	rdns = false
	dns_canonicalize_hostname = false
	qualify_shortname = ""
	udp_preference_limit = 1
	allow_rc4 = true
	forwardable = true
	permitted_enctypes = aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96 aes256-cts-hmac-sha384-192 aes128-cts-hmac-sha256-128 arcfour-hmac
	default_tgs_enctypes = aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96 aes256-cts-hmac-sha384-192 aes128-cts-hmac-sha256-128 arcfour-hmac
	default_tkt_enctypes = aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96 aes256-cts-hmac-sha384-192 aes128-cts-hmac-sha256-128 arcfour-hmac
[realms]
	%[1]s = {
		kdc = %[2]s
	}
[domain_realm]
	.gssnego.test = %[1]s
	gssnego.test = %[1]s
	localhost = %[1]s
`, r.Name, r.KDCAddr)
	kdc := fmt.Sprintf(`[kdcdefaults]
	kdc_listen = %[2]s
	kdc_tcp_listen = %[2]s
[realms]
	%[1]s = {
		database_name = %[3]s/principal
		key_stash_file = %[3]s/stash
		acl_file = %[3]s/kadm5.acl
		max_life = 10h 0m 0s
		max_renewable_life = 7d 0h 0m 0s
		supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal aes256-cts-hmac-sha384-192:normal aes128-cts-hmac-sha256-128:normal arcfour-hmac:normal
	}
[logging]
	kdc = FILE:%[3]s/kdc.log
`, r.Name, r.KDCAddr, r.Dir)
	if err := os.WriteFile(r.Krb5Conf, []byte(krb5), 0o644); err != nil {
		return err
	}
	return os.WriteFile(r.KDCConf, []byte(kdc), 0o644)
}

// provision adds the user and the services in one kadmin.local run.
func (r *Realm) provision() error {
	var script strings.Builder
	fmt.Fprintf(&script, "addprinc -pw %s %s\n", r.Password, r.User)
	for _, svc := range []string{ServiceHTTP, ServiceHost} {
		fmt.Fprintf(&script, "addprinc -randkey %s\nktadd -k %s -norandkey %s\n", svc, r.Keytab, svc)
	}
	for _, e := range LabEtypes {
		script.WriteString(serviceScript(r.EtypeService(e), r.Keytab, e))
	}
	fmt.Fprintf(&script, "addprinc -randkey +ok_as_delegate %s\nktadd -k %s -norandkey %s\n",
		ServiceOKAsDelegate, r.Keytab, ServiceOKAsDelegate)
	_, err := r.run(script.String(), r.tools["kadmin.local"], "-r", r.Name)
	return err
}

func serviceScript(principal, keytab string, etypes ...gss.Enctype) string {
	names := make([]string, len(etypes))
	keysalts := make([]string, len(etypes))
	for i, e := range etypes {
		names[i] = e.String()
		keysalts[i] = e.String() + ":normal"
	}
	return fmt.Sprintf("addprinc -randkey -e %s %s\nsetstr %s session_enctypes %s\nktadd -k %s -norandkey %s\n",
		strings.Join(keysalts, ","), principal, principal, strings.Join(names, ","), keytab, principal)
}

func (r *Realm) startKDC() error {
	// krb5kdc runs under a shell that stops it when this process is gone,
	// so a test binary that dies without its cleanups (a panicking test, a
	// -timeout, SIGKILL) does not leave a KDC behind. Pdeathsig cannot do
	// it: it fires when the forking OS thread exits, and a goroutine that
	// ends locked to its thread (gssapi_unix's Heimdal code) ends the thread.
	cmd := exec.Command("/bin/sh", "-c", kdcWatchdog, "krb5kdc-watchdog",
		r.tools["krb5kdc"], r.Name, strconv.Itoa(os.Getpid()))
	cmd.Env = append(os.Environ(), r.Env()...)
	cmd.Dir = r.Dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	logf, err := os.Create(filepath.Join(r.Dir, "krb5kdc.out"))
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	if r.kdcPort != nil {
		r.kdcPort.Release() // krb5kdc binds it now
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start krb5kdc: %w", err)
	}
	r.mu.Lock()
	r.kdc = cmd
	r.mu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", r.KDCAddr, 200*time.Millisecond); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	out, _ := os.ReadFile(filepath.Join(r.Dir, "krb5kdc.out"))
	return fmt.Errorf("krb5kdc did not listen on %s within 10 s: %s", r.KDCAddr, out)
}

// kdcWatchdog runs "$1" -n -r "$2" until it exits or process "$3" is gone;
// StopKDC signals the whole process group (Setpgid).
const kdcWatchdog = `"$1" -n -r "$2" & kdc=$!
while kill -0 "$3" 2>/dev/null && kill -0 "$kdc" 2>/dev/null; do sleep 1; done
kill "$kdc" 2>/dev/null
wait "$kdc"`

// StopKDC stops the KDC (for "KDC down" tests); Start's cleanup calls it too.
func (r *Realm) StopKDC() {
	r.mu.Lock()
	cmd := r.kdc
	r.kdc = nil
	r.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
	// The watchdog shell dies of the SIGTERM at once, so Wait can return
	// while krb5kdc is still shutting down with the port bound. A restart
	// (StrictClock) would then fail to bind while the readiness dial reached
	// the old KDC, and the next kinit found no KDC at all: wait for the port.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", r.KDCAddr, 200*time.Millisecond)
		if err != nil {
			return
		}
		c.Close()
	}
}

// Env returns the environment variables that point Kerberos at this realm,
// as "KEY=value" strings to append to os.Environ() for a subprocess.
func (r *Realm) Env() []string {
	return []string{
		"KRB5_CONFIG=" + r.Krb5Conf,
		"KRB5_KDC_PROFILE=" + r.KDCConf,
		"KRB5CCNAME=" + r.CCache,
		"KRB5_KTNAME=" + r.Keytab,
		"KRB5RCACHEDIR=" + filepath.Join(r.Dir, "rcache"),
		"KRB5_CLIENT_KTNAME=FILE:" + filepath.Join(r.Dir, "client.keytab"),
	}
}

// Setenv points this process at the realm for the rest of the test.
func (r *Realm) Setenv(tb testing.TB) {
	tb.Helper()
	for _, kv := range r.Env() {
		k, v, _ := strings.Cut(kv, "=")
		tb.Setenv(k, v)
	}
}

// Principal qualifies name with the realm.
func (r *Realm) Principal(name string) string { return name + "@" + r.Name }

// EtypeService is the service principal (without realm) whose keys and
// session keys are all of etype e, one of LabEtypes.
func (r *Realm) EtypeService(e gss.Enctype) string {
	h, ok := etypeHost[e]
	if !ok {
		panic(fmt.Sprintf("testrealm: no lab service for %v", e))
	}
	return "HTTP/" + h
}

// Kinit gets a TGT for principal into ccache.
func (r *Realm) Kinit(tb testing.TB, principal, password, ccache string) {
	tb.Helper()
	if err := r.kinit(principal, password, ccache); err != nil {
		tb.Fatalf("testrealm: %v", err)
	}
}

func (r *Realm) kinit(principal, password, ccache string) error {
	_, err := r.run(password+"\n", r.tools["kinit"], "-c", ccache, principal)
	return err
}

// AddUser adds a user principal with a password.
func (r *Realm) AddUser(tb testing.TB, name, password string) {
	tb.Helper()
	r.kadmin(tb, fmt.Sprintf("addprinc -pw %s %s\n", password, name))
}

// AddService adds principal with random keys of the given etypes (session
// keys limited to them too) and exports the keys to Keytab.
func (r *Realm) AddService(tb testing.TB, principal string, etypes ...gss.Enctype) {
	tb.Helper()
	if len(etypes) == 0 {
		etypes = []gss.Enctype{gss.EnctypeAES256SHA1, gss.EnctypeAES128SHA1}
	}
	r.kadmin(tb, serviceScript(principal, r.Keytab, etypes...))
}

func (r *Realm) kadmin(tb testing.TB, script string) {
	tb.Helper()
	if _, err := r.run(script, r.tools["kadmin.local"], "-r", r.Name); err != nil {
		tb.Fatalf("testrealm: %v", err)
	}
}

// RestrictEnctypes writes a copy of krb5.conf whose permitted and default
// enctypes are only etypes and returns its path. An acceptor run with it
// chooses its RFC 4537 subkey among those etypes (otherwise the subkey is
// aes256-sha1 whatever the ticket's session key was). The TGT in CCache is
// AES, so an initiator in the same process needs PreferEnctypes instead.
func (r *Realm) RestrictEnctypes(tb testing.TB, etypes ...gss.Enctype) string {
	tb.Helper()
	return r.rewriteEnctypes(tb, "only", etypes, nil)
}

// PreferEnctypes writes a copy of krb5.conf listing etypes first and the
// other lab etypes after them, and returns its path. An MIT initiator whose
// first preference equals the ticket's session key sends no RFC 4537 list,
// so the acceptor keeps that key: this is how one process gets a genuine
// RC4 context while still using its AES TGT.
func (r *Realm) PreferEnctypes(tb testing.TB, etypes ...gss.Enctype) string {
	tb.Helper()
	var rest []gss.Enctype
	for _, e := range append([]gss.Enctype{gss.EnctypeAES256SHA1, gss.EnctypeAES128SHA1, gss.EnctypeAES256SHA384, gss.EnctypeAES128SHA256}, gss.EnctypeRC4HMAC) {
		if !slices.Contains(etypes, e) {
			rest = append(rest, e)
		}
	}
	return r.rewriteEnctypes(tb, "prefer", etypes, rest)
}

func (r *Realm) rewriteEnctypes(tb testing.TB, mode string, first, rest []gss.Enctype) string {
	tb.Helper()
	all := append(slices.Clone(first), rest...)
	names := make([]string, len(all))
	for i, e := range all {
		names[i] = e.String()
	}
	list := strings.Join(names, " ")
	conf, err := os.ReadFile(r.Krb5Conf)
	if err != nil {
		tb.Fatal(err)
	}
	// Heimdal reads default_etypes, with its own name for RC4, instead.
	heimdal := strings.ReplaceAll(list, "arcfour-hmac", "arcfour-hmac-md5")
	var out []string
	for _, line := range strings.Split(string(conf), "\n") {
		key := strings.TrimSpace(strings.SplitN(line, "=", 2)[0])
		switch key {
		case "permitted_enctypes", "default_tgs_enctypes", "default_tkt_enctypes":
			line = "\t" + key + " = " + list
		case "[libdefaults]":
			line += "\n\tdefault_etypes = " + heimdal
		}
		out = append(out, line)
	}
	path := filepath.Join(r.Dir, "krb5-"+mode+"-"+strings.Join(names[:len(first)], "+")+".conf")
	if err := os.WriteFile(path, []byte(strings.Join(out, "\n")), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

func (r *Realm) run(stdin, bin string, args ...string) (string, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), r.Env()...)
	cmd.Dir = r.Dir
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s %s: %v: %s", filepath.Base(bin), strings.Join(args, " "), err, out.String())
	}
	return out.String(), nil
}
