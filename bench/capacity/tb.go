//go:build linux

package main

import (
	"log"
	"os"
	"testing"
)

// benchTB lets the lab harnesses (internal/apache) run outside a test:
// they only call the methods below.
type benchTB struct {
	testing.TB
	dir      string
	cleanups []func()
}

func (t *benchTB) Helper()                        {}
func (t *benchTB) Name() string                   { return "bench-capacity" }
func (t *benchTB) Failed() bool                   { return false }
func (t *benchTB) Cleanup(f func())               { t.cleanups = append(t.cleanups, f) }
func (t *benchTB) Logf(format string, a ...any)   { log.Printf(format, a...) }
func (t *benchTB) Fatal(a ...any)                 { t.cleanup(); log.Fatal(a...) }
func (t *benchTB) Fatalf(format string, a ...any) { t.cleanup(); log.Fatalf(format, a...) }
func (t *benchTB) Skip(a ...any)                  { t.Fatal(append([]any{"lab missing:"}, a...)...) }
func (t *benchTB) Skipf(format string, a ...any)  { t.Fatalf("lab missing: "+format, a...) }
func (t *benchTB) Setenv(k, v string)             { os.Setenv(k, v) }
func (t *benchTB) TempDir() string {
	d, err := os.MkdirTemp(t.dir, "tmp")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (t *benchTB) cleanup() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
	t.cleanups = nil
	os.RemoveAll(t.dir)
}
