//go:build linux

package sshgss_test

import (
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gssnego/gssnego/compat/ssh"
	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/sshd"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/platform"
	"golang.org/x/crypto/ssh"
)

// Tests of Client against OpenSSH 9.2's sshd (internal/sshd): root@REALM
// logs in as root; the target is "localhost", so x/crypto/ssh asks for
// host@localhost, whose key is in the realm's keytab.

// rootCred acquires root@REALM's TGT as a credential (WithCredential).
func rootCred(t *testing.T) gss.Credential {
	t.Helper()
	realm := testrealm.Shared(t)
	cc := sshd.RootCCache(t, realm)
	p, err := platform.Provider()
	if err != nil {
		t.Fatal(err)
	}
	cred, err := p.AcquireCredential(nil, []gss.OID{gss.MechKRB5}, gss.CredInitiateOnly, gss.WithCCache(cc))
	if err != nil {
		t.Fatalf("acquire root's credential: %v", err)
	}
	t.Cleanup(func() { cred.Release() })
	return cred
}

func newClient(t *testing.T, opts ...sshgss.Option) *sshgss.Client {
	t.Helper()
	c, err := sshgss.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func hostKey(t *testing.T, s *sshd.Server) ssh.PublicKey {
	t.Helper()
	k, _, _, _, err := ssh.ParseAuthorizedKey([]byte(s.HostKey))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestOpenSSHServerGoClientLogin(t *testing.T) {
	realm := testrealm.Shared(t)
	s := sshd.Start(t, realm)
	gc := newClient(t, sshgss.WithCredential(rootCred(t)))
	c, err := dial(s.Addr, "root", hostKey(t, s), ssh.GSSAPIWithMICAuthMethod(gc, "localhost"))
	if err != nil {
		t.Fatalf("login to sshd: %v", err)
	}
	defer c.Close()
	if out := run(t, c, "echo gss-$(id -un)"); !hasLine(out, "gss-root") {
		t.Fatalf("command output %q, want a line gss-root", out)
	}
	line := s.WaitLog(t, "Accepted gssapi-with-mic for root")
	if !strings.Contains(line, "ssh2: "+realm.Principal("root")) {
		t.Fatalf("sshd log %q does not name %s", line, realm.Principal("root"))
	}
	info := gc.ContextInfo()
	if info == nil || info.Flags&gss.FlagDeleg != 0 || info.Flags&gss.FlagMutual == 0 {
		t.Fatalf("client context %+v: want mutual, no delegation", info)
	}
	t.Logf("sshd: %s; client context flags %v, enctype %v", line, info.Flags, info.SessionKeyEnctype)
}

// TestOpenSSHServerGoClientDelegation: with delegation the client forwards
// root's TGT and sshd stores it for the session (KRB5CCNAME, klist);
// without it the session has no credential. isGSSDelegCreds true (which
// x/crypto/ssh never passes) asks for the same.
func TestOpenSSHServerGoClientDelegation(t *testing.T) {
	realm := testrealm.Shared(t)
	s := sshd.Start(t, realm)
	klist := lookKlist(t)
	cmd := `echo "cc=${KRB5CCNAME:-none}"; ` + klist + ` 2>&1 || true`
	tgt := "krbtgt/" + realm.Name + "@" + realm.Name
	cases := []struct {
		name  string
		auth  func(*sshgss.Client) ssh.GSSAPIClient
		opts  []sshgss.Option
		deleg bool
	}{
		{"WithDelegation", func(c *sshgss.Client) ssh.GSSAPIClient { return c }, []sshgss.Option{sshgss.WithDelegation()}, true},
		{"isGSSDelegCreds", func(c *sshgss.Client) ssh.GSSAPIClient { return &clientHook{Client: c, forceDeleg: true} }, nil, true},
		{"none", func(c *sshgss.Client) ssh.GSSAPIClient { return c }, nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			gc := newClient(t, append(tc.opts, sshgss.WithCredential(rootCred(t)))...)
			c, err := dial(s.Addr, "root", hostKey(t, s), ssh.GSSAPIWithMICAuthMethod(tc.auth(gc), "localhost"))
			if err != nil {
				t.Fatalf("login to sshd: %v", err)
			}
			defer c.Close()
			out := run(t, c, cmd)
			t.Logf("session:\n%s", out)
			gotDeleg := gc.ContextInfo().Flags&gss.FlagDeleg != 0
			ccLine, _ := lineWithPrefix(out, "cc=")
			stored := strings.HasPrefix(ccLine, "cc=FILE:/tmp/krb5cc_0_") && strings.Contains(out, tgt) &&
				strings.Contains(out, "Default principal: "+realm.Principal("root"))
			if gotDeleg != tc.deleg || stored != tc.deleg {
				t.Fatalf("delegation: client flag %v, sshd stored a TGT %v; want %v\n%s", gotDeleg, stored, tc.deleg, out)
			}
			if !tc.deleg && ccLine != "cc=none" {
				t.Fatalf("session has a ccache without delegation:\n%s", out)
			}
			if tc.deleg {
				c.Close()
				waitGone(t, strings.TrimPrefix(ccLine, "cc=FILE:"))
			}
		})
	}
}

// waitGone waits (hang guard 10 s) until sshd has removed the delegated
// ccache at the end of the session (GSSAPICleanupCredentials yes).
func waitGone(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(path); os.IsNotExist(err) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("sshd left the delegated ccache %s after the session", path)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// heimdal reports whether the platform provider is Heimdal (-tags heimdal).
func heimdal(t *testing.T) bool {
	t.Helper()
	p, err := platform.Provider()
	if err != nil {
		t.Fatal(err)
	}
	return strings.HasPrefix(p.Name(), "Heimdal")
}

func lookKlist(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("klist")
	if err != nil {
		t.Fatalf("klist: %v", err)
	}
	return p
}

// TestOpenSSHServerRefusesTamperedMIC: sshd refuses a MIC with a flipped
// checksum byte and a genuine MIC made over another user's login message.
func TestOpenSSHServerRefusesTamperedMIC(t *testing.T) {
	realm := testrealm.Shared(t)
	s := sshd.Start(t, realm)
	cases := map[string]*clientHook{
		"flipped checksum": {mic: flipLast},
		"other user":       {micField: otherUser},
	}
	for name, hook := range cases {
		t.Run(name, func(t *testing.T) {
			hook.Client = newClient(t, sshgss.WithCredential(rootCred(t)))
			c, err := dial(s.Addr, "root", hostKey(t, s), ssh.GSSAPIWithMICAuthMethod(hook, "localhost"))
			if err == nil {
				c.Close()
				t.Fatal("sshd accepted a tampered MIC")
			}
			if !strings.Contains(err.Error(), "unable to authenticate") {
				t.Fatalf("login error %v, want an authentication failure", err)
			}
			t.Logf("client: %v", err)
			t.Logf("sshd: %s", s.WaitLog(t, "GSSAPI MIC check failed"))
		})
	}
	if strings.Contains(s.LogText(), "Accepted") {
		t.Fatalf("sshd accepted a login:\n%s", s.LogText())
	}
}

// TestOpenSSHServerNoTicket: without a ticket (an empty ccache) and with an
// expired one the login fails in InitSecContext, before anything is sent.
func TestOpenSSHServerNoTicket(t *testing.T) {
	realm := testrealm.Shared(t)
	s := sshd.Start(t, realm)
	t.Run("absent", func(t *testing.T) {
		t.Setenv("KRB5CCNAME", "FILE:"+filepath.Join(t.TempDir(), "empty"))
		_, err := dial(s.Addr, "root", hostKey(t, s), ssh.GSSAPIWithMICAuthMethod(newClient(t), "localhost"))
		if err == nil {
			t.Fatal("logged in without a ticket")
		}
		// MIT says GSS_S_NO_CRED, Heimdal 7.8 GSS_S_FAILURE with errno
		// ENOENT for a missing ccache named by KRB5CCNAME: gss.ErrNoTicket
		// for both.
		asStepError(t, err, sshgss.StepInitiate, gss.ErrNoTicket)
		t.Logf("%v", err)
	})
	t.Run("expired", func(t *testing.T) {
		cc := expiredCCache(t, realm)
		t.Setenv("KRB5CCNAME", cc)
		_, err := dial(s.Addr, "root", hostKey(t, s), ssh.GSSAPIWithMICAuthMethod(newClient(t), "localhost"))
		if err == nil {
			t.Fatal("logged in with an expired ticket")
		}
		var se *sshgss.Error
		if !errors.As(err, &se) || (se.Step != sshgss.StepInitiate && se.Step != sshgss.StepContinue) {
			t.Fatalf("error %v is not an InitSecContext *sshgss.Error", err)
		}
		// MIT 1.20's KDC still issues a service ticket for a TGT expired
		// less than the clock skew (5 min) ago, ending when the TGT did;
		// sshd accepts its AP-REQ (same skew), and the client finds its
		// context expired on completion, before making any MIC.
		if !errors.Is(err, gss.ErrContextExpired) && !errors.Is(err, gss.ErrCredentialsExpired) {
			t.Fatalf("error %v matches neither ErrContextExpired nor ErrCredentialsExpired", err)
		}
		if strings.Contains(s.LogText(), "Accepted") {
			t.Fatalf("sshd accepted the login:\n%s", s.LogText())
		}
		t.Logf("%v", err)
	})
}

// expiredCCache gets root a TGT with a 2-second lifetime and waits (hang
// guard 30 s) until the credential reports it has expired.
func expiredCCache(t *testing.T, realm *testrealm.Realm) string {
	t.Helper()
	sshd.RootCCache(t, realm)
	cc := "FILE:" + filepath.Join(t.TempDir(), "short")
	kinit := exec.Command("kinit", "-l", "2s", "-c", cc, realm.Principal("root"))
	kinit.Env = append(os.Environ(), realm.Env()...)
	kinit.Stdin = strings.NewReader(sshd.RootPassword + "\n")
	if out, err := kinit.CombinedOutput(); err != nil {
		t.Fatalf("kinit -l 2s: %v: %s", err, out)
	}
	p, _ := platform.Provider()
	deadline := time.Now().Add(30 * time.Second)
	for {
		cred, err := p.AcquireCredential(nil, []gss.OID{gss.MechKRB5}, gss.CredInitiateOnly, gss.WithCCache(cc))
		if err != nil {
			return cc // MIT refuses to acquire an expired credential
		}
		info, err := cred.Inquire()
		cred.Release()
		// Heimdal reports an expired credential as lifetime 0 (ExpiresAt now).
		if err != nil || (!info.ExpiresAt.IsZero() && !info.ExpiresAt.After(time.Now())) {
			return cc
		}
		if time.Now().After(deadline) {
			t.Fatalf("ticket in %s still valid after 30 s (expires %v)", cc, info.ExpiresAt)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestOpenSSHServerClosesMidAuth: the connection to sshd is cut right after
// the client produced its AP-REQ. The login fails with EOF from
// x/crypto/ssh, no hang; the Client deleted the half-built context and
// logs in with the next connection.
func TestOpenSSHServerClosesMidAuth(t *testing.T) {
	realm := testrealm.Shared(t)
	s := sshd.Start(t, realm)
	relay := startRelay(t, s.Addr)
	gc := newClient(t, sshgss.WithCredential(rootCred(t)))
	hook := &clientHook{Client: gc, afterToken: func(i int) {
		if i == 0 {
			relay.cut()
		}
	}}
	_, err := dial(relay.addr, "root", hostKey(t, s), ssh.GSSAPIWithMICAuthMethod(hook, "localhost"))
	if err == nil {
		t.Fatal("login went through a cut connection")
	}
	if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("error %v, want EOF or a closed connection", err)
	}
	t.Logf("client: %v", err)
	c, err := dial(s.Addr, "root", hostKey(t, s), ssh.GSSAPIWithMICAuthMethod(gc, "localhost"))
	if err != nil {
		t.Fatalf("the same Client cannot log in after the cut (context not deleted?): %v", err)
	}
	c.Close()
}

// relay forwards one TCP connection at a time to a backend until cut.
type relay struct {
	addr  string
	mu    sync.Mutex
	conns []net.Conn
}

func startRelay(t *testing.T, backend string) *relay {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{addr: l.Addr().String()}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); r.cut(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			front, err := l.Accept()
			if err != nil {
				return
			}
			back, err := net.Dial("tcp", backend)
			if err != nil {
				front.Close()
				continue
			}
			r.mu.Lock()
			r.conns = append(r.conns, front, back)
			r.mu.Unlock()
			wg.Add(2)
			go func() { defer wg.Done(); _, _ = io.Copy(back, front); back.Close() }()
			go func() { defer wg.Done(); _, _ = io.Copy(front, back); front.Close() }()
		}
	}()
	return r
}

// cut closes every relayed connection, both sides.
func (r *relay) cut() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.conns {
		c.Close()
	}
	r.conns = nil
}
