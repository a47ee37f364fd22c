package sshgss_test

import (
	"errors"
	"testing"

	sshgss "github.com/gssnego/gssnego/compat/ssh"
	"github.com/gssnego/gssnego/gss"
)

// TestServerRefusesUnframedFirstToken: a first token without the RFC 2743
// framing (read by gss.ParseFraming) is a defective token at the
// AcceptSecContext step, refused before any provider is asked, and the
// error keeps the framing parser's field and offset.
func TestServerRefusesUnframedFirstToken(t *testing.T) {
	for _, tok := range [][]byte{nil, []byte("garbage"), {0x60, 0x02, 0x06, 0x00}, append(gss.AppendFraming(nil, gss.MechKRB5, []byte{1, 0}), 0)} {
		s, err := sshgss.NewServer()
		if err != nil {
			t.Fatal(err)
		}
		_, _, _, err = s.AcceptSecContext(tok)
		var se *sshgss.Error
		var pe *gss.ParseError
		switch {
		case !errors.As(err, &se) || se.Step != sshgss.StepAcceptSecContext:
			t.Fatalf("% x: %v (%T) is not an AcceptSecContext step error", tok, err, err)
		case !errors.Is(err, gss.ErrDefectiveToken) || !errors.As(err, &pe):
			t.Fatalf("% x: %v is not a defective token with a *gss.ParseError", tok, err)
		}
		t.Logf("% x: %v", tok, err)
	}
}
