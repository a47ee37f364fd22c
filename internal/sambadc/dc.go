package sambadc

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gssnego/gssnego/internal/lab"
)

// Names of the domain every DC provisions (one cached template serves all).
const (
	Realm         = "SAMDOM.TEST"      // Kerberos realm
	Domain        = "SAMDOM"           // NetBIOS domain
	DNSDomain     = "samdom.test"      // DNS domain
	HostName      = "dc1"              // the DC's host name
	AdminPassword = "Admin-Pa55word-1" // Administrator's password
)

// DC is a running Samba AD DC in its own network, mount and PID namespaces.
type DC struct {
	Realm         string        // Realm
	Domain        string        // Domain
	AdminPassword string        // AdminPassword
	Dir           string        // the DC's private copy of the provisioned directory, plus logs and keytabs
	SmbConf       string        // the DC's smb.conf
	Krb5Conf      string        // krb5.conf for clients: kdc = KDCAddr, MIT prefers TCP, no DNS
	KDCAddr       string        // "127.0.0.1:port" (TCP and UDP): a forwarder on the host, and the KDC's own port inside the namespace
	CCache        string        // "FILE:…" default ccache named by Env; empty until Kinit fills it
	StartTime     time.Duration // how long Launch took (copy, start, readiness)

	tools   tools
	cmd     *exec.Cmd // unshare
	exited  chan struct{}
	nsPID   int      // host PID of samba (PID 1 of the namespace)
	netns   *os.File // keeps the network namespace open for dialing
	mu      sync.Mutex
	fwds    []*forwarder
	helpers int
	stopped bool
}

type tools map[string]string

var toolNames = []string{"samba", "samba-tool", "samba_spnupdate", "ntlm_auth", "wbinfo", "kinit",
	"unshare", "nsenter", "ip", "mount"}

func findTools() (tools, error) {
	t := tools{}
	for _, n := range toolNames {
		p, err := lab.LookPath(n)
		if err != nil {
			return nil, err
		}
		t[n] = p
	}
	// samba's Python modules live in Debian's python3, not a pyenv shim.
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		return nil, errors.New("/usr/bin/python3 not found")
	}
	t["python3"] = "/usr/bin/python3"
	return t, nil
}

// Start provisions (or copies the cached provision of) a DC, starts it and
// waits until its KDC, LDAP server and winbindd answer; tb.Cleanup stops it
// and removes its directory. Without Samba or root the test is skipped, or
// fails under GSSNEGO_REQUIRE_LAB=1. Each conf line (e.g. "ldap server
// require strong auth = allow_sasl_over_tls") is added to [global].
func Start(tb testing.TB, conf ...string) *DC {
	tb.Helper()
	if err := supported(); err != nil {
		lab.Unavailable(tb, "%v", err)
		return nil
	}
	t, err := findTools()
	if err != nil {
		lab.Unavailable(tb, "%v (install it with ci/install-deps.sh samba)", err)
		return nil
	}
	// Root in a container may still lack CAP_SYS_ADMIN for namespaces.
	if out, err := exec.Command(t["unshare"], "--net", "--mount", "--pid", "--fork", "true").CombinedOutput(); err != nil {
		lab.Unavailable(tb, "cannot create namespaces for the DC: unshare: %v: %s", err, bytes.TrimSpace(out))
		return nil
	}
	// Not tb.TempDir(): Samba puts Unix sockets under its directories and
	// a test-named path can exceed the 108-byte socket path limit.
	removeStaleDirs()
	dir, err := os.MkdirTemp("", "sambadc-")
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		tb.Fatal(err)
	}
	d, err := Launch(dir, conf...)
	tb.Cleanup(func() {
		if d != nil {
			d.Stop()
		}
		if tb.Failed() {
			tb.Logf("sambadc: DC logs were in %s (now removed); samba's output and log:\n%s\n%s", dir,
				tailFile(filepath.Join(dir, "samba.out"), 20), tailFile(filepath.Join(dir, "log", "log.samba"), 30))
		}
		_ = os.RemoveAll(dir)
	})
	if err != nil {
		tb.Fatalf("sambadc: %v", err)
	}
	tb.Logf("sambadc: DC %s up in %v (dir %s, KDC %s)", Realm, d.StartTime.Round(time.Millisecond), dir, d.KDCAddr)
	return d
}

