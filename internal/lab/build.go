package lab

import (
	"os"
	"os/exec"
	"path/filepath"
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
	if b, err := exec.Command(goBin, "build", "-o", out, pkg).CombinedOutput(); err != nil {
		tb.Fatalf("lab: go build %s: %v\n%s", pkg, err, b)
	}
	buildDone[pkg] = out
	return out
}
