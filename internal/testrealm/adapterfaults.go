//go:build !windows

package testrealm

import (
	"errors"
	"net"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/lab"
)

// The Kerberos failures every client adapter (compat/ldap, pgx, ssh,
// mssql) must report the same way: errors.Is finds the same gss Fault, and
// the adapter's message leads with it ("<pkg>: <what> (<fix>): …"). One
// table, run by each adapter's test against its real server.
const kdcDownCase = "adapter-kdc-down"

// CheckAdapterFaults runs, as subtests, a missing ticket, an expired
// ticket and an unreachable KDC, each against attempt: one authentication
// as the adapter makes it, with the process environment the case has set
// (KRB5CCNAME; KRB5_CONFIG in a child process for the KDC, as Heimdal
// reads it once). attempt returns the adapter's own error (the *Error or
// *BindError, not a driver's wrapping of it). principal and password get
// the tickets (the user attempt authenticates as). The calling test must
// be a top-level test that can run again in a child (RunChild).
func (r *Realm) CheckAdapterFaults(t *testing.T, principal, password string, attempt func(t *testing.T) error) {
	t.Helper()
	if ChildCase() == kdcDownCase {
		checkFault(t, attempt(t), gss.ErrKDCUnreachable)
		return
	}
	t.Run("NoTicket", func(t *testing.T) {
		t.Setenv("KRB5CCNAME", "FILE:"+filepath.Join(t.TempDir(), "missing"))
		checkFault(t, attempt(t), gss.ErrNoTicket)
	})
	t.Run("ExpiredTicket", func(t *testing.T) {
		t.Setenv("KRB5CCNAME", r.expiredCCache(t, principal, password))
		want := gss.ErrTicketExpired
		if p, err := gss.Default(); err == nil && strings.HasPrefix(p.Name(), "Heimdal") {
			// Heimdal skips the expired TGT when it looks for one:
			// KRB5_CC_NOTFOUND, "Matching credential not found".
			want = gss.ErrNoTicket
		}
		checkFault(t, attempt(t), want)
	})
	t.Run("KDCDown", func(t *testing.T) {
		// A valid TGT, no service ticket yet, and a KDC address that
		// refuses: the service ticket cannot be had.
		cc := "FILE:" + filepath.Join(t.TempDir(), "tgt")
		r.Kinit(t, principal, password, cc)
		conf := r.WriteConf(t, "kdc-down", refusingAddr(t))
		t.Log(RunChild(t, kdcDownCase, "KRB5_CONFIG="+conf, "KRB5CCNAME="+cc))
	})
}

// checkFault: err matches want and its message leads with it.
func checkFault(t *testing.T, err error, want *gss.Fault) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v", want)
	}
	t.Logf("error: %v", err)
	if !errors.Is(err, want) {
		t.Errorf("errors.Is(err, %q) is false", want.What)
	}
	if lead := regexp.MustCompile(`^[a-z]+: ` + regexp.QuoteMeta(want.What)); !lead.MatchString(err.Error()) {
		t.Errorf("the message does not lead with %q", want.What)
	}
}

// expiredCCache gets principal a 2-second TGT and waits until the KDC
// calls it expired (a ticket for another service is refused).
func (r *Realm) expiredCCache(t *testing.T, principal, password string) string {
	t.Helper()
	kvno, err := lab.LookPath("kvno")
	if err != nil {
		lab.Unavailable(t, "kvno: %v", err)
	}
	cc := "FILE:" + filepath.Join(t.TempDir(), "short")
	r.KinitArgs(t, principal, password, cc, "-l", "2s")
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		check := exec.Command(kvno, "-c", cc, ServiceHTTP)
		check.Env = append(check.Environ(), r.Env()...)
		if check.Run() != nil {
			return cc
		}
		if time.Now().After(deadline) {
			t.Fatal("testrealm: the 2-second ticket did not expire")
		}
	}
}

// refusingAddr is a 127.0.0.1 port nothing listens on (TCP refused, UDP
// answered with port unreachable).
func refusingAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}
