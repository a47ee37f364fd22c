//go:build linux

package dnsgss_test

import (
	"context"
	"errors"
	"testing"

	dnsgss "github.com/gssnego/gssnego/compat/dns"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/testrealm"
)

// TestAdapterFaults: no ticket, an expired ticket and an unreachable KDC
// give the gss faults every adapter gives (testrealm.CheckAdapterFaults),
// at StepInitiate, the message leading with the cause and its fix.
func TestAdapterFaults(t *testing.T) {
	realm := testrealm.Shared(t)
	z := startGoZone(t)
	realm.CheckAdapterFaults(t, realm.Principal("alice"), realm.Password, func(t *testing.T) error {
		c, err := dnsgss.NewClient(z.addr, dnsgss.WithTarget("DNS@localhost"), dnsgss.WithProvider(lab.Provider(t)))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		err = c.Negotiate(context.Background())
		var e *dnsgss.Error
		if !errors.As(err, &e) {
			t.Fatalf("error %v (%T) is not a *dnsgss.Error", err, err)
		}
		if e.Step != dnsgss.StepInitiate {
			t.Errorf("step %q, want %q", e.Step, dnsgss.StepInitiate)
		}
		return e
	})
}
