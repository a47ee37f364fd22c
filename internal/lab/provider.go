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

// NeedMech ends a test that needs p to offer mech itself (SPNEGO made by
// the provider's own library, NTLM) when p does not list it in
// IndicateMechs. The answer comes from the provider, not from the build
// tags: the pure-Go Kerberos provider (kerberos/) offers Kerberos only,
// MIT and Heimdal offer SPNEGO and load NTLM from gss-ntlmssp.
//
// A provider with a mechanism glue (it lists SPNEGO) that lacks another
// mechanism is missing a plug-in the lab installs (gss-ntlmssp): that is
// Unavailable, a failure under GSSNEGO_REQUIRE_LAB=1. A provider without
// one cannot have the mechanism in any lab, so the test skips with the
// reason even when the lab is required.
func NeedMech(tb testing.TB, p gss.Provider, mech gss.OID) {
	tb.Helper()
	mechs, err := p.IndicateMechs()
	if err != nil {
		tb.Fatalf("%s: IndicateMechs: %v", p.Name(), err)
	}
	if hasMech(mechs, mech) {
		return
	}
	names := make([]string, len(mechs))
	for i, m := range mechs {
		names[i] = m.MechName()
	}
	if mech != gss.MechSPNEGO && hasMech(mechs, gss.MechSPNEGO) {
		Unavailable(tb, "provider %s does not offer %s (IndicateMechs: %v): its mechanism plug-in is not installed",
			p.Name(), mech.MechName(), names)
		return
	}
	tb.Skipf("provider %s does not implement the %s mechanism (IndicateMechs: %v)", p.Name(), mech.MechName(), names)
}

// NeedImpersonator returns p as a gss.Impersonator (S4U2Self and
// S4U2Proxy), or skips the test, even when the lab is required, when the
// provider does not implement it: no lab can add it.
func NeedImpersonator(tb testing.TB, p gss.Provider) gss.Impersonator {
	tb.Helper()
	im, ok := p.(gss.Impersonator)
	if !ok {
		tb.Skipf("provider %s does not implement gss.Impersonator (S4U2Self/S4U2Proxy)", p.Name())
	}
	return im
}

func hasMech(mechs []gss.OID, mech gss.OID) bool {
	for _, m := range mechs {
		if m == mech {
			return true
		}
	}
	return false
}