// Launch is Start for code outside a test: it copies the provisioned DC
// into dir (an existing directory with a short path) and starts it; the
// caller must Stop it, also when Launch returns an error with a non-nil DC,
// and remove dir. conf lines are added to [global], as for Start.
func Launch(dir string, conf ...string) (*DC, error) {
	begin := time.Now()
	if err := supported(); err != nil {
		return nil, err
	}
	t, err := findTools()
	if err != nil {
		return nil, err
	}
	tmpl, err := templateDir(t)
	if err != nil {
		return nil, fmt.Errorf("provision: %w", err)
	}
	if err := copyTree(tmpl, dir); err != nil {
		return nil, err
	}
	d := &DC{
		Realm: Realm, Domain: Domain, AdminPassword: AdminPassword, Dir: dir,
		SmbConf:  filepath.Join(dir, "etc", "smb.conf"),
		Krb5Conf: filepath.Join(dir, "krb5.conf"),
		CCache:   "FILE:" + filepath.Join(dir, "ccache"),
		tools:    t,
		exited:   make(chan struct{}),
	}
	for _, sub := range []string{"log", "run", "var-lib", "var-cache", "keytabs", "helpers"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, err
		}
	}
	// The KDC listens inside the namespace on the same port the host-side
	// forwarder got (TCP and UDP), so one krb5.conf serves both sides.
	kdcFwd, err := newForwarderUDP()
	if err != nil {
		return nil, err
	}
	d.KDCAddr = kdcFwd.addr
	if err := d.writeConfigs(kdcFwd.port(), conf); err != nil {
		kdcFwd.close()
		return nil, err
	}
	if err := d.startSamba(); err != nil {
		kdcFwd.close()
		return d, err
	}
	kdcFwd.serve(d.netns, d.KDCAddr)
	d.mu.Lock()
	d.fwds = append(d.fwds, kdcFwd)
	d.mu.Unlock()
	if err := d.waitReady(60 * time.Second); err != nil {
		return d, err
	}
	d.StartTime = time.Since(begin)
	return d, nil
}

func (d *DC) writeConfigs(kdcPort int, conf []string) error {
	smb := fmt.Sprintf(`# Written by internal/sambadc for this run; see its package docs.
[global]
	netbios name = %[3]s
	realm = %[1]s
	workgroup = %[2]s
	server role = active directory domain controller
	interfaces = lo
	bind interfaces only = yes
	private dir = %[4]s/private
	lock directory = %[4]s
	state directory = %[4]s/state
	cache directory = %[4]s/cache
	binddns dir = %[4]s/bind-dns
	log file = %[4]s/log/log.%%m
	max log size = 0
	krb5 port = %[5]d
	idmap_ldb:use rfc2307 = yes
	server services = -dns -nbt -wrepl -drepl -kcc -dnsupdate -ntp_signd
%[7]s
[sysvol]
	path = %[4]s/state/sysvol
	read only = No

[netlogon]
	path = %[4]s/state/sysvol/%[6]s/scripts
	read only = No
`, Realm, Domain, strings.ToUpper(HostName), d.Dir, kdcPort, DNSDomain, extraConf(conf))
	if err := os.WriteFile(d.SmbConf, []byte(smb), 0o644); err != nil {
		return err
	}
	krb5 := fmt.Sprintf(`[libdefaults]
	default_realm = %[1]s
	dns_lookup_kdc = false
	dns_lookup_realm = false
	rdns = false
	dns_canonicalize_hostname = false
	qualify_shortname = ""
	udp_preference_limit = 1
	forwardable = true
[realms]
	%[1]s = {
		kdc = %[2]s
		admin_server = %[2]s
	}
[domain_realm]
	.%[3]s = %[1]s
	%[3]s = %[1]s
`, Realm, d.KDCAddr, DNSDomain)
	return os.WriteFile(d.Krb5Conf, []byte(krb5), 0o644)
}

