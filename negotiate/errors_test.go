package negotiate

import (
	"errors"
	"strings"
	"testing"

	"github.com/gssnego/gssnego/gss"
)

// TestErrorLeadsWithFault: a mechanism failure with a recognised cause
// (an unreachable KDC) is reported cause first; the sentinels still match.
func TestErrorLeadsWithFault(t *testing.T) {
	cause := gss.NewError("gss_init_sec_context", gss.StatusFailure, 0x96c73a9c, gss.MechKRB5, "Cannot contact any KDC for realm 'R'")
	err := engineErr(ErrNoCommonMech, "", "no offered mechanism could start", cause)
	want := "negotiate: " + gss.ErrKDCUnreachable.Text() + ": no offered mechanism could start: gss: gss_init_sec_context: failure: Cannot contact any KDC for realm 'R' (minor 0x96c73a9c, mech krb5)"
	if err.Error() != want {
		t.Errorf("got  %s\nwant %s", err, want)
	}
	for _, target := range []error{ErrNoCommonMech, gss.ErrKDCUnreachable, gss.ErrFailure} {
		if !errors.Is(err, target) {
			t.Errorf("errors.Is(%v) false", target)
		}
	}
	plain := engineErr(ErrRejected, "", "acceptor answered reject", gss.NewError("op", gss.StatusFailure, 1, "", "x"))
	if !strings.HasPrefix(plain.Error(), ErrRejected.Error()+": ") {
		t.Errorf("without a fault the sentinel leads: %v", plain)
	}
}
