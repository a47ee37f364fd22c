//go:build linux

package slapd_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/slapd"
	"github.com/gssnego/gssnego/internal/testrealm"
)

func TestMain(m *testing.M) { os.Exit(testrealm.Main(m)) }

// TestLdapwhoamiGSSAPI checks the starter with OpenLDAP's own client: a
// GSSAPI bind maps to the user's entry, and minssf above the integrity
// layer's SSF refuses a client capped at integrity.
func TestLdapwhoamiGSSAPI(t *testing.T) {
	r := testrealm.Shared(t)
	bins := lab.NeedCommand(t, "ldapwhoami")
	r.AddService(t, "ldap/localhost")
	s := slapd.Start(t, slapd.Config{Realm: r.Name, Env: r.Env(), MinSSF: 56})
	run := func(secprops string) (string, error) {
		cmd := exec.Command(bins[0], "-H", "ldap://localhost:"+s.Port(), "-Y", "GSSAPI", "-N", "-O", secprops)
		cmd.Env = append(os.Environ(), r.Env()...)
		cmd.Env = append(cmd.Env, "LDAPSASL_NOCANON=on")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run("maxssf=256")
	if err != nil || !strings.Contains(out, "dn:"+s.UserDN("alice")) {
		t.Fatalf("ldapwhoami: %v: %s", err, out)
	}
	if out, err := run("maxssf=1"); err == nil {
		t.Fatalf("ldapwhoami capped at integrity bound against minssf=56: %s", out)
	}
}
