//go:build linux

package capture

import (
	"bytes"
	"encoding/base64"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/internal/apache"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/pcaprec"
	"github.com/gssnego/gssnego/internal/pcapsynth"
	"github.com/gssnego/gssnego/internal/sambadc"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/negotiate"
)

// TestAuditCurlApache records curl --negotiate against Apache
// mod_auth_gssapi (MIT realm) and expects one complete krb5 exchange per
// request, no MIC due (krb5 first and chosen), and tshark to see the same
// Negotiate tokens.
func TestAuditCurlApache(t *testing.T) {
	realm := testrealm.Start(t)
	s := apache.Start(t, realm)
	rec := pcaprec.Start(t, t.TempDir(), "tcp port "+s.Addr[strings.LastIndexByte(s.Addr, ':')+1:])
	env := append(os.Environ(), realm.Env()...)
	curl := lab.NeedCommand(t, "curl")[0]
	const requests = 3
	for i := 0; i < requests; i++ {
		cmd := exec.Command(curl, "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--negotiate", "-u", ":", s.URL)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		require.Equal(t, "200", string(out))
	}
	path := rec.Stop()
	keepCapture(t, path, "http-curl-apache-krb5")
	res := auditFile(t, path)
	assert.Empty(t, res.Warnings)
	require.Len(t, res.Exchanges, requests, "one exchange per curl request")
	for _, e := range res.Exchanges {
		v := e.Verdict()
		assert.Equal(t, "http", e.Carrier)
		assert.Equal(t, negotiate.ResultOK, v.Result, v.Reason)
		assert.True(t, v.Complete)
		assert.Len(t, e.Transcript.Reports, 2, "NegTokenInit + AP-REQ, accept-completed + AP-REP")
		assert.Equal(t, "127.0.0.1", e.Server.Addr().String())
		assert.Equal(t, s.Addr, e.Server.String())
	}
	assertTsharkAgrees(t, path, res)
	assertCorpusAgrees(t, path)
}

// assertTsharkAgrees compares the Negotiate tokens tshark decodes (an
// independent reassembler and HTTP parser) with the ones the audit found,
// frame by frame.
func assertTsharkAgrees(t *testing.T, path string, res *Result) {
	t.Helper()
	tshark, err := lab.LookPath("tshark")
	if err != nil {
		lab.Unavailable(t, "tshark not installed: %v", err)
		return
	}
	cmd := exec.Command(tshark, "-n", "-r", path, "-Y", "spnego", "-T", "fields", "-E", "separator=|",
		"-e", "frame.number", "-e", "http.authorization", "-e", "http.www_authenticate")
	out, err := cmd.Output()
	require.NoError(t, err, "%s", out)
	var theirs []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(l, "|")
		theirs = append(theirs, f[0]+" "+strings.TrimPrefix(strings.Join(f[1:], ""), "Negotiate "))
	}
	var ours []string
	for _, e := range res.Exchanges {
		for i, f := range e.Frames {
			ours = append(ours, strconv.Itoa(f)+" "+base64.StdEncoding.EncodeToString(e.Tokens[i]))
		}
	}
	assert.Equal(t, theirs, ours, "frame and token tshark decodes SPNEGO in vs what the audit found")
}

