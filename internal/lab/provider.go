package lab

import (
	"errors"
	"testing"

	"github.com/gssnego/gssnego/gss"
)

// Provider returns the build's GSS provider (gss.Default: the test binary
// imports platform) for a test that needs one. A build that cannot have
// one — gssapi_unix compiled without cgo says why through
// gss.NoProviderError — skips with that reason even when the lab is
// required: it is a property of the build, not a missing piece of the lab.
// A provider missing from a build that should have one ends the test via
// Unavailable (a failure under GSSNEGO_REQUIRE_LAB=1), and any other error
// fails it.
func Provider(tb testing.TB) gss.Provider {
	tb.Helper()
	p, err := gss.Default()
	var np *gss.NoProviderError
	switch {
	case err == nil:
		return p
	case errors.As(err, &np):
		tb.Skipf("no GSS provider in this build: %v", err)
	case errors.Is(err, gss.ErrNoProvider):
		Unavailable(tb, "%v", err)
	default:
		tb.Fatalf("GSS provider: %v", err)
	}
	return nil
}
