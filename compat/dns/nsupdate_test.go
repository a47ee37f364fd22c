//go:build linux

package dnsgss_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/gssnego/gssnego/internal/lab"
)

// nsupdate runs BIND's nsupdate -g (GSS-TSIG through the system GSSAPI,
// MIT here) with script on stdin, in the shared realm with alice's
// ticket, and returns its output.
func nsupdate(t *testing.T, script string) (string, error) {
	t.Helper()
	bins := lab.NeedCommand(t, "nsupdate")
	if bins == nil {
		return "", nil
	}
	r := dnsService(t)
	cmd := exec.Command(bins[0], "-g", "-v")
	cmd.Env = append(lab.PeerEnv(os.Environ()), r.Env()...)
	cmd.Stdin = strings.NewReader(script)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestGoServerNsupdate: BIND's reference GSS-TSIG client updates our Go
// server, which knows alice signed.
func TestGoServerNsupdate(t *testing.T) {
	z := startGoZone(t)
	host, port, _ := strings.Cut(z.addr, ":")
	out, err := nsupdate(t, "server "+host+" "+port+"\nzone "+goZoneName+"\nupdate add ns1."+goZoneName+" 300 A 192.0.2.53\nsend\n")
	if err != nil {
		t.Fatalf("nsupdate: %v\n%s", err, out)
	}
	rr := z.record("ns1."+goZoneName, dns.TypeA)
	if rr == nil || rr.(*dns.A).A.String() != "192.0.2.53" {
		t.Fatalf("record %v; nsupdate said:\n%s", rr, out)
	}
	if got, want := z.lastSigner(), dnsService(t).Principal("alice"); got != want {
		t.Errorf("signer %q, want %q", got, want)
	}
}
