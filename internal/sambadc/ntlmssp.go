package sambadc

import "testing"

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
