package main

import (
	"fmt"
	"io"

	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
)

// delegation maps http-get's flags: -delegate-always wins over -delegate.
func delegation(byPolicy, always bool) httpauth.Delegation {
	switch {
	case always:
		return httpauth.DelegateAlways
	case byPolicy:
		return httpauth.DelegateByPolicy
	}
	return httpauth.DelegateNone
}

// printDelegation says what the initiator asked for and what its mechanism
// reports: the tokens cannot show it (the forwarded TGT travels inside the
// encrypted authenticator).
func printDelegation(w io.Writer, rec *negotiate.Record) {
	if rec == nil || rec.Delegation.Requested == 0 {
		return
	}
	forwarded := "no (service not ok-as-delegate, TGT not forwardable, or not Kerberos)"
	if rec.Delegation.Delegated {
		forwarded = "yes"
	}
	fmt.Fprintf(w, "delegation: asked with %v, credential forwarded: %s\n", rec.Delegation.Requested, forwarded)
}
