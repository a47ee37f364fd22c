package proxy

import (
	"archive/zip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/gssnego/gssnego/ci/tools/internal/repo"
)

func TestWriteServesOnlyTheModulesOwnFiles(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		"go.mod":            "module github.com/gssnego/gssnego\n\ngo 1.24.0\n",
		"a.go":              "package gssnego\n",
		"gss/b.go":          "package gss\n",
		"compat/x/go.mod":   "module github.com/gssnego/gssnego/compat/x\n\ngo 1.24.0\n\nrequire github.com/gssnego/gssnego v0.3.0\n\nreplace github.com/gssnego/gssnego => ../..\n",
		"compat/x/c.go":     "package x\n",
		"compat/x/sub/d.go": "package sub\n",
		"compat/xy/e.go":    "package xy\n", // the root's, despite the prefix
	}
	var list []string
	for name, text := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		list = append(list, name)
	}
	sort.Strings(list)
	mods, err := repo.Modules(root, list)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	for _, m := range mods {
		if err := Write(out, root, mods, m, "v0.3.0", list); err != nil {
			t.Fatal(err)
		}
	}
	for mod, want := range map[string][]string{
		"github.com/gssnego/gssnego":          {"a.go", "compat/xy/e.go", "go.mod", "gss/b.go"},
		"github.com/gssnego/gssnego/compat/x": {"c.go", "go.mod", "sub/d.go"},
	} {
		dir := filepath.Join(out, filepath.FromSlash(mod), "@v")
		zr, err := zip.OpenReader(filepath.Join(dir, "v0.3.0.zip"))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range zr.File {
			got = append(got, strings.TrimPrefix(f.Name, mod+"@v0.3.0/"))
		}
		zr.Close()
		sort.Strings(got)
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s zip holds %q, want %q", mod, got, want)
		}
		for _, f := range []string{"v0.3.0.mod", "v0.3.0.info", "list"} {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				t.Error(err)
			}
		}
	}
	gomod, _ := os.ReadFile(filepath.Join(out, "github.com/gssnego/gssnego/compat/x/@v/v0.3.0.mod"))
	if string(gomod) != files["compat/x/go.mod"] {
		t.Errorf(".mod = %q, want the go.mod as committed", gomod)
	}
}
