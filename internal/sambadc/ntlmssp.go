package sambadc

import (
	"strconv"
	"testing"
)

// NtlmsspInitiator starts Samba's raw NTLMSSP client (ntlm_auth
// --helper-protocol=ntlmssp-client-1) as user: Step(nil) gives the bare
// NEGOTIATE message, Step(challenge) the AUTHENTICATE. No SPNEGO: it is
// what an SMB client sends that answers the server's SPNEGO offer with
// bare NTLMSSP. tb.Cleanup stops it.
func (d *DC) NtlmsspInitiator(tb testing.TB, user, password string) *Helper {
	tb.Helper()
	dir := d.helperDir(tb, "initiator")
	conf := d.helperConf(tb, dir, nil)
	return d.startHelper(tb, "initiator", dir, nil,
		"--helper-protocol=ntlmssp-client-1", "--configfile="+conf,
		"--username="+user, "--password="+password, "--domain="+d.Domain)
}

// NetnsPrefix is the command prefix that runs a program in the DC's
// network namespace only (nsenter --net), e.g. tcpdump for
// pcaprec.Start, so that traffic to the DC's fixed ports (445, 139) from a
// client run there with Command is captured as it is, not through a
// forwarder on an ephemeral port.
func (d *DC) NetnsPrefix() []string {
	return []string{d.tools["nsenter"], "--target", strconv.Itoa(d.nsPID), "--net", "--"}
}
