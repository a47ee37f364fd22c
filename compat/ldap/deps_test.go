package ldapgss

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoHTTPThroughGSSNego: the adapter takes its channel bindings from
// gss/tlsbinding, not from negotiate/httpauth, so none of this module's
// own dependencies brings in net/http. (go-ldap still does, through
// github.com/Azure/go-ntlmssp, which it imports for NTLM binds; that is
// go-ldap's to change.)
func TestNoHTTPThroughGSSNego(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	out, err := exec.Command(goBin, "list", "-deps", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, " ")
		if !strings.HasPrefix(pkg, "github.com/gssnego/gssnego/") {
			continue
		}
		// negotiate/mechtoken is the key-less token codec the replay cache
		// reads the authenticator with (under CGO_ENABLED=0 the pure-Go
		// provider brings it in); it is not the engine and imports no HTTP.
		if strings.HasPrefix(pkg, "github.com/gssnego/gssnego/negotiate") && pkg != "github.com/gssnego/gssnego/negotiate/mechtoken" {
			t.Errorf("%s is a dependency of the ldap adapter", pkg)
		}
		for _, imp := range strings.Fields(imports) {
			if imp == "net/http" || strings.HasPrefix(imp, "net/http/") {
				t.Errorf("%s imports %s", pkg, imp)
			}
		}
	}
}
