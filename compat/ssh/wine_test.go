//go:build windows

package sshgss_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/gssnego/gssnego/compat/ssh"
	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/wine"
	"github.com/gssnego/gssnego/platform"
	"golang.org/x/crypto/ssh"
)

// Tests of the Windows build over SSPI: on Windows, or under Wine 8 via
// the runner of ci/wine.sh (Wine's Kerberos SSP sits on the host's MIT
// libraries and the runner's throwaway realm).

func wineLab(t *testing.T) *wine.Lab {
	t.Helper()
	l, ok := wine.FromEnv()
	if !ok {
		lab.Unavailable(t, "no Windows Kerberos lab: run under ci/wine.sh's runner, or set %s, %s, %s", wine.EnvRealm, wine.EnvUser, wine.EnvSPN)
	}
	return l
}

// TestWineClient: Client's whole exchange (AP-REQ, AP-REP, MIC) against
// the platform's own acceptor, as x/crypto/ssh would drive it.
func TestWineClient(t *testing.T) {
	wineLab(t)
	p, err := platform.Provider()
	if err != nil {
		t.Fatal(err)
	}
	acc, err := p.AcceptSecContext()
	if err != nil {
		t.Fatal(err)
	}
	defer acc.Close()
	c := newClient(t)
	defer c.DeleteSecContext()
	apreq, more, err := c.InitSecContext("host@localhost", nil, false)
	if err != nil || !more {
		t.Fatalf("AP-REQ: more %v, %v", more, err)
	}
	aprep, err := acc.Continue(apreq)
	if err != nil {
		t.Fatalf("acceptor: %v", err)
	}
	if _, more, err = c.InitSecContext("host@localhost", aprep, false); err != nil || more {
		t.Fatalf("AP-REP: more %v, %v", more, err)
	}
	mic, err := c.GetMIC([]byte("session id and login"))
	if err != nil {
		t.Fatal(err)
	}
	if err := acc.VerifyMIC([]byte("session id and login"), mic); err != nil {
		t.Fatalf("acceptor rejects the client's MIC: %v", err)
	}
	t.Logf("client context: %+v", c.ContextInfo())
}

// TestWineGoClientGoServer: both ends over SSPI through x/crypto/ssh.
// Wine 8's SSPI cannot name the client of an acceptor context (no
// SECPKG_ATTR_NAMES / NATIVE_NAMES), so there the Server must refuse with
// ErrNoInitiatorName after accepting the AP-REQ; on Windows the login
// must succeed.
func TestWineGoClientGoServer(t *testing.T) {
	l := wineLab(t)
	gs := startGoServer(t, sshgss.AllowSameUser(l.Realm), plainServer())
	c, err := dial(gs.Addr, l.User, gs.HostKey, ssh.GSSAPIWithMICAuthMethod(newClient(t), "localhost"))
	res := gs.next(t)
	if l.ViaRunner {
		if err == nil || !errors.Is(authErr(t, res.Err), sshgss.ErrNoInitiatorName) {
			t.Fatalf("Wine: client %v, server %v; want ErrNoInitiatorName (Wine's SSPI has no client names)", err, res.Err)
		}
		t.Logf("Wine's known limit: %v", res.Err)
		return
	}
	if err != nil {
		t.Fatalf("login: client %v; server %v", err, res.Err)
	}
	defer c.Close()
	if res.Err != nil || res.Info == nil || res.Info.InitiatorName != l.User+"@"+l.Realm || res.Info.Flags&gss.FlagInteg == 0 {
		t.Fatalf("server: %v, context %+v", res.Err, res.Info)
	}
}

// TestWineOpenSSHServer is started by the Linux test
// TestInteropWineClientOpenSSH with the address and host key of a real
// OpenSSH sshd and root's ccache: the Windows build's Client logs in as
// root and runs a command.
func TestWineOpenSSHServer(t *testing.T) {
	addr, hk := os.Getenv("GSSNEGO_SSHD_ADDR"), os.Getenv("GSSNEGO_SSHD_HOSTKEY")
	if addr == "" {
		t.Skip("started by the Linux test TestInteropWineClientOpenSSH, which runs sshd")
	}
	key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(hk))
	if err != nil {
		t.Fatal(err)
	}
	gc := newClient(t)
	c, err := dial(addr, "root", key, ssh.GSSAPIWithMICAuthMethod(gc, "localhost"))
	if err != nil {
		t.Fatalf("login to sshd: %v", err)
	}
	defer c.Close()
	if out := run(t, c, `echo gss-$(id -un) cc=${KRB5CCNAME:-none}`); !hasLine(out, "gss-root cc=none") {
		t.Fatalf("command output %q, want gss-root without a ccache", out)
	}
	t.Logf("client context: %+v", gc.ContextInfo())

	// With delegation (ISC_REQ_DELEGATE) sshd stores the forwarded TGT.
	gd := newClient(t, sshgss.WithDelegation())
	cd, err := dial(addr, "root", key, ssh.GSSAPIWithMICAuthMethod(gd, "localhost"))
	if err != nil {
		t.Fatalf("login to sshd with delegation: %v", err)
	}
	defer cd.Close()
	out := run(t, cd, `echo "delegated-cc=${KRB5CCNAME:-none}"`)
	line, _ := lineWithPrefix(out, "delegated-cc=")
	t.Logf("delegation: client flags %v; session %s", gd.ContextInfo().Flags, line)
	if gd.ContextInfo().Flags&gss.FlagDeleg == 0 || !strings.HasPrefix(line, "delegated-cc=FILE:/tmp/krb5cc_0_") {
		t.Fatalf("delegation: client flags %v, session %q; want deleg and a ccache from sshd", gd.ContextInfo().Flags, out)
	}
}

func newClient(t *testing.T, opts ...sshgss.Option) *sshgss.Client {
	t.Helper()
	c, err := sshgss.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
