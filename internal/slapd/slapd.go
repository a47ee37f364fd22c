//go:build linux

package slapd

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
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

// Config says how to run a server.
type Config struct {
	Realm  string   // Kerberos realm, e.g. "GSSNEGO.TEST"
	Env    []string // KRB5_CONFIG, KRB5_KTNAME, … ("KEY=value"); the keytab must hold ldap/Host
	Host   string   // host part of the SPN; default "localhost"
	MinSSF int      // sasl-secprops minssf; 0 allows binds without a security layer
	Users  []string // entries uid=NAME under ou=people; default ["alice"]
	// TLS adds an ldaps:// listener (LDAPSAddr) with a certificate made
	// for Host and 127.0.0.1 (CertPool trusts it).
	TLS bool
	// CBinding is sasl-cbinding: "" (none), "tls-endpoint" or "tls-unique".
	CBinding string
}

// Server is a running slapd.
type Server struct {
	Addr   string // "127.0.0.1:port"
	Host   string // SPN host: clients use ldap/Host
	BaseDN string // e.g. "dc=gssnego,dc=test"
	Dir    string // config, database and log
	Log    string // slapd's stderr (stats level)

	LDAPSAddr string         // "127.0.0.1:port" with Config.TLS
	CertPool  *x509.CertPool // trusts the server certificate, with Config.TLS

	cmd  *exec.Cmd
	done chan struct{}
}

// SPN is the service principal clients ask a ticket for, without realm.
func (s *Server) SPN() string { return "ldap/" + s.Host }

// UserDN is the entry a SASL identity NAME@REALM is mapped to.
func (s *Server) UserDN(name string) string { return "uid=" + name + ",ou=people," + s.BaseDN }

// LogTail returns the last n lines of slapd's log.
func (s *Server) LogTail(n int) string {
	b, _ := os.ReadFile(s.Log)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Start writes the configuration, loads the entries, starts slapd and waits
// until it accepts connections; tb.Cleanup stops it.
func Start(tb testing.TB, cfg Config) *Server {
	tb.Helper()
	bins := lab.NeedCommand(tb, "slapd", "slapadd")
	if bins == nil {
		return nil
	}
	if _, err := os.Stat("/usr/lib/x86_64-linux-gnu/sasl2/libgssapiv2.so"); err != nil {
		if matches, _ := filepath.Glob("/usr/lib/*/sasl2/libgssapiv2.so*"); len(matches) == 0 {
			lab.Unavailable(tb, "cyrus-sasl GSSAPI plugin not found (install libsasl2-modules-gssapi-mit)")
			return nil
		}
	}
	if cfg.Host == "" {
		cfg.Host = "localhost"
	}
	if len(cfg.Users) == 0 {
		cfg.Users = []string{"alice"}
	}
	s := &Server{Host: cfg.Host, BaseDN: baseDN(cfg.Realm), Dir: tb.TempDir(), done: make(chan struct{})}
	s.Log = filepath.Join(s.Dir, "slapd.log")
	conf := filepath.Join(s.Dir, "slapd.conf")
	if err := os.MkdirAll(filepath.Join(s.Dir, "db"), 0o700); err != nil {
		tb.Fatal(err)
	}
	if cfg.TLS {
		pool, err := writeCert(s.Dir, cfg.Host)
		if err != nil {
			tb.Fatalf("slapd: certificate: %v", err)
		}
		s.CertPool = pool
	}
	if err := os.WriteFile(conf, []byte(s.config(cfg)), 0o644); err != nil {
		tb.Fatal(err)
	}
	ldif := filepath.Join(s.Dir, "entries.ldif")
	if err := os.WriteFile(ldif, []byte(s.entries(cfg.Users)), 0o644); err != nil {
		tb.Fatal(err)
	}
	if out, err := exec.Command(bins[1], "-f", conf, "-l", ldif).CombinedOutput(); err != nil {
		tb.Fatalf("slapd: slapadd: %v: %s", err, out)
	}
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if err = s.start(bins[0], conf, cfg.Env, cfg.TLS); err == nil {
			break
		}
	}
	tb.Cleanup(func() {
		s.stop()
		if tb.Failed() {
			tb.Logf("slapd: log tail (%s):\n%s", s.Log, s.LogTail(30))
		}
	})
	if err != nil {
		tb.Fatalf("slapd: %v\n%s", err, s.LogTail(30))
	}
	return s
}

