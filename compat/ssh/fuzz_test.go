package sshgss_test

import (
	"strings"
	"testing"

	"github.com/gssnego/gssnego/compat/ssh"
)

// FuzzSplitPrincipal: any string either splits into a non-empty name and
// realm that join back to it, or is an error; never a panic.
func FuzzSplitPrincipal(f *testing.F) {
	for _, s := range []string{"alice@EXAMPLE.COM", "host/h@R", `a\@b@R`, `x\`, "@", "a@", "@b", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		name, realm, err := sshgss.SplitPrincipal(p)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "sshgss: ") {
				t.Fatalf("error without the package name: %v", err)
			}
			return
		}
		if name == "" || realm == "" || name+"@"+realm != p {
			t.Fatalf("%q split into %q and %q", p, name, realm)
		}
	})
}