func extraConf(lines []string) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString("\t" + strings.TrimSpace(l) + "\n")
	}
	return b.String()
}

// startScript runs as PID 1's parent shell inside the new namespaces: it
// brings loopback up and hides the compiled-in Samba directories behind
// the DC's own, so nothing lands on the host and client tools entered
// with nsenter find this DC's winbindd.
const startScript = `set -e
ip link set lo up
dir=$1; shift
[ -d /run/samba ] || mount -t tmpfs -o mode=0755 sambadc /run
mkdir -p /run/samba /var/log/samba /var/lib/samba /var/cache/samba
mount --bind "$dir/run" /run/samba
mount --bind "$dir/log" /var/log/samba
mount --bind "$dir/var-lib" /var/lib/samba
mount --bind "$dir/var-cache" /var/cache/samba
exec "$@"
`

func (d *DC) startSamba() error {
	out, err := os.Create(filepath.Join(d.Dir, "samba.out"))
	if err != nil {
		return err
	}
	defer out.Close()
	d.cmd = exec.Command(d.tools["unshare"], "--net", "--mount", "--pid", "--fork", "--kill-child",
		"--mount-proc", "--propagation", "private",
		"/bin/sh", "-c", startScript, "sambadc-start", d.Dir,
		d.tools["samba"], "-s", d.SmbConf, "-F", "--no-process-group", "-M", "single")
	d.cmd.Dir = d.Dir
	d.cmd.Env = lab.PeerEnv(append(os.Environ(), d.Env()...))
	d.cmd.Stdout, d.cmd.Stderr = out, out
	d.cmd.SysProcAttr = daemonAttr()
	if err := d.cmd.Start(); err != nil {
		return fmt.Errorf("start samba: %w", err)
	}
	go func() { _ = d.cmd.Wait(); close(d.exited) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		pid, err := childOf(d.cmd.Process.Pid)
		if err == nil {
			d.nsPID = pid
			break
		}
		select {
		case <-d.exited:
			return fmt.Errorf("samba exited at once: %s", tailFile(filepath.Join(d.Dir, "samba.out"), 20))
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("unshare started no child: %v", err)
		}
	}
	// The namespace belongs to unshare itself (it unshares before forking).
	d.netns, err = openNetns(d.cmd.Process.Pid)
	return err
}

// waitReady polls the KDC, LDAP and winbindd (which starts last and which
// the NTLM acceptor needs).
func (d *DC) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-d.exited:
			return fmt.Errorf("samba exited during start:\n%s\n%s",
				tailFile(filepath.Join(d.Dir, "samba.out"), 20), tailFile(filepath.Join(d.Dir, "log", "log.samba"), 20))
		default:
		}
		last = d.probe()
		if last == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("DC not ready within %v: %v\n%s", timeout, last, tailFile(filepath.Join(d.Dir, "log", "log.samba"), 20))
}

func (d *DC) probe() error {
	for _, addr := range []string{d.KDCAddr, "127.0.0.1:389"} {
		c, err := d.Dial("tcp", addr)
		if err != nil {
			return err
		}
		c.Close()
	}
	if out, err := d.Command("wbinfo", "-p").CombinedOutput(); err != nil {
		return fmt.Errorf("wbinfo -p: %v: %s", err, bytes.TrimSpace(out))
	}
	return nil
}

// Stop kills the DC and everything in its namespaces (SIGKILL to the
// namespace's PID 1; the kernel then kills the rest) and waits until they
// are gone. Helpers started by the DC are stopped by their own cleanups.
func (d *DC) Stop() {
	d.mu.Lock()
	if d.stopped {
		d.mu.Unlock()
		return
	}
	d.stopped = true
	fwds := d.fwds
	d.fwds = nil
	d.mu.Unlock()
	for _, f := range fwds {
		f.close()
	}
	if d.cmd != nil && d.cmd.Process != nil {
		if d.nsPID != 0 {
			killPID(d.nsPID)
		}
		select {
		case <-d.exited:
		case <-time.After(10 * time.Second):
			killGroup(d.cmd.Process.Pid)
			<-d.exited
		}
	}
	if d.netns != nil {
		d.netns.Close()
	}
}

