package repo

import (
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
)

func mod(t *testing.T, dir, text string) Module {
	t.Helper()
	f, err := modfile.Parse(dir+"/go.mod", []byte(text), nil)
	if err != nil {
		t.Fatal(err)
	}
	return Module{Dir: dir, Path: f.Module.Mod.Path, File: f, Published: dir == "." || strings.HasPrefix(dir, "compat/")}
}

func TestLockstep(t *testing.T) {
	root := "module github.com/gssnego/gssnego\n"
	ldap := func(req, repl string) string {
		return "module github.com/gssnego/gssnego/compat/ldap\nrequire github.com/gssnego/gssnego " + req + "\n" + repl
	}
	for _, tc := range []struct {
		name, ldap, want string
	}{
		{"release", ldap("v0.1.0", "replace github.com/gssnego/gssnego => ../.."), ""},
		{"placeholder", ldap("v0.0.0-00010101000000-000000000000", ""), "pseudo-version"},
		{"foreign replace", ldap("v0.1.0", "replace example.com/x => ../x"), "not a module of this tree"},
		{"wrong dir", ldap("v0.1.0", "replace github.com/gssnego/gssnego => ../"), "want the directory ../.."},
	} {
		mods := []Module{mod(t, ".", root), mod(t, "compat/ldap", tc.ldap),
			mod(t, "compat/pgx", "module github.com/gssnego/gssnego/compat/pgx\nrequire github.com/gssnego/gssnego v0.1.0\n")}
		v, err := Lockstep(mods)
		switch {
		case tc.want == "" && (err != nil || v != "v0.1.0"):
			t.Errorf("%s: Lockstep = %q, %v; want v0.1.0", tc.name, v, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: Lockstep error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	mods := []Module{mod(t, ".", root),
		mod(t, "compat/ldap", ldap("v0.1.0", "")),
		mod(t, "compat/pgx", "module github.com/gssnego/gssnego/compat/pgx\nrequire github.com/gssnego/gssnego v0.2.0\n")}
	if _, err := Lockstep(mods); err == nil || !strings.Contains(err.Error(), "lockstep") {
		t.Errorf("two versions: error %v, want a lockstep error", err)
	}
}

func TestOwner(t *testing.T) {
	mods := []Module{{Dir: "."}, {Dir: "compat/ldap"}, {Dir: "bench"}}
	for f, want := range map[string]string{
		"go.mod": ".", "negotiate/x.go": ".", "compat/ldap/doc.go": "compat/ldap",
		"compat/ldapx/a.go": ".", "bench/http/a.go": "bench",
	} {
		if got := Owner(mods, f); got != want {
			t.Errorf("Owner(%s) = %s, want %s", f, got, want)
		}
	}
}
