//go:build linux

package sshgss_test

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gssnego/gssnego/compat/ssh"
	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/sshd"
	"github.com/gssnego/gssnego/internal/testrealm"
	"golang.org/x/crypto/ssh"
)

// Tests of Server: OpenSSH 9.2's ssh logs in to an x/crypto/ssh server
// (goServer) whose gssapi-with-mic is an sshgss.Server accepting with the
// realm's keytab (KRB5_KTNAME), AllowSameUser mapping root@REALM to root.

func knownHosts(t *testing.T, gs *goServer) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "known_hosts")
	line := fmt.Sprintf("[localhost]:%d %s", gs.Port, ssh.MarshalAuthorizedKey(gs.HostKey))
	if err := os.WriteFile(path, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestOpenSSHClientGoServerLogin(t *testing.T) {
	realm := testrealm.Shared(t)
	env := []string{"KRB5_CONFIG=" + realm.Krb5Conf, "KRB5CCNAME=" + sshd.RootCCache(t, realm)}
	gs := startGoServer(t, sshgss.AllowSameUser(realm.Name), plainServer())
	kh := knownHosts(t, gs)
	for _, deleg := range []bool{false, true} {
		t.Run(fmt.Sprintf("delegate=%v", deleg), func(t *testing.T) {
			extra := []string{"-o", "GSSAPIDelegateCredentials=no"}
			if deleg {
				extra = []string{"-o", "GSSAPIDelegateCredentials=yes"}
			}
			out, err := sshd.SSH(t, gs.Port, kh, env, extra, "echo hello")
			if err != nil {
				t.Fatalf("ssh: %v\n%s", err, out)
			}
			res := gs.next(t)
			if res.Err != nil || res.Info == nil {
				t.Fatalf("server: %v (info %+v)", res.Err, res.Info)
			}
			want := fmt.Sprintf("go-server user=root principal=%s deleg=%v cmd=%q", realm.Principal("root"), deleg, "echo hello")
			if strings.TrimSpace(out) != want {
				t.Fatalf("ssh output %q, want %q", out, want)
			}
			if res.Info.InitiatorName != realm.Principal("root") || !isKRB5(res.Info.Mech) {
				t.Fatalf("server context %+v", res.Info)
			}
			t.Logf("server context: %s via %s, flags %v, enctype %v", res.Info.InitiatorName, res.Info.Mech.MechName(), res.Info.Flags, res.Info.SessionKeyEnctype)
		})
	}
}

func isKRB5(m gss.OID) bool { return m == gss.MechKRB5 }

// TestOpenSSHClientGoServerRefusals: a principal asking for another
// account, and a user without a ticket, do not log in.
func TestOpenSSHClientGoServerRefusals(t *testing.T) {
	realm := testrealm.Shared(t)
	gs := startGoServer(t, sshgss.AllowSameUser(realm.Name), plainServer())
	kh := knownHosts(t, gs)
	t.Run("other account", func(t *testing.T) {
		// alice's TGT (the realm's user), asking to be root.
		env := []string{"KRB5_CONFIG=" + realm.Krb5Conf, "KRB5CCNAME=" + realm.CCache}
		out, err := sshd.SSH(t, gs.Port, kh, env, nil, "echo should-not-run")
		if err == nil || strings.Contains(out, "should-not-run") {
			t.Fatalf("alice logged in as root: %v\n%s", err, out)
		}
		res := gs.next(t)
		if res.Err == nil || !strings.Contains(res.Err.Error(), `principal "`+realm.Principal(realm.User)+`" may not log in as "root"`) {
			t.Fatalf("server error %v, want AllowSameUser's refusal", res.Err)
		}
	})
	t.Run("no ticket", func(t *testing.T) {
		env := []string{"KRB5_CONFIG=" + realm.Krb5Conf, "KRB5CCNAME=FILE:" + filepath.Join(t.TempDir(), "empty")}
		out, err := sshd.SSH(t, gs.Port, kh, env, nil, "echo should-not-run")
		if err == nil || !strings.Contains(out, "Permission denied") {
			t.Fatalf("ssh without a ticket: %v\n%s", err, out)
		}
		if res := gs.next(t); res.Err == nil {
			t.Fatal("server accepted a client without a ticket")
		}
	})
}

// TestGoClientGoServer: both ends ours, over x/crypto/ssh: a login with
// delegation, then the failures no OpenSSH peer can be made to produce —
// a tampered MIC, garbage tokens either way, a client that disconnects
// mid-exchange — each a typed error naming the step, on the side that
// detects it.
func TestGoClientGoServer(t *testing.T) {
	realm := testrealm.Shared(t)
	login := func(t *testing.T, gs *goServer, auth ssh.GSSAPIClient) (connResult, error) {
		t.Helper()
		c, err := dial(gs.Addr, "root", gs.HostKey, ssh.GSSAPIWithMICAuthMethod(auth, "localhost"))
		if err == nil {
			defer c.Close()
			if out := run(t, c, "id"); !strings.HasPrefix(out, "go-server user=root principal="+realm.Principal("root")) {
				t.Fatalf("session output %q", out)
			}
		}
		return gs.next(t), err
	}
	gs := startGoServer(t, sshgss.AllowSameUser(realm.Name), plainServer())

	t.Run("login", func(t *testing.T) {
		gc := newClient(t, sshgss.WithCredential(rootCred(t)), sshgss.WithDelegation())
		res, err := login(t, gs, gc)
		if err != nil || res.Err != nil {
			t.Fatalf("client %v, server %v", err, res.Err)
		}
		if res.Info.Flags&gss.FlagDeleg == 0 || gc.ContextInfo().Flags&gss.FlagDeleg == 0 {
			t.Fatalf("delegation not seen: server %v, client %v", res.Info.Flags, gc.ContextInfo().Flags)
		}
		if a := res.Server.Authz(); a != nil {
			t.Fatalf("an MIT KDC's ticket has no AD authorization data, got %+v", a)
		}
	})
	t.Run("tampered MIC", func(t *testing.T) {
		for name, hook := range map[string]*clientHook{
			"flipped checksum": {mic: flipLast},
			"other user":       {micField: otherUser},
		} {
			hook.Client = newClient(t, sshgss.WithCredential(rootCred(t)))
			res, err := login(t, gs, hook)
			if err == nil {
				t.Fatalf("%s: login succeeded", name)
			}
			asStepError(t, authErr(t, res.Err), sshgss.StepVerifyMIC, gss.ErrBadMIC)
			if res.Info != nil {
				t.Fatalf("%s: ContextInfo %+v after a refused MIC", name, res.Info)
			}
		}
	})
	t.Run("garbage from the client", func(t *testing.T) {
		// Unframed: refused by the Server's framing check. Framed as
		// krb5 with a broken AP-REQ: refused by the library.
		krb5 := append([]byte{0x60, 0x12, 0x06, 0x09}, []byte(gss.MechKRB5)...)
		for _, junk := range [][]byte{[]byte("\x60\x03garbage"), append(krb5, 0x01, 0x00, 0x6e, 0x03, 0x30, 0x01, 0x00)} {
			hook := &clientHook{Client: newClient(t, sshgss.WithCredential(rootCred(t))),
				outToken: func(i int, tok []byte) []byte { return junk }}
			res, err := login(t, gs, hook)
			if err == nil {
				t.Fatal("login succeeded")
			}
			e := authErr(t, res.Err)
			if len(junk) > 10 {
				// The library's verdict on a broken AP-REQ: MIT and Heimdal
				// both say GSS_S_FAILURE here, not DEFECTIVE_TOKEN.
				var ge *gss.Error
				if !errors.As(e, &ge) {
					t.Fatalf("server error %v carries no *gss.Error", e)
				}
				asStepError(t, e, sshgss.StepAcceptSecContext, nil)
			} else {
				asStepError(t, e, sshgss.StepAcceptSecContext, gss.ErrDefectiveToken)
			}
			t.Logf("server: %v", e)
		}
	})
	t.Run("garbage from the server", func(t *testing.T) {
		bad := startGoServer(t, sshgss.AllowSameUser(realm.Name), func(t *testing.T) (ssh.GSSAPIServer, *sshgss.Server) {
			s, _ := plainServer()(t)
			return &serverHook{Server: s.(*sshgss.Server), outToken: func([]byte) []byte { return []byte("not a token") }}, s.(*sshgss.Server)
		})
		_, err := login(t, bad, newClient(t, sshgss.WithCredential(rootCred(t))))
		if err == nil {
			t.Fatal("login succeeded")
		}
		asStepError(t, err, sshgss.StepContinue, gss.ErrDefectiveToken)
		t.Logf("client: %v", err)
	})
	t.Run("client disconnects mid-exchange", func(t *testing.T) {
		// One Server for both connections: the first must leave it clean.
		srv, err := sshgss.NewServer()
		if err != nil {
			t.Fatal(err)
		}
		gs2 := startGoServer(t, sshgss.AllowSameUser(realm.Name), func(*testing.T) (ssh.GSSAPIServer, *sshgss.Server) { return srv, srv })
		conn, err := net.Dial("tcp", gs2.Addr)
		if err != nil {
			t.Fatal(err)
		}
		hook := &clientHook{Client: newClient(t, sshgss.WithCredential(rootCred(t)))}
		// Close after the AP-REQ went out: the server has accepted it and
		// waits for the MIC.
		hook.outToken = func(i int, tok []byte) []byte { return tok }
		hook.micField = func(f []byte) []byte { conn.Close(); return f }
		_, _, _, err = ssh.NewClientConn(conn, gs2.Addr, &ssh.ClientConfig{User: "root",
			Auth: []ssh.AuthMethod{ssh.GSSAPIWithMICAuthMethod(hook, "localhost")}, HostKeyCallback: ssh.FixedHostKey(gs2.HostKey)})
		if err == nil {
			t.Fatal("handshake over a closed connection succeeded")
		}
		if res := gs2.next(t); res.Err == nil {
			t.Fatal("server: no error for a client that went away")
		} else {
			t.Logf("server: %v", res.Err)
		}
		res, err := login(t, gs2, newClient(t, sshgss.WithCredential(rootCred(t))))
		if err != nil || res.Err != nil {
			t.Fatalf("the same Server after an abandoned exchange: client %v, server %v", err, res.Err)
		}
	})
}