// Env returns KRB5_CONFIG and KRB5CCNAME pointing at this DC, as "KEY=value"
// strings to append to os.Environ() for a client on the host.
func (d *DC) Env() []string {
	return []string{"KRB5_CONFIG=" + d.Krb5Conf, "KRB5CCNAME=" + d.CCache}
}

// Setenv points this process at the DC for the rest of the test.
func (d *DC) Setenv(tb testing.TB) {
	tb.Helper()
	for _, kv := range d.Env() {
		k, v, _ := strings.Cut(kv, "=")
		tb.Setenv(k, v)
	}
}

// Principal qualifies name with the realm.
func (d *DC) Principal(name string) string { return name + "@" + d.Realm }

// Command returns a command that runs name (looked up like lab.LookPath)
// inside the DC's network and mount namespaces, in Dir, with Env added:
// there 127.0.0.1:389, :445, :88… are the DC's and winbindd is reachable.
func (d *DC) Command(name string, args ...string) *exec.Cmd {
	bin := name
	if p, ok := d.tools[name]; ok {
		bin = p
	} else if p, err := lab.LookPath(name); err == nil {
		bin = p
	}
	nsArgs := []string{"--target", strconv.Itoa(d.nsPID), "--net", "--mount", "--wd=" + d.Dir, "--", bin}
	cmd := exec.Command(d.tools["nsenter"], append(nsArgs, args...)...)
	cmd.Dir = d.Dir
	cmd.Env = lab.PeerEnv(append(os.Environ(), d.Env()...))
	return cmd
}

// Kinit gets a TGT for principal (with or without @REALM) into ccache
// ("" means CCache), running kinit on the host through the KDC forwarder.
func (d *DC) Kinit(tb testing.TB, principal, password, ccache string) {
	tb.Helper()
	if err := d.kinit(principal, password, ccache); err != nil {
		tb.Fatalf("sambadc: %v", err)
	}
}

func (d *DC) kinit(principal, password, ccache string) error {
	if ccache == "" {
		ccache = d.CCache
	}
	if !strings.Contains(principal, "@") {
		principal = d.Principal(principal)
	}
	cmd := exec.Command(d.tools["kinit"], "-c", ccache, principal)
	cmd.Env = lab.PeerEnv(append(os.Environ(), d.Env()...))
	cmd.Stdin = strings.NewReader(password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("kinit %s: %v: %s", principal, err, out)
	}
	return nil
}

// AddUser creates a domain user (samba-tool user create, ~0.3 s). AD's
// password policy applies: at least 7 characters from three classes.
func (d *DC) AddUser(tb testing.TB, name, password string) {
	tb.Helper()
	d.run(tb, "samba-tool", "user", "create", name, password, "-s", d.SmbConf)
}

// addServiceScript creates a user account for a service, gives it the SPN
// and, when asked, msDS-SupportedEncryptionTypes, and exports the SPN's
// keys: the same calls samba-tool user create / spn add / domain
// exportkeytab make, in one Python process instead of three.
const addServiceScript = `import sys
import ldb
from samba.samdb import SamDB
from samba.param import LoadParm
from samba.auth import system_session
from samba.net import Net
from samba import enable_net_export_keytab
conf, account, password, spn, etypes, keytab = sys.argv[1:7]
lp = LoadParm()
lp.load(conf)
db = SamDB(url=lp.samdb_url(), session_info=system_session(), lp=lp)
db.newuser(account, password)
res = db.search(base=db.domain_dn(), scope=ldb.SCOPE_SUBTREE,
                expression="(sAMAccountName=%s)" % ldb.binary_encode(account), attrs=[])
m = ldb.Message(res[0].dn)
m["servicePrincipalName"] = ldb.MessageElement(spn, ldb.FLAG_MOD_ADD, "servicePrincipalName")
if etypes != "0":
    m["msDS-SupportedEncryptionTypes"] = ldb.MessageElement(etypes, ldb.FLAG_MOD_REPLACE, "msDS-SupportedEncryptionTypes")
db.modify(m)
enable_net_export_keytab()
Net(None, lp).export_keytab(keytab=keytab, principal=spn)
`

