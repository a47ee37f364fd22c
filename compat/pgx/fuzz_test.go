//go:build linux

package pgxgss_test

import (
	"errors"
	"testing"

	pgxgss "github.com/gssnego/gssnego/compat/pgx"
	"github.com/gssnego/gssnego/platform"
)

// FuzzContinue feeds arbitrary bytes as the server's reply to a real
// AP-REQ: Continue must return a *pgxgss.Error at the continue step (no
// panic, no established context from noise). Seeds: garbage, a truncated
// GSS framing, and a genuine AP-REP of another context.
func FuzzContinue(f *testing.F) {
	f.Add([]byte("this is not a Kerberos token"))
	f.Add([]byte{0x60, 0x82, 0xff, 0xff, 0x06})
	f.Add([]byte{0x60, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02})
	f.Add(otherAPRep(f))
	f.Fuzz(func(t *testing.T, reply []byte) {
		g, err := pgxgss.New()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := g.GetInitTokenFromSPN(targetSvc); err != nil {
			t.Fatal(err)
		}
		done, _, err := g.Continue(reply)
		var ge *pgxgss.Error
		if done || !errors.As(err, &ge) || ge.Step != pgxgss.StepContinue {
			t.Fatalf("Continue(%x) = done %v, %v; want a continue-step error", reply, done, err)
		}
	})
}

// otherAPRep is a genuine AP-REP, made by accepting an AP-REQ of another
// context in process with the realm's keytab.
func otherAPRep(f *testing.F) []byte {
	pgServerTB(f)
	p, err := platform.Provider()
	if err != nil {
		f.Fatal(err)
	}
	g, err := pgxgss.New(pgxgss.WithProvider(p))
	if err != nil {
		f.Fatal(err)
	}
	apReq, err := g.GetInitTokenFromSPN(targetSvc)
	if err != nil {
		f.Fatal(err)
	}
	acc, err := p.AcceptSecContext()
	if err != nil {
		f.Fatal(err)
	}
	defer acc.Close()
	apRep, err := acc.Continue(apReq)
	if err != nil {
		f.Fatal(err)
	}
	return apRep
}
