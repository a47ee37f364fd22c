//go:build linux

package ldapgss

import (
	"errors"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/gssnego/gssnego/internal/slapd"
	"github.com/gssnego/gssnego/internal/testrealm"
)

func TestMain(m *testing.M) { os.Exit(testrealm.Main(m)) }

var ldapService sync.Once

// startSlapd starts slapd with minssf on the shared realm, whose keytab
// gets ldap/localhost once.
func startSlapd(t *testing.T, minSSF int) (*testrealm.Realm, *slapd.Server) {
	t.Helper()
	r := testrealm.Shared(t)
	ldapService.Do(func() { r.AddService(t, "ldap/localhost") })
	return r, slapd.Start(t, slapd.Config{Realm: r.Name, Env: r.Env(), MinSSF: minSSF})
}

// dial connects go-ldap to addr through a Conn.
func dial(t *testing.T, addr string) (*ldap.Conn, *Conn) {
	t.Helper()
	raw, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	sc := NewConn(raw)
	l := ldap.NewConn(sc, false)
	l.Start()
	l.SetTimeout(60 * time.Second) // hang guard only
	t.Cleanup(func() { l.Close() })
	return l, sc
}

// checkSession proves the bind: WhoAmI names the user's entry and a search
// that anonymous users may not make finds it.
func checkSession(t *testing.T, l *ldap.Conn, s *slapd.Server, user string) {
	t.Helper()
	who, err := l.WhoAmI(nil)
	if err != nil {
		t.Fatalf("WhoAmI: %v\n%s", err, s.LogTail(10))
	}
	if want := "dn:" + s.UserDN(user); who.AuthzID != want {
		t.Fatalf("WhoAmI = %q, want %q", who.AuthzID, want)
	}
	res, err := l.Search(ldap.NewSearchRequest(s.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
		0, 0, false, "(uid="+user+")", []string{"cn"}, nil))
	if err != nil {
		t.Fatalf("search: %v", err)
	}
	if len(res.Entries) != 1 || res.Entries[0].DN != s.UserDN(user) {
		t.Fatalf("search found %d entries, want %s", len(res.Entries), s.UserDN(user))
	}
}

func wantBindError(t *testing.T, err error, step Step, target error) *BindError {
	t.Helper()
	var be *BindError
	if !errors.As(err, &be) {
		t.Fatalf("error %v (%T), want *BindError", err, err)
	}
	if be.Step != step {
		t.Fatalf("step %q, want %q: %v", be.Step, step, err)
	}
	if target != nil && !errors.Is(err, target) {
		t.Fatalf("error %v does not match %v", err, target)
	}
	t.Logf("%v", err)
	return be
}