// TestAuditLdapsearchSambaLDAP records ldapsearch -Y GSS-SPNEGO against
// Samba AD's LDAP (through the DC's host-side forwarder, so the capture is
// on the host's loopback) and expects one SPNEGO bind exchange followed by
// SASL-wrapped PDUs (Samba requires sign or seal).
func TestAuditLdapsearchSambaLDAP(t *testing.T) {
	d := sambadc.Start(t)
	out, err := d.Command("samba-tool", "spn", "add", "ldap/localhost", "DC1$", "-s", d.SmbConf).CombinedOutput()
	require.NoError(t, err, "%s", out)
	d.Kinit(t, "Administrator", d.AdminPassword, "")
	addr := d.Forward(t, 389)
	rec := pcaprec.Start(t, t.TempDir(), "tcp port "+addr[strings.LastIndexByte(addr, ':')+1:])
	ldapsearch := lab.NeedCommand(t, "ldapsearch")[0]
	cmd := exec.Command(ldapsearch, "-Y", "GSS-SPNEGO", "-LLL", "-H", "ldap://localhost:"+addr[strings.LastIndexByte(addr, ':')+1:],
		"-b", "", "-s", "base", "defaultNamingContext")
	cmd.Env = append(append(os.Environ(), d.Env()...), "LDAPSASL_NOCANON=on")
	out, err = cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "defaultNamingContext: DC=samdom,DC=test")
	path := rec.Stop()
	keepCapture(t, path, "ldap-ldapsearch-samba-spnego")
	res := auditFile(t, path)
	assert.Empty(t, res.Warnings)
	require.Len(t, res.Exchanges, 1)
	e := res.Exchanges[0]
	v := e.Verdict()
	assert.Equal(t, "ldap", e.Carrier)
	assert.Equal(t, negotiate.ResultOK, v.Result, v.Reason)
	assert.True(t, v.Complete)
	assert.Positive(t, e.Wrapped, "sealed LDAP PDUs after the bind")
	assertTsharkFrames(t, path, res, "tcp.port=="+addr[strings.LastIndexByte(addr, ':')+1:]+",ldap")
	assertCorpusAgrees(t, path)
	t.Logf("ldapsearch ↔ Samba: %d tokens, mech %s, session etype %v, %d wrapped PDUs", len(e.Tokens), v.SelectedMechName, v.Etype.Session, e.Wrapped)
}

// assertTsharkFrames checks that tshark, told to decode the port as the
// carrier, finds SPNEGO in exactly the frames the audit took tokens from.
func assertTsharkFrames(t *testing.T, path string, res *Result, decodeAs string) {
	t.Helper()
	tshark, err := lab.LookPath("tshark")
	if err != nil {
		lab.Unavailable(t, "tshark not installed: %v", err)
		return
	}
	out, err := exec.Command(tshark, "-n", "-r", path, "-d", decodeAs, "-Y", "spnego", "-T", "fields", "-e", "frame.number").Output()
	require.NoError(t, err, "%s", out)
	var ours []string
	for _, e := range res.Exchanges {
		for _, f := range e.Frames {
			ours = append(ours, strconv.Itoa(f))
		}
	}
	assert.Equal(t, strings.Fields(string(out)), ours, "frames tshark decodes SPNEGO in vs the audit's")
}

