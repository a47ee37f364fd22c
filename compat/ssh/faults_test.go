//go:build linux

package sshgss_test

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	sshgss "github.com/gssnego/gssnego/compat/ssh"
	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/sshd"
	"github.com/gssnego/gssnego/internal/testrealm"
)

// loginErr is the *sshgss.Error of a login to s with target as the host
// (the Client asks for host@target).
func loginErr(t *testing.T, s *sshd.Server, target string) *sshgss.Error {
	t.Helper()
	_, err := dial(s.Addr, "root", hostKey(t, s), ssh.GSSAPIWithMICAuthMethod(newClient(t), target))
	var se *sshgss.Error
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not an *sshgss.Error", err, err)
	}
	return se
}

// TestAdapterFaults: no ticket, an expired ticket and an unreachable KDC
// against the real sshd and MIT KDC give the gss faults every adapter
// gives (testrealm.CheckAdapterFaults), at StepInitiate, with the message
// leading with the cause.
func TestAdapterFaults(t *testing.T) {
	realm := testrealm.Shared(t)
	s := sshd.Start(t, realm)
	if testrealm.ChildCase() == "" {
		sshd.RootCCache(t, realm) // adds root@REALM (a child has no KDC to kinit with)
	}
	realm.CheckAdapterFaults(t, realm.Principal("root"), sshd.RootPassword, func(t *testing.T) error {
		se := loginErr(t, s, "localhost")
		if se.Step != sshgss.StepInitiate {
			t.Errorf("step %q, want %q", se.Step, sshgss.StepInitiate)
		}
		return se
	})
}

// TestUnknownService: a host the KDC has no host/ principal for leads the
// message with that, and names where the name comes from.
func TestUnknownService(t *testing.T) {
	realm := testrealm.Shared(t)
	s := sshd.Start(t, realm)
	t.Setenv("KRB5CCNAME", sshd.RootCCache(t, realm))
	se := loginErr(t, s, "nosuch.gssnego.test")
	if se.Step != sshgss.StepInitiate || !errors.Is(se, gss.ErrServiceUnknown) || !errors.Is(se, gss.KDCErrServerUnknown) {
		t.Fatalf("want StepInitiate and gss.ErrServiceUnknown: %v", se)
	}
	t.Log(se)
	if want := "sshgss: the KDC does not know service host/nosuch.gssnego.test"; !strings.HasPrefix(se.Error(), want) || !strings.Contains(se.Error(), "GSSAPIWithMICAuthMethod") {
		t.Errorf("got %v\nwant the prefix %q and the option", se, want)
	}
}
