package gss_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/gssnego/gssnego/gss"
)

func TestFaultFromMinor(t *testing.T) {
	for minor, f := range map[uint32]*gss.Fault{
		0x96c73a9c: gss.ErrKDCUnreachable, 0x96c73a25: gss.ErrClockSkew, 0x96c73a20: gss.ErrTicketExpired,
		0x96c73a2c: gss.ErrKeytabKeyVersion, 0x96c73ac3: gss.ErrNoTicket, 0x96c73a1f: gss.ErrWrongKey,
	} {
		err := gss.NewError("gss_init_sec_context", gss.StatusFailure, minor, gss.MechKRB5, "native text")
		if !errors.Is(err, f) || !errors.Is(err, gss.ErrFailure) {
			t.Errorf("minor %#x: errors.Is fails for %v", minor, f)
		}
		if want := "gss: " + f.Text() + ": gss_init_sec_context: failure: native text"; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("minor %#x: %q, want prefix %q", minor, err, want)
		}
	}
	err := gss.NewError("op", gss.StatusBadMIC, 0x1234, "", "x")
	var f *gss.Fault
	if errors.As(err, &f) || err.Fault != nil {
		t.Errorf("unknown minor got a fault: %v", err)
	}
}
