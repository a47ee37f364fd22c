package lab

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	buildMu   sync.Mutex
	buildDone = map[string]string{}
)

// GoBuild builds the main package pkg (an import path, e.g.
// "github.com/gssnego/gssnego/cmd/gssnego") once per test binary and
// returns the executable's path. The binary lands in a directory that
// outlives the test that asked first, so later tests reuse it.
func GoBuild(tb testing.TB, pkg string) string {
	tb.Helper()
	goBin := NeedCommand(tb, "go")[0]
	buildMu.Lock()
	defer buildMu.Unlock()
	if p, ok := buildDone[pkg]; ok {
		return p
	}
	dir, err := os.MkdirTemp("", "gssnego-build")
	if err != nil {
		tb.Fatalf("lab: %v", err)
	}
	out := filepath.Join(dir, filepath.Base(pkg))
	cmd := exec.Command(goBin, "build", "-o", out, ".")
	cmd.Dir = PackageDir(tb, pkg)
	if b, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("lab: go build %s: %v\n%s", pkg, err, b)
	}
	buildDone[pkg] = out
	return out
}

// PackageDir returns the directory of pkg, a package of this repository
// given by import path. Builds run there rather than naming the import path
// from the root module, because some of the repository's packages live in
// modules of their own (cmd/gssnego requires go-redis and goja, which the
// root module must not): the go command resolves a package only inside the
// module of its working directory.
func PackageDir(tb testing.TB, pkg string) string {
	tb.Helper()
	const root = "github.com/gssnego/gssnego"
	rel, ok := strings.CutPrefix(pkg, root)
	if !ok {
		tb.Fatalf("lab: %s is not a package of %s", pkg, root)
	}
	out, err := exec.Command(NeedCommand(tb, "go")[0], "env", "GOMOD").Output()
	if err != nil {
		tb.Fatalf("lab: go env GOMOD: %v", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		tb.Fatalf("lab: not inside the %s module (go env GOMOD is %q)", root, gomod)
	}
	// Tests of nested modules run inside them: climb to the repository root.
	dir := filepath.Dir(gomod)
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.HasPrefix(string(b), "module "+root+"\n") {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatalf("lab: no go.mod of %s above %s", root, gomod)
		}
		dir = parent
	}
	return filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(rel, "/")))
}
