//go:build !windows

package testrealm

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// StrictClock sets clockskew to the given seconds in krb5.conf and restarts
// the KDC with it. MIT's KDC and library forgive an expired ticket for the
// clock skew (300 s by default); an "expired ticket" test needs a realm of
// its own (Start, not Shared) made strict this way, and its KRB5_CONFIG.
func (r *Realm) StrictClock(tb testing.TB, seconds int) {
	tb.Helper()
	conf, err := os.ReadFile(r.Krb5Conf)
	if err != nil {
		tb.Fatalf("testrealm: %v", err)
	}
	line := "[libdefaults]\n\tclockskew = " + strconv.Itoa(seconds) + "\n"
	s := strings.Replace(string(conf), "[libdefaults]\n", line, 1)
	if err := os.WriteFile(r.Krb5Conf, []byte(s), 0o644); err != nil {
		tb.Fatalf("testrealm: %v", err)
	}
	r.StopKDC()
	if err := r.startKDC(); err != nil {
		tb.Fatalf("testrealm: restart KDC: %v", err)
	}
}
