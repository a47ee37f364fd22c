//go:build linux

package sshgss_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/gssnego/gssnego/compat/ssh"
	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/platform"
	"golang.org/x/crypto/ssh"
)

// In-process tests of the state machines against the realm's KDC: misuse
// gives typed errors, never a mixed-up context.

func TestClientBusyAndOrder(t *testing.T) {
	testrealm.Shared(t)
	c := newClient(t)
	if _, _, err := c.InitSecContext("host@localhost", []byte{1}, false); !errors.Is(err, sshgss.ErrUnexpectedToken) {
		t.Fatalf("token on the first call: %v, want ErrUnexpectedToken", err)
	}
	if _, err := c.GetMIC([]byte("x")); !errors.Is(err, sshgss.ErrNotEstablished) {
		t.Fatalf("GetMIC before a context: %v, want ErrNotEstablished", err)
	}
	tok, more, err := c.InitSecContext("host@localhost", nil, false)
	if err != nil || !more || len(tok) == 0 {
		t.Fatalf("first step: %d bytes, more %v, %v", len(tok), more, err)
	}
	// A second connection starting on the same Client.
	_, _, err = c.InitSecContext("host@localhost", nil, false)
	asStepError(t, err, sshgss.StepInitiate, sshgss.ErrBusy)
	if _, err := c.GetMIC([]byte("x")); !errors.Is(err, sshgss.ErrNotEstablished) {
		t.Fatalf("GetMIC mid-exchange: %v, want ErrNotEstablished", err)
	}
	if err := c.DeleteSecContext(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.InitSecContext("host@localhost", nil, false); err != nil {
		t.Fatalf("after DeleteSecContext: %v", err)
	}
	c.DeleteSecContext()
	c.DeleteSecContext() // twice is fine
}

func TestServerBusyAndOrder(t *testing.T) {
	testrealm.Shared(t)
	s, err := sshgss.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.VerifyMIC([]byte("x"), []byte("y")); !errors.Is(err, sshgss.ErrNotEstablished) {
		t.Fatalf("VerifyMIC before a context: %v, want ErrNotEstablished", err)
	}
	c := newClient(t)
	defer c.DeleteSecContext()
	apreq, _, err := c.InitSecContext("host@localhost", nil, false)
	if err != nil {
		t.Fatal(err)
	}
	aprep, name, more, err := s.AcceptSecContext(apreq)
	if err != nil || more || name != testrealm.Shared(t).Principal("alice") || len(aprep) == 0 {
		t.Fatalf("accept: %d bytes, %q, more %v, %v", len(aprep), name, more, err)
	}
	// Another connection's AP-REQ while this one waits for its MIC.
	_, _, _, err = s.AcceptSecContext(apreq)
	asStepError(t, err, sshgss.StepAcceptSecContext, sshgss.ErrBusy)
	if _, _, err := c.InitSecContext("host@localhost", aprep, false); err != nil {
		t.Fatal(err)
	}
	mic, err := c.GetMIC([]byte("session"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.VerifyMIC([]byte("session"), mic); err != nil {
		t.Fatal(err)
	}
	if s.ContextInfo() == nil || s.ContextInfo().InitiatorName != name {
		t.Fatalf("ContextInfo %+v", s.ContextInfo())
	}
	s.DeleteSecContext()
	// The replayed AP-REQ, now on a fresh context: MIT's replay cache
	// refuses it; Heimdal 7.8 keeps none and accepts it (gssapi_unix docs),
	// which the MIC over the session identifier makes useless in SSH.
	_, _, _, err = s.AcceptSecContext(apreq)
	s.DeleteSecContext()
	if heimdal(t) {
		t.Logf("Heimdal, replayed AP-REQ: %v", err)
		return
	}
	asStepError(t, err, sshgss.StepAcceptSecContext, gss.ErrDuplicateToken)
}

// TestServerRefusesSPNEGO: a client that negotiated Kerberos V5 but sends
// an SPNEGO token is refused (the Server's credential is krb5-only).
func TestServerRefusesSPNEGO(t *testing.T) {
	testrealm.Shared(t)
	p, err := platform.Provider()
	if err != nil {
		t.Fatal(err)
	}
	lab.NeedMech(t, p, gss.MechSPNEGO)
	name, err := p.ImportName("host@localhost", gss.NameHostBasedService)
	if err != nil {
		t.Fatal(err)
	}
	defer name.Release()
	ini, err := p.InitSecContext(name, gss.WithMech(gss.MechSPNEGO), gss.WithFlags(gss.FlagMutual|gss.FlagInteg))
	if err != nil {
		t.Fatal(err)
	}
	defer ini.Close()
	tok, err := ini.Continue(nil)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := sshgss.NewServer()
	_, _, _, err = s.AcceptSecContext(tok)
	if err == nil {
		t.Fatal("Server accepted an SPNEGO token")
	}
	asStepError(t, err, sshgss.StepAcceptSecContext, nil)
	t.Logf("%v", err)
}

func TestServerKeytabAndAcceptorName(t *testing.T) {
	realm := testrealm.Shared(t)
	for _, tc := range []struct {
		name string
		opts []sshgss.Option
		step sshgss.Step // "" = accepted
	}{
		{"keytab", []sshgss.Option{sshgss.WithKeytab(realm.Keytab)}, ""},
		{"acceptor name", []sshgss.Option{sshgss.WithAcceptorName("host@localhost")}, ""},
		{"other acceptor name", []sshgss.Option{sshgss.WithAcceptorName("HTTP@localhost")}, sshgss.StepAcceptSecContext},
		{"missing keytab", []sshgss.Option{sshgss.WithKeytab("FILE:" + t.TempDir() + "/none")}, sshgss.StepAcquireCredential},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := sshgss.NewServer(tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			c := newClient(t)
			defer c.DeleteSecContext()
			apreq, _, err := c.InitSecContext("host@localhost", nil, false)
			if err != nil {
				t.Fatal(err)
			}
			_, _, _, err = s.AcceptSecContext(apreq)
			s.DeleteSecContext()
			if tc.step == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if tc.step == sshgss.StepAcquireCredential && heimdal(t) {
				// Heimdal opens the keytab only when a token arrives.
				tc.step = sshgss.StepAcceptSecContext
			}
			asStepError(t, err, tc.step, nil)
			t.Logf("%v", err)
		})
	}
}

func TestOptionsBelongToOneSide(t *testing.T) {
	if _, err := sshgss.NewClient(sshgss.WithKeytab("x")); err == nil || !strings.Contains(err.Error(), "WithKeytab") {
		t.Fatalf("NewClient(WithKeytab): %v", err)
	}
	if _, err := sshgss.NewServer(sshgss.WithDelegation()); err == nil || !strings.Contains(err.Error(), "WithDelegation") {
		t.Fatalf("NewServer(WithDelegation): %v", err)
	}
}

func TestSplitPrincipal(t *testing.T) {
	for _, tc := range []struct{ in, name, realm, err string }{
		{"alice@EXAMPLE.COM", "alice", "EXAMPLE.COM", ""},
		{"host/a.example.com@EXAMPLE.COM", "host/a.example.com", "EXAMPLE.COM", ""},
		{`odd\@name@R`, `odd\@name`, "R", ""},
		{"a@b@R", "a@b", "R", ""},
		{"alice", "", "", "no realm"},
		{"@R", "", "", "empty name"},
		{"alice@", "", "", "empty realm"},
		{`alice@R\`, "", "", "dangling backslash at offset 7"},
	} {
		name, realm, err := sshgss.SplitPrincipal(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || name != tc.name || realm != tc.realm {
			t.Errorf("%q: %q %q %v", tc.in, name, realm, err)
		}
	}
}

// TestServerRefusesSPNEGOWithAnyMechCredential: with a caller's credential
// valid for every mechanism the library lets the SPNEGO token through;
// the Server then refuses the completed context by its mechanism.
func TestServerRefusesSPNEGOWithAnyMechCredential(t *testing.T) {
	testrealm.Shared(t)
	p, err := platform.Provider()
	if err != nil {
		t.Fatal(err)
	}
	lab.NeedMech(t, p, gss.MechSPNEGO)
	cred, err := p.AcquireCredential(nil, nil, gss.CredAcceptOnly)
	if err != nil {
		t.Fatal(err)
	}
	defer cred.Release()
	name, err := p.ImportName("host@localhost", gss.NameHostBasedService)
	if err != nil {
		t.Fatal(err)
	}
	defer name.Release()
	ini, err := p.InitSecContext(name, gss.WithMech(gss.MechSPNEGO), gss.WithFlags(gss.FlagMutual|gss.FlagInteg))
	if err != nil {
		t.Fatal(err)
	}
	defer ini.Close()
	tok, err := ini.Continue(nil)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := sshgss.NewServer(sshgss.WithAcceptorCredential(cred))
	defer s.DeleteSecContext()
	out, src, more, err := s.AcceptSecContext(tok)
	t.Logf("out %d bytes, src %q, more %v, err %v", len(out), src, more, err)
	asStepError(t, err, sshgss.StepAcceptSecContext, sshgss.ErrWrongMech)
}

// connUser is the one ssh.ConnMetadata field AllowSameUser reads.
type connUser struct {
	ssh.ConnMetadata
	user string
}

func (c connUser) User() string { return c.user }

func TestAllowSameUser(t *testing.T) {
	allow := sshgss.AllowSameUser("EXAMPLE.COM")
	for _, tc := range []struct {
		user, principal string
		ok              bool
	}{
		{"alice", "alice@EXAMPLE.COM", true},
		{"alice", "alice@OTHER.COM", false},
		{"alice", "alice@example.com", false},
		{"root", "alice@EXAMPLE.COM", false},
		{"alice/admin", "alice/admin@EXAMPLE.COM", false},
		{"Alice", "alice@EXAMPLE.COM", false},
		{"alice", "alice", false},
	} {
		perms, err := allow(connUser{user: tc.user}, tc.principal)
		if (err == nil) != tc.ok {
			t.Errorf("%s as %s: %v, want ok=%v", tc.principal, tc.user, err, tc.ok)
			continue
		}
		if tc.ok && perms.Extensions[sshgss.PrincipalExtension] != tc.principal {
			t.Errorf("%s: permissions %+v", tc.principal, perms)
		}
	}
}
