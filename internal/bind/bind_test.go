//go:build linux

package bind

import (
	"testing"

	"github.com/gssnego/gssnego/internal/testrealm"
)

func TestStartAndDig(t *testing.T) {
	r := testrealm.Start(t)
	r.AddService(t, "DNS/localhost")
	s := Start(t, Config{
		Zone: "bind.gssnego.test", Env: r.Env(), Keytab: r.Keytab[len("FILE:"):],
		Policy:  []string{"grant " + r.Name + " krb5-self . A"},
		Records: []string{"www IN A 192.0.2.80"},
	})
	if got := s.Dig(t, "www.bind.gssnego.test", "A"); len(got) != 1 || got[0] != "192.0.2.80" {
		t.Fatalf("dig: %q", got)
	}
}
