package sspi_test

import (
	"fmt"

	"github.com/gssnego/gssnego/gss"
	sspi "github.com/gssnego/gssnego/sspi_windows"
)

// An initiator towards HTTP/www.example.com with the logon session's
// Kerberos credentials; send out, feed the replies to Continue.
func ExampleProvider_InitSecContext() {
	p := sspi.New()
	target, err := p.ImportName("HTTP@www.example.com", gss.NameHostBasedService)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, err := p.InitSecContext(target, gss.WithMech(gss.MechKRB5), gss.WithFlags(gss.FlagMutual|gss.FlagInteg))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ctx.Close()
	out, err := ctx.Continue(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("send %d bytes; more legs: %v\n", len(out), ctx.ContinueNeeded())
}