// AddService creates a service account owning spn (e.g.
// "HTTP/svc.samdom.test", without realm) and returns the plain path of a
// keytab holding its keys. aesOnly sets msDS-SupportedEncryptionTypes to 24
// (AES128+AES256): tickets are then AES. Without it AD's default applies:
// an RC4 ticket with an AES256 session key, and the keytab holds RC4 and
// AES keys. The account's sAMAccountName is "svc-" plus a hash of spn.
func (d *DC) AddService(tb testing.TB, spn string, aesOnly bool) (keytab string) {
	tb.Helper()
	etypes := 0
	if aesOnly {
		etypes = 24
	}
	return d.AddServiceEtypes(tb, spn, etypes)
}

// AddServiceEtypes is AddService with msDS-SupportedEncryptionTypes set to
// etypes (0: not set, AD's default; 4: RC4 only, the tickets and their
// session keys are rc4-hmac; 24: AES only).
func (d *DC) AddServiceEtypes(tb testing.TB, spn string, etypes int) (keytab string) {
	tb.Helper()
	account := ServiceAccount(spn)
	keytab = filepath.Join(d.Dir, "keytabs", strings.NewReplacer("/", "_", "@", "_").Replace(spn)+".keytab")
	d.run(tb, "python3", "-c", addServiceScript, d.SmbConf, account, randomPassword(), spn, strconv.Itoa(etypes), keytab)
	// mod_auth_gssapi's workers may not run as root.
	if err := os.Chmod(keytab, 0o644); err != nil {
		tb.Fatal(err)
	}
	return keytab
}

// ServiceAccount is the sAMAccountName AddService gives spn's account.
func ServiceAccount(spn string) string {
	sum := sha256.Sum256([]byte(spn))
	return "svc-" + hex.EncodeToString(sum[:6])
}

func randomPassword() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "Svc-" + hex.EncodeToString(b) + "-9"
}

func (d *DC) run(tb testing.TB, name string, args ...string) string {
	tb.Helper()
	cmd := d.Command(name, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		shown := args
		if len(shown) > 2 {
			shown = shown[:2]
		}
		tb.Fatalf("sambadc: %s %s: %v: %s", name, strings.Join(shown, " "), err, out)
	}
	return string(out)
}

// Dial connects to addr inside the DC's network namespace (e.g.
// "127.0.0.1:389"); the connection can be used from any goroutine.
func (d *DC) Dial(network, addr string) (net.Conn, error) {
	var c net.Conn
	err := inNetns(d.netns, func() error {
		var err error
		c, err = net.DialTimeout(network, addr, 5*time.Second)
		return err
	})
	return c, err
}

// Forward makes the DC's TCP port (e.g. 389 for LDAP) reachable from the
// host and returns the host address ("127.0.0.1:port"); it lasts until Stop.
// Clients must name the DC's own services by its host name, not the
// address: ldap/dc1.samdom.test, host/dc1.samdom.test (see HostName).
func (d *DC) Forward(tb testing.TB, port int) string {
	tb.Helper()
	f, err := newForwarder()
	if err != nil {
		tb.Fatal(err)
	}
	f.serve(d.netns, fmt.Sprintf("127.0.0.1:%d", port))
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopped {
		f.close()
		tb.Fatal("sambadc: Forward after Stop")
	}
	d.fwds = append(d.fwds, f)
	return f.addr
}

// ownerFile in a DC directory made by Start names the test process.
const ownerFile = "owner.pid"

// removeStaleDirs deletes DC directories whose test process died without
// running its cleanups (killed by go test -timeout, say): 42 MB each.
func removeStaleDirs() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "sambadc-*"))
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue
		}
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 && !processAlive(pid) {
			_ = os.RemoveAll(dir)
		}
	}
}

func tailFile(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	return lastLines(string(b), n)
}
