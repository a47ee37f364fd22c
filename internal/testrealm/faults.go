//go:build !windows

package testrealm

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Helpers for fault tests: a KDC address that never answers, restarting
// the KDC, key rotation, and krb5.conf variants.

// SilentKDC listens on one free 127.0.0.1 port for both TCP and UDP and
// never answers: TCP connections are accepted and left open, UDP datagrams
// are read and dropped. It is what a client sees of a KDC host whose
// daemon hangs (TCP) or of a firewall that drops (UDP).
type SilentKDC struct {
	Addr string // "127.0.0.1:port"

	tcp   net.Listener
	udp   net.PacketConn
	mu    sync.Mutex
	conns []net.Conn
	done  chan struct{}
	once  sync.Once
}

// StartSilentKDC starts a SilentKDC; tb.Cleanup closes it. With tcp false
// only the UDP socket stays open (TCP connections are refused), so a client
// waits on UDP alone.
func StartSilentKDC(tb testing.TB, tcp bool) *SilentKDC {
	tb.Helper()
	var s *SilentKDC
	var err error
	for i := 0; i < 20 && s == nil; i++ {
		s, err = listenSilent()
	}
	if s == nil {
		tb.Fatalf("testrealm: silent KDC: %v", err)
	}
	if !tcp {
		s.tcp.Close()
	}
	tb.Cleanup(s.Close)
	return s
}

func listenSilent() (*SilentKDC, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	u, err := net.ListenPacket("udp", l.Addr().String())
	if err != nil {
		l.Close()
		return nil, err
	}
	s := &SilentKDC{Addr: l.Addr().String(), tcp: l, udp: u, done: make(chan struct{})}
	go s.accept()
	go s.drop()
	return s, nil
}

func (s *SilentKDC) accept() {
	for {
		c, err := s.tcp.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		select {
		case <-s.done:
			c.Close()
		default:
			s.conns = append(s.conns, c)
		}
		s.mu.Unlock()
	}
}

func (s *SilentKDC) drop() {
	buf := make([]byte, 65536)
	for {
		if _, _, err := s.udp.ReadFrom(buf); err != nil {
			return
		}
	}
}

// Accepted reports how many TCP connections the listener took so far.
func (s *SilentKDC) Accepted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Close stops listening and closes every accepted connection, so that a
// client still waiting gets EOF (TCP) or a refused port (UDP) and gives up
// quickly. It is safe to call more than once.
func (s *SilentKDC) Close() {
	s.once.Do(func() {
		s.mu.Lock()
		close(s.done)
		s.tcp.Close()
		s.udp.Close()
		for _, c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
	})
}

// StartKDC starts the realm's KDC again after StopKDC, on the same port,
// with the same database (a KDC restart).
func (r *Realm) StartKDC(tb testing.TB) {
	tb.Helper()
	r.mu.Lock()
	running := r.kdc != nil
	r.mu.Unlock()
	if running {
		tb.Fatal("testrealm: StartKDC: the KDC is running")
	}
	if err := r.startKDC(); err != nil {
		tb.Fatalf("testrealm: %v", err)
	}
}

// Kadmin runs kadmin.local queries on the realm's database, one per
// argument (e.g. "modprinc +ok_to_auth_as_delegate HTTP/localhost"), and
// returns what it printed.
func (r *Realm) Kadmin(tb testing.TB, queries ...string) string {
	tb.Helper()
	out, err := r.run(strings.Join(queries, "\n")+"\n", r.tools["kadmin.local"], "-r", r.Name)
	if err != nil {
		tb.Fatalf("testrealm: %v", err)
	}
	return out
}

// RotateKey gives principal a new random key (its kvno goes up by one)
// in the database only: keytabs keep what they had until ExportKey.
func (r *Realm) RotateKey(tb testing.TB, principal string) {
	tb.Helper()
	r.Kadmin(tb, "cpw -randkey "+principal)
}

// ExportKey appends principal's current keys to keytab ("FILE:…") without
// changing them; older key versions already in keytab stay.
func (r *Realm) ExportKey(tb testing.TB, principal, keytab string) {
	tb.Helper()
	r.Kadmin(tb, "ktadd -k "+keytab+" -norandkey "+principal)
}

// KinitArgs runs kinit with extra arguments (e.g. "-l", "5s") for
// principal into ccache.
func (r *Realm) KinitArgs(tb testing.TB, principal, password, ccache string, args ...string) {
	tb.Helper()
	args = append(append([]string{"-c", ccache}, args...), principal)
	if _, err := r.run(password+"\n", r.tools["kinit"], args...); err != nil {
		tb.Fatalf("testrealm: %v", err)
	}
}

// WriteConf writes a copy of krb5.conf named name in the realm's directory
// with the realm's kdc replaced by kdcAddr (empty: unchanged) and extra
// lines added to [libdefaults], and returns its path.
func (r *Realm) WriteConf(tb testing.TB, name, kdcAddr string, libdefaults ...string) string {
	tb.Helper()
	b, err := os.ReadFile(r.Krb5Conf)
	if err != nil {
		tb.Fatal(err)
	}
	conf := string(b)
	if kdcAddr != "" {
		old := "kdc = " + r.KDCAddr
		if !strings.Contains(conf, old) {
			tb.Fatal(errors.New("testrealm: krb5.conf has no " + old))
		}
		conf = strings.Replace(conf, old, "kdc = "+kdcAddr, 1)
	}
	if len(libdefaults) > 0 {
		conf = strings.Replace(conf, "[libdefaults]\n", "[libdefaults]\n\t"+strings.Join(libdefaults, "\n\t")+"\n", 1)
	}
	path := filepath.Join(r.Dir, fmt.Sprintf("krb5-%s.conf", name))
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}
