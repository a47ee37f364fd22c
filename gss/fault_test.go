package gss_test

import (
	"errors"
	"fmt"
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

// TestFaultRules: the rules that need the call and the major status as
// well as the minor one, and only on the initiator's first call.
func TestFaultRules(t *testing.T) {
	for _, tc := range []struct {
		op    string
		major gss.Status
		minor uint32
		mech  gss.OID
		want  *gss.Fault
	}{
		{"gss_init_sec_context", gss.StatusFailure, 2, gss.MechKRB5, gss.ErrNoTicket},                 // Heimdal: ccache file missing
		{"gss_init_sec_context", gss.StatusFailure, 2, "", gss.ErrNoTicket},                           // mech unknown
		{"gss_accept_sec_context", gss.StatusFailure, 2, gss.MechKRB5, nil},                           // an acceptor's ENOENT is not a ticket
		{"gss_init_sec_context", gss.StatusFailure, 2, gss.MechNTLMSSP, nil},                          // not Kerberos
		{"gss_init_sec_context", gss.StatusCredentialsExpired, 0, gss.MechKRB5, gss.ErrTicketExpired}, // MIT: expired TGT
		{"InitializeSecurityContext", gss.StatusCredentialsExpired, 0, "", gss.ErrTicketExpired},
		{"gss_accept_sec_context", gss.StatusCredentialsExpired, 0, gss.MechKRB5, nil},
		{"gss_accept_sec_context", gss.StatusFailure, 0x96c73a07, gss.MechKRB5, gss.ErrServiceUnknown}, // the table needs no call
	} {
		err := gss.NewError(tc.op, tc.major, tc.minor, tc.mech, "x")
		if err.Fault != tc.want {
			t.Errorf("%s %v minor %#x mech %q: fault %v, want %v", tc.op, tc.major, tc.minor, tc.mech, err.Fault, tc.want)
		}
	}
}

// TestServiceUnknownText: the unknown-service fault names the principal
// the library named (not a referral krbtgt/), else the name asked for, and
// the caller's setting; SplitFault says it once.
func TestServiceUnknownText(t *testing.T) {
	mit := gss.NewError("gss_init_sec_context", gss.StatusFailure, 0x96c73a07, gss.MechKRB5, "Server HTTP/web.example.com@EXAMPLE.COM not found in Kerberos database")
	if want := "gss: the KDC does not know service HTTP/web.example.com@EXAMPLE.COM (register "; !strings.HasPrefix(mit.Error(), want) {
		t.Errorf("%v\nwant prefix %q", mit, want)
	}
	for _, text := range []string{"Server (HTTP/web.example.com@EXAMPLE.COM) unknown", "Miscellaneous failure (see text): LOOKING_UP_SERVER (HTTP/web.example.com@EXAMPLE.COM)"} {
		heimdal := gss.NewError("gss_init_sec_context", gss.StatusFailure, 0x96c73a07, gss.MechKRB5, text)
		if lead, _ := gss.FaultText(heimdal, "HTTP@web.example.com", ""); !strings.HasPrefix(lead, "the KDC does not know service HTTP/web.example.com@EXAMPLE.COM (") {
			t.Errorf("Heimdal's text %q: %q", text, lead)
		}
	}
	referral := gss.NewError("gss_init_sec_context", gss.StatusFailure, 0x96c73a07, gss.MechKRB5, "Server krbtgt/127.0.0.1@EXAMPLE.COM not found in Kerberos database")
	lead, rest, ok := gss.SplitFault(fmt.Errorf("wrapped: %w", referral), "HTTP@127.0.0.1", "Transport.ProxySPN")
	if !ok || !strings.HasPrefix(lead, "the KDC does not know service HTTP@127.0.0.1 (") || !strings.HasSuffix(lead, "or correct the service name with Transport.ProxySPN)") {
		t.Errorf("lead %q", lead)
	}
	if strings.Contains(rest, "does not know") || !strings.HasPrefix(rest, "wrapped: gss: gss_init_sec_context") {
		t.Errorf("rest %q", rest)
	}
	if !errors.Is(referral, gss.ErrServiceUnknown) || !errors.Is(referral, gss.KDCErrServerUnknown) {
		t.Error("errors.Is")
	}
	if _, _, ok := gss.SplitFault(errors.New("plain"), "", ""); ok {
		t.Error("a plain error has no fault")
	}
}

// TestServiceUnknownStaleText: a library text naming another service than
// the one asked for (left from another call) does not lead the message.
func TestServiceUnknownStaleText(t *testing.T) {
	err := gss.NewError("gss_init_sec_context", gss.StatusFailure, 0x96c73a07, gss.MechKRB5, "Server HTTP/other.example.com@EXAMPLE.COM not found in Kerberos database")
	for target, want := range map[string]string{
		"HTTP@web.example.com":             "the KDC does not know service HTTP@web.example.com (",
		"HTTP/web.example.com@EXAMPLE.COM": "the KDC does not know service HTTP/web.example.com@EXAMPLE.COM (",
		"HTTP@other.example.com":           "the KDC does not know service HTTP/other.example.com@EXAMPLE.COM (",
		"HTTP/other.example.com":           "the KDC does not know service HTTP/other.example.com@EXAMPLE.COM (",
		"":                                 "the KDC does not know service HTTP/other.example.com@EXAMPLE.COM (",
	} {
		if got, _ := gss.FaultText(err, target, ""); !strings.HasPrefix(got, want) {
			t.Errorf("target %q: %q, want prefix %q", target, got, want)
		}
	}
}
