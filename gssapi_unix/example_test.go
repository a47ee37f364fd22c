//go:build !windows && cgo

package gssapi_unix_test

import (
	"fmt"
	"log"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/gssapi_unix"
)

// An in-process krb5 handshake with mutual authentication, then a MIC. It
// needs KRB5CCNAME (a TGT) and KRB5_KTNAME (the service key), as the tests'
// realm provides.
func Example() {
	p := gssapi_unix.New()
	target, err := p.ImportName("HTTP@localhost", gss.NameHostBasedService)
	if err != nil {
		log.Fatal(err)
	}
	defer target.Release()
	ini, err := p.InitSecContext(target, gss.WithFlags(gss.FlagMutual|gss.FlagInteg))
	if err != nil {
		log.Fatal(err)
	}
	defer ini.Close()
	acc, err := p.AcceptSecContext()
	if err != nil {
		log.Fatal(err)
	}
	defer acc.Close()

	tok, err := ini.Continue(nil) // AP-REQ
	for err == nil && acc.ContinueNeeded() {
		if tok, err = acc.Continue(tok); err == nil && ini.ContinueNeeded() { // AP-REP
			tok, err = ini.Continue(tok)
		}
	}
	if err != nil {
		log.Fatal(err)
	}
	info, _ := acc.Inquire()
	mic, _ := ini.GetMIC([]byte("hello"))
	fmt.Println(info.Mech.MechName(), info.InitiatorName, acc.VerifyMIC([]byte("hello"), mic) == nil)
}
