//go:build linux

package sshd

import (
	"os"
	"strings"
	"testing"

	"github.com/gssnego/gssnego/internal/testrealm"
)

func TestMain(m *testing.M) { os.Exit(testrealm.Main(m)) }

// TestOpenSSHLogsInWithGSSAPI checks the harness with OpenSSH on both
// ends: ssh logs in as root with gssapi-with-mic only and runs a command.
func TestOpenSSHLogsInWithGSSAPI(t *testing.T) {
	realm := testrealm.Shared(t)
	cc := RootCCache(t, realm)
	s := Start(t, realm)
	out, err := SSH(t, s.Port, s.KnownHosts, []string{"KRB5_CONFIG=" + realm.Krb5Conf, "KRB5CCNAME=" + cc}, nil, "echo gss-$(id -un)")
	if err != nil {
		t.Fatalf("ssh: %v\n%s", err, out)
	}
	if !strings.Contains(out, "gss-root") {
		t.Fatalf("ssh output %q, want gss-root", out)
	}
	line := s.WaitLog(t, "Accepted gssapi-with-mic for root")
	if !strings.Contains(line, realm.Principal("root")) {
		t.Fatalf("sshd log line %q does not name %s", line, realm.Principal("root"))
	}
}

// TestOpenSSHWithoutTicketFails checks that the harness cannot be passed
// by some other method: with an empty ccache the login is refused.
func TestOpenSSHWithoutTicketFails(t *testing.T) {
	realm := testrealm.Shared(t)
	s := Start(t, realm)
	empty := "FILE:" + t.TempDir() + "/none"
	out, err := SSH(t, s.Port, s.KnownHosts, []string{"KRB5_CONFIG=" + realm.Krb5Conf, "KRB5CCNAME=" + empty}, nil, "echo should-not-run")
	if err == nil || strings.Contains(out, "should-not-run") {
		t.Fatalf("ssh without a ticket logged in: %v\n%s", err, out)
	}
	if !strings.Contains(out, "Permission denied") {
		t.Fatalf("ssh output %q, want Permission denied", out)
	}
}
