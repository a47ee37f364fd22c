//go:build !windows && !cgo

package platform

import (
	"testing"

	"github.com/gssnego/gssnego/kerberos"
)

func TestProviderIsPureGoWithoutCgo(t *testing.T) {
	p, err := Provider()
	if err != nil {
		t.Fatal(err)
	}
	if p.Name() != kerberos.ProviderName {
		t.Fatalf("provider %q, want %q", p.Name(), kerberos.ProviderName)
	}
	q, _ := Provider()
	if p != q {
		t.Fatal("Provider returns a new pure-Go provider each time; want one per process")
	}
}
