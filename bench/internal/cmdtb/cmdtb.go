// Package cmdtb lets the lab harnesses (internal/apache, internal/testrealm)
// run inside a command instead of a test: they take a testing.TB and only
// call the methods TB implements.
package cmdtb

import (
	"log"
	"os"
	"testing"
)

// TB is a testing.TB for a command: logs go to the standard logger, a
// fatal error or a skip (a missing lab part) runs the cleanups and exits.
type TB struct {
	testing.TB
	name     string
	dir      string
	cleanups []func()
}

// New returns a TB named name whose TempDirs are made under dir; Close
// removes dir.
func New(name, dir string) *TB { return &TB{name: name, dir: dir} }

// Helper implements testing.TB.
func (t *TB) Helper() {}

// Name implements testing.TB.
func (t *TB) Name() string { return t.name }

// Failed implements testing.TB.
func (t *TB) Failed() bool { return false }

// Cleanup implements testing.TB.
func (t *TB) Cleanup(f func()) { t.cleanups = append(t.cleanups, f) }

// Logf implements testing.TB.
func (t *TB) Logf(format string, a ...any) { log.Printf(format, a...) }

// Fatal implements testing.TB.
func (t *TB) Fatal(a ...any) { t.Close(); log.Fatal(a...) }

// Fatalf implements testing.TB.
func (t *TB) Fatalf(format string, a ...any) { t.Close(); log.Fatalf(format, a...) }

// Skip implements testing.TB.
func (t *TB) Skip(a ...any) { t.Fatal(append([]any{"lab missing:"}, a...)...) }

// Skipf implements testing.TB.
func (t *TB) Skipf(format string, a ...any) { t.Fatalf("lab missing: "+format, a...) }

// Setenv implements testing.TB.
func (t *TB) Setenv(k, v string) { os.Setenv(k, v) }

// TempDir makes a new directory under the TB's directory.
func (t *TB) TempDir() string {
	d, err := os.MkdirTemp(t.dir, "tmp")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Close runs the cleanups, last registered first, and removes the TB's
// directory.
func (t *TB) Close() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
	t.cleanups = nil
	os.RemoveAll(t.dir)
}
