package sambadc

import (
	"errors"
	"os"
	"testing"

	"github.com/gssnego/gssnego/internal/lab"
)

// shared is the DC of a test binary that runs under Main.
var shared struct {
	dc  *DC
	err error
}

// Main runs a test binary's tests with one DC for all of them, started
// before m.Run and stopped after (provisioning and starting Samba takes
// seconds; its users, services and environment are the package's to set
// up once). Use it as os.Exit(sambadc.Main(m)); Shared returns the DC.
func Main(m *testing.M) int {
	dir, err := os.MkdirTemp("", "gssnego-sambadc-")
	if err != nil {
		shared.err = err
		return m.Run()
	}
	defer os.RemoveAll(dir)
	shared.dc, shared.err = Launch(dir)
	defer func() {
		if shared.dc != nil {
			shared.dc.Stop()
		}
	}()
	return m.Run()
}

// Shared returns the DC Main started. When it could not start, tb is
// skipped with the reason (a failure under GSSNEGO_REQUIRE_LAB=1).
func Shared(tb testing.TB) *DC {
	tb.Helper()
	if shared.err != nil || shared.dc == nil {
		err := shared.err
		if err == nil {
			err = errNoMain
		}
		lab.Unavailable(tb, "Samba AD DC: %v", err)
	}
	return shared.dc
}

var errNoMain = errors.New("no DC: the test binary's TestMain does not call sambadc.Main")