func baseDN(realm string) string {
	parts := strings.Split(strings.ToLower(realm), ".")
	for i, p := range parts {
		parts[i] = "dc=" + p
	}
	return strings.Join(parts, ",")
}

func (s *Server) config(cfg Config) string {
	return fmt.Sprintf(`# Written by internal/slapd for one test; see its package docs.
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile %[1]s/slapd.pid
argsfile %[1]s/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
sasl-host %[2]s
sasl-realm %[3]s
sasl-secprops noanonymous,noplain,minssf=%[4]d
%[7]sauthz-regexp "^uid=([^,]+),cn=%[5]s,cn=gssapi,cn=auth$" "uid=$1,ou=people,%[6]s"
access to * by users read by anonymous auth
database mdb
maxsize 16777216
suffix "%[6]s"
rootdn "cn=admin,%[6]s"
directory %[1]s/db
`, s.Dir, cfg.Host, cfg.Realm, cfg.MinSSF, strings.ToLower(cfg.Realm), s.BaseDN, tlsConfig(s.Dir, cfg))
}

func (s *Server) entries(users []string) string {
	var b strings.Builder
	top := strings.TrimPrefix(strings.SplitN(s.BaseDN, ",", 2)[0], "dc=")
	fmt.Fprintf(&b, "dn: %s\nobjectClass: dcObject\nobjectClass: organization\ndc: %s\no: %s\n\n", s.BaseDN, top, top)
	fmt.Fprintf(&b, "dn: ou=people,%s\nobjectClass: organizationalUnit\nou: people\n\n", s.BaseDN)
	for _, u := range users {
		fmt.Fprintf(&b, "dn: %s\nobjectClass: inetOrgPerson\nuid: %s\ncn: %s\nsn: %s\n\n", s.UserDN(u), u, u, u)
	}
	return b.String()
}

func (s *Server) start(bin, conf string, env []string, withTLS bool) error {
	res, err := lab.ReservePort(false)
	if err != nil {
		return err
	}
	defer res.Release()
	port := res.Num
	s.Addr = fmt.Sprintf("127.0.0.1:%d", port)
	urls := "ldap://" + s.Addr + "/"
	var tres *lab.Port
	if withTLS {
		if tres, err = lab.ReservePort(false); err != nil {
			return err
		}
		defer tres.Release()
		s.LDAPSAddr = tres.Addr()
		urls += " ldaps://" + s.LDAPSAddr + "/"
	}
	logf, err := os.OpenFile(s.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(bin, "-h", urls, "-f", conf, "-d", "256")
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = s.Dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	res.Release() // slapd binds them now
	if tres != nil {
		tres.Release()
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start slapd: %w", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	s.cmd, s.done = cmd, done
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return fmt.Errorf("slapd exited during start (port %d taken?)", port)
		default:
		}
		if c, err := net.DialTimeout("tcp", s.Addr, 200*time.Millisecond); err == nil {
			c.Close()
			if !withTLS {
				return nil
			}
			if c, err := net.DialTimeout("tcp", s.LDAPSAddr, 200*time.Millisecond); err == nil {
				c.Close()
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.stop()
	return fmt.Errorf("slapd did not listen on %s within 20 s", s.Addr)
}

func (s *Server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	}
	s.cmd = nil
}

// Port is the TCP port, for URLs that must name Host rather than 127.0.0.1.
func (s *Server) Port() string {
	_, p, _ := net.SplitHostPort(s.Addr)
	return p
}

func tlsConfig(dir string, cfg Config) string {
	var b strings.Builder
	if cfg.TLS {
		fmt.Fprintf(&b, "TLSCertificateFile %[1]s/cert.pem\nTLSCertificateKeyFile %[1]s/key.pem\n", dir)
	}
	if cfg.CBinding != "" {
		fmt.Fprintf(&b, "sasl-cbinding %s\n", cfg.CBinding)
	}
	return b.String()
}

// writeCert makes a self-signed ECDSA P-256 certificate (signed with
// SHA-256, so tls-server-end-point hashes with SHA-256) for host and
// 127.0.0.1, writes cert.pem and key.pem into dir and returns a pool
// trusting it.
func writeCert(dir, host string) (*x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: host},
		DNSNames:              []string{host},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool, nil
}
