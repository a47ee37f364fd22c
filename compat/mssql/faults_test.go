//go:build !windows

package mssqlgss_test

import (
	"errors"
	"strings"
	"testing"

	mssqlgss "github.com/gssnego/gssnego/compat/mssql"
	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/negotiate"
)

// TestAdapterFaults: no ticket, an expired ticket and an unreachable KDC
// against the MIT KDC give the gss faults every adapter gives
// (testrealm.CheckAdapterFaults), at StepInitiate, with the message
// leading with the cause. Kerberos only, so that NTLM does not start
// instead.
func TestAdapterFaults(t *testing.T) {
	r, _ := realm(t)
	connStr := "server=" + sqlHost + ";authenticator=gssnego;gssnego-mechs=ms-krb5,krb5"
	r.CheckAdapterFaults(t, r.Principal(r.User), r.Password, func(t *testing.T) error {
		_, err := authenticator(t, connStr, nil).InitialBytes()
		return requireStep(t, err, mssqlgss.StepInitiate, 0)
	})
}

// TestUnknownService: an SPN the KDC does not know leads the message with
// that and names ServerSPN; the engine's sentinel still matches.
func TestUnknownService(t *testing.T) {
	realm(t)
	a := authenticator(t, "server="+noKrbHost+";authenticator=gssnego;gssnego-mechs=ms-krb5,krb5", nil)
	_, err := a.InitialBytes()
	e := requireStep(t, err, mssqlgss.StepInitiate, 0)
	t.Log(e)
	for _, want := range []error{gss.ErrServiceUnknown, gss.KDCErrServerUnknown, negotiate.ErrNoCommonMech} {
		if !errors.Is(e, want) {
			t.Errorf("errors.Is(%v) false", want)
		}
	}
	if want := "mssqlgss: the KDC does not know service MSSQLSvc/" + noKrbHost; !strings.HasPrefix(e.Error(), want) || !strings.Contains(e.Error(), "ServerSPN") {
		t.Errorf("got %v\nwant the prefix %q and the option", e, want)
	}
	if strings.Count(e.Error(), "the KDC does not know") != 1 {
		t.Errorf("the cause is said more than once: %v", e)
	}
}
