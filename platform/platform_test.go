//go:build !windows && cgo

package platform

import (
	"strings"
	"testing"
)

func TestProviderIsGSSAPIUnix(t *testing.T) {
	p, err := Provider()
	if err != nil {
		t.Fatal(err)
	}
	if n := p.Name(); !strings.HasPrefix(n, "MIT") && !strings.HasPrefix(n, "Heimdal") {
		t.Fatalf("provider %q, want MIT or Heimdal", n)
	}
}