// TestAuditSmbclientSamba records smbclient ↔ Samba smbd (through the
// DC's host-side forwarder) with NTLM and with Kerberos and expects one
// SMB2 exchange each. NTLM: Samba sends MICs both ways (the AUTHENTICATE
// carries its own MIC). Kerberos: smbclient refuses Kerberos for the name
// "localhost" ("Kerberos auth … to access 'localhost' not possible", even
// with an SPN cifs/localhost), so it is told the DC's real name and the
// forwarder's address with -I.
func TestAuditSmbclientSamba(t *testing.T) {
	// SMB1 is off by default in Samba 4.17's smbd; NT1 lets the SMB1 case run.
	d := sambadc.Start(t, "server min protocol = NT1")
	addr := d.Forward(t, 445)
	port := addr[strings.LastIndexByte(addr, ':')+1:]
	empty := t.TempDir() + "/smb.conf"
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	smbclient := lab.NeedCommand(t, "smbclient")[0]
	for _, tc := range []struct {
		name, kerberos, server, domain string
		opts                           []string
	}{
		{"NTLM", "off", "localhost", sambadc.Domain, nil},
		// -W takes the realm here: with the NetBIOS name smbclient asks
		// for a KDC of realm "SAMDOM", which there is none of.
		{"Kerberos", "required", sambadc.HostName + "." + sambadc.DNSDomain, sambadc.Realm, nil},
		{"SMB1-Kerberos", "required", sambadc.HostName + "." + sambadc.DNSDomain, sambadc.Realm,
			[]string{"-m", "NT1", "--option=client min protocol=NT1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := pcaprec.Start(t, t.TempDir(), "tcp port "+port)
			args := append([]string{"-s", empty, "-p", port, "-I", "127.0.0.1", "//" + tc.server + "/netlogon",
				"-U", "Administrator%" + d.AdminPassword, "-W", tc.domain, "--use-kerberos=" + tc.kerberos, "-c", "ls"}, tc.opts...)
			cmd := exec.Command(smbclient, args...)
			cmd.Env = append(os.Environ(), d.Env()...)
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "%s", out)
			path := rec.Stop()
			keepCapture(t, path, "smb-smbclient-samba-"+strings.ToLower(tc.name))
			if tc.opts != nil {
				b, err := os.ReadFile(path)
				require.NoError(t, err)
				require.True(t, bytes.Contains(b, []byte("\xffSMB\x73")), "no SMB1 SESSION_SETUP_ANDX in the capture")
			}
			res := auditFile(t, path)
			assert.Empty(t, res.Warnings)
			require.Len(t, res.Exchanges, 1)
			e := res.Exchanges[0]
			v := e.Verdict()
			wantCarrier := "smb2"
			if tc.opts != nil {
				wantCarrier = "smb1"
			}
			assert.Equal(t, wantCarrier, e.Carrier)
			assert.True(t, v.Complete, v.Reason)
			assert.Equal(t, negotiate.ResultOK, v.Result, v.Reason)
			if tc.kerberos == "off" {
				assert.Equal(t, "1.3.6.1.4.1.311.2.2.10", v.SelectedMechName)
				assert.True(t, v.Initiator.Present && v.Acceptor.Present, "Samba and smbclient both send a mechListMIC")
			} else {
				assert.True(t, v.SelectedMech.IsKerberos(), "selected %s", v.SelectedMechName)
				assert.NotZero(t, v.Etype.Session, "AP-REP session key enctype")
			}
			assertTsharkFrames(t, path, res, "tcp.port=="+port+",nbss")
			assertCorpusAgrees(t, path)
			t.Logf("smbclient ↔ smbd (%s): %d tokens, mech %s, etype %v, initiator MIC %s, acceptor MIC %s, %d encrypted",
				tc.name, len(e.Tokens), v.SelectedMechName, v.Etype.Session, v.Initiator, v.Acceptor, e.Wrapped)
		})
	}
}

// TestAuditPcapngFromEditcap converts a synthetic capture to pcapng with
// Wireshark's editcap (an independent pcapng writer) and
// expects the same exchanges and times as from the pcap.
func TestAuditPcapngFromEditcap(t *testing.T) {
	editcap := lab.NeedCommand(t, "editcap")[0]
	s := pickSet(t, "mit/mit-b-ntlm1st-krb5chosen-aes256")
	w := pcapsynth.NewWriter()
	c := w.Open(addr("10.1.0.1:50000"), addr("10.1.0.2:80"))
	for i, tok := range s.toks {
		c.Send(s.dirs[i] == negotiate.InitiatorToAcceptor, httpMessage(s.dirs[i], tok), 500)
	}
	dir := t.TempDir()
	in, out := dir+"/in.pcap", dir+"/out.pcapng"
	require.NoError(t, os.WriteFile(in, w.Buf.Bytes(), 0o644))
	b, err := exec.Command(editcap, "-F", "pcapng", "--set-unused", "-T", "ether", in, out).CombinedOutput()
	if err != nil { // older editcap without --set-unused
		b, err = exec.Command(editcap, "-F", "pcapng", in, out).CombinedOutput()
	}
	require.NoError(t, err, "%s", b)
	a, ng := auditFile(t, in), auditFile(t, out)
	require.Len(t, ng.Exchanges, 1)
	require.Len(t, a.Exchanges, 1)
	assert.Equal(t, a.Exchanges[0].Tokens, ng.Exchanges[0].Tokens)
	assert.Equal(t, a.Exchanges[0].Frames, ng.Exchanges[0].Frames)
	assert.True(t, a.Exchanges[0].Start.Equal(ng.Exchanges[0].Start), "%v vs %v", a.Exchanges[0].Start, ng.Exchanges[0].Start)
	assert.Equal(t, negotiate.ResultOK, ng.Exchanges[0].Verdict().Result)
}
