package faults_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/sspisample"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
)

// TestErrorsDoc checks that docs/errors.md quotes the messages the code
// produces, verbatim: every fault with its fix, the deadline error, and the
// sentinels of the engine, the HTTP client and the sample.
func TestErrorsDoc(t *testing.T) {
	b, err := os.ReadFile("../../docs/errors.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	var texts []string
	for _, f := range []*gss.Fault{
		gss.ErrKDCUnreachable, gss.ErrClockSkew, gss.ErrTicketExpired, gss.ErrNoTicket,
		gss.ErrKeytabKeyVersion, gss.ErrKeytabNoKey, gss.ErrWrongKey, gss.ErrServiceUnknown,
	} {
		texts = append(texts, "`"+f.Text()+"`")
	}
	texts = append(texts, "`"+(&gss.AbandonedError{Cause: context.DeadlineExceeded}).Error()+"`")
	for _, e := range []error{
		negotiate.ErrNoCommonMech, negotiate.ErrRejected, negotiate.ErrMICMissing, negotiate.ErrMICInvalid,
		negotiate.ErrMICUnexpected, negotiate.ErrDowngrade, negotiate.ErrProtocol, negotiate.ErrNoIntegrity,
		negotiate.ErrNotEstablished,
		httpauth.ErrMutualAuthMissing, httpauth.ErrMutualAuthFailed, httpauth.ErrBodyNotReplayable,
		httpauth.ErrConnectionChanged, httpauth.ErrProtocol,
		sspisample.ErrFrameTooLarge, sspisample.ErrEmptyFrame, sspisample.ErrShortRead, sspisample.ErrBadMessage,
		sspisample.ErrNoSplitWrap,
	} {
		texts = append(texts, "`"+e.Error())
	}
	for _, s := range texts {
		if !strings.Contains(doc, s) {
			t.Errorf("docs/errors.md does not quote %s", s)
		}
	}
}
