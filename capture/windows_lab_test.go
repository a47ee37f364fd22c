//go:build linux

package capture

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/pcaprec"
	"github.com/gssnego/gssnego/internal/sambadc"
	"github.com/gssnego/gssnego/negotiate"
)

// TestAuditWindowsKinds records, against one Samba AD DC, each kind of
// real Windows traffic that once gave the audit a false alarm or a missed
// exchange, and checks the audit reads it as Wireshark does and that
// none of it fails the policy: SMB over NetBIOS (TCP 139), DCE/RPC inside
// SMB2 named pipes, bare NTLMSSP after the server's SPNEGO offer, an SMB1
// session setup without extended security after the offer, large-send
// offload, a capture begun mid-stream and a reused client port. Each
// recorded capture is also compared with tshark's reading.
func TestAuditWindowsKinds(t *testing.T) {
	// SMB1 is off by default in Samba 4.17's smbd; NT1 lets the SMB1 cases run.
	d := sambadc.Start(t, "server min protocol = NT1")
	d.Kinit(t, "Administrator", d.AdminPassword, "")
	a445 := d.Forward(t, 445)
	empty := filepath.Join(t.TempDir(), "smb.conf")
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	dns := sambadc.HostName + "." + sambadc.DNSDomain
	portOf := func(a string) string { return a[strings.LastIndexByte(a, ':')+1:] }
	record := func(t *testing.T, addr string, run func()) string {
		rec := pcaprec.Start(t, t.TempDir(), "tcp port "+portOf(addr))
		run()
		// tcpdump runs in immediate mode; give it a moment to write the
		// last frames (Recorder.Sync needs a filter that matches its own
		// marker connection, which these port filters exclude on purpose).
		time.Sleep(300 * time.Millisecond)
		return rec.Stop()
	}
	command := func(t *testing.T, name string, args ...string) {
		cmd := exec.Command(lab.NeedCommand(t, name)[0], args...)
		cmd.Env = append(os.Environ(), d.Env()...)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
	// smbArgs: -W takes the realm for Kerberos (smbclient asks for a KDC
	// of the realm named there) and the NetBIOS domain for NTLM.
	smbArgs := func(addr string, kerberos bool) (server string, args []string) {
		server, kerb, dom := "localhost", "off", sambadc.Domain
		if kerberos {
			server, kerb, dom = dns, "required", sambadc.Realm
		}
		return server, []string{"-s", empty, "-p", portOf(addr), "-I", "127.0.0.1",
			"-U", "Administrator%" + d.AdminPassword, "-W", dom, "--use-kerberos=" + kerb}
	}

	t.Run("netbios-139", func(t *testing.T) {
		// smbclient opens a NetBIOS session (session request, positive
		// response) only on port 139 itself, so it runs in the DC's
		// network namespace, where smbd listens on 139, and so does
		// tcpdump.
		for _, kerberos := range []bool{false, true} {
			name := map[bool]string{false: "ntlm", true: "krb5"}[kerberos]
			rec := pcaprec.Start(t, t.TempDir(), "tcp port 139", d.NetnsPrefix()...)
			server, args := smbArgs("127.0.0.1:139", kerberos)
			cmd := d.Command("smbclient", append(args, "//"+server+"/netlogon", "-c", "ls")...)
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "%s", out)
			time.Sleep(300 * time.Millisecond)
			path := rec.Stop()
			keepCapture(t, path, "smb2-netbios139-"+name)
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Contains(t, string(b), "\x81\x00\x00\x44 ", "NetBIOS session request (68 bytes of names)")
			res := auditFile(t, path)
			assert.Empty(t, res.Warnings)
			require.Len(t, res.Exchanges, 1, name)
			e := res.Exchanges[0]
			assert.Equal(t, "smb2", e.Carrier)
			assert.Equal(t, negotiate.ResultOK, e.Verdict().Result, e.Verdict().Reason)
			assert.True(t, e.Verdict().Complete)
			assert.Equal(t, uint16(139), e.Server.Port())
			assertTsharkFrames(t, path, res, "tcp.port==139,nbss")
			assertCorpusAgrees(t, path)
		}
	})

	t.Run("named-pipes", func(t *testing.T) {
		for _, tc := range []struct {
			opts, mech string
			kerberos   bool
			result     string
		}{
			{"seal,krb5", "dcerpc-krb5", true, negotiate.ResultNotSPNEGO},
			{"sign,krb5", "dcerpc-krb5", true, negotiate.ResultNotSPNEGO},
			{"seal,ntlm", "dcerpc-ntlmssp", false, negotiate.ResultNotSPNEGO},
			{"sign,ntlm", "dcerpc-ntlmssp", false, negotiate.ResultNotSPNEGO},
			{"seal,spnego,krb5", "", true, negotiate.ResultOK},
			{"seal,spnego,ntlm", "", false, negotiate.ResultOK},
		} {
			name := strings.ReplaceAll(tc.opts, ",", "-")
			path := record(t, a445, func() {
				server, args := smbArgs(a445, tc.kerberos)
				command(t, "rpcclient", append(args, "ncacn_np:"+server+"["+tc.opts+"]", "-c", "lsaquery")...)
			})
			keepCapture(t, path, "dcerpc-smb2pipe-"+name)
			res := auditFile(t, path)
			assert.Empty(t, res.Warnings, name)
			require.Len(t, res.Exchanges, 2, "%s: SMB session setup, then the pipe's bind", name)
			e := res.Exchanges[1]
			v := e.Verdict()
			assert.Equal(t, "dcerpc", e.Carrier, name)
			assert.Equal(t, "lsarpc", e.Pipe, name)
			assert.Equal(t, tc.mech, e.Mech, name)
			assert.Equal(t, tc.result, v.Result, "%s: %s", name, v.Reason)
			assert.Positive(t, e.Wrapped, "%s: signed or sealed calls after the bind", name)
			if tc.mech == "" {
				assert.True(t, v.Complete, name)
			}
			assert.Equal(t, negotiate.ResultOK, res.Exchanges[0].Verdict().Result, name)
			assertCorpusAgrees(t, path)
		}
	})

	t.Run("dcerpc-tcp", func(t *testing.T) {
		// For the corpus: DCE/RPC directly over TCP (the endpoint mapper
		// on 135, then SAMR on a dynamic port), run inside the DC's
		// namespace where those ports are. NTLM only: inside the
		// namespace rpcclient cannot resolve the DC's name for Kerberos
		// (NT_STATUS_NOT_FOUND).
		kdcPort := portOf(d.KDCAddr)
		for _, tc := range []struct{ opts, mech, result string }{
			{"ntlm,seal", "dcerpc-ntlmssp", negotiate.ResultNotSPNEGO},
			{"spnego,ntlm,seal", "", negotiate.ResultOK},
		} {
			rec := pcaprec.Start(t, t.TempDir(), "tcp and not port "+kdcPort+" and not port 389 and not port 445 and not port 53 and not port 3268", d.NetnsPrefix()...)
			out, err := d.Command("rpcclient", "-s", empty, "ncacn_ip_tcp:127.0.0.1["+tc.opts+"]", "-U", "Administrator%"+d.AdminPassword,
				"-W", sambadc.Domain, "--use-kerberos=off", "-c", "enumdomusers").CombinedOutput()
			require.NoError(t, err, "%s", out)
			time.Sleep(300 * time.Millisecond)
			path := rec.Stop()
			name := strings.ReplaceAll(tc.opts, ",", "-")
			keepCapture(t, path, "dcerpc-tcp-"+name)
			res := auditFile(t, path)
			assert.Empty(t, res.Warnings, name)
			require.Len(t, res.Exchanges, 1, name)
			e := res.Exchanges[0]
			assert.Equal(t, "dcerpc", e.Carrier, name)
			assert.Empty(t, e.Pipe, name)
			assert.Equal(t, tc.mech, e.Mech, name)
			assert.Equal(t, tc.result, e.Verdict().Result, "%s: %s", name, e.Verdict().Reason)
			assert.Positive(t, e.Wrapped, name)
			assertCorpusAgrees(t, path)
		}
	})

	t.Run("raw-ntlmssp", func(t *testing.T) {
		h := d.NtlmsspInitiator(t, "Administrator", d.AdminPassword)
		path := record(t, a445, func() {
			c := dialSMB(t, a445, nil, 0)
			defer c.Close()
			smb2Login(t, c, h)
		})
		keepCapture(t, path, "smb2-raw-ntlmssp")
		res := auditFile(t, path)
		assert.Empty(t, res.Warnings)
		require.Len(t, res.Exchanges, 2, "the server's offer, then the bare NTLMSSP exchange")
		offer, raw := res.Exchanges[0], res.Exchanges[1]
		assert.Equal(t, OfferRawNTLMSSP, offer.Declined)
		assert.False(t, offer.Aborted)
		assert.Len(t, offer.Tokens, 1)
		assert.Equal(t, "smb-ntlmssp", raw.Mech)
		assert.Len(t, raw.Tokens, 3, "NEGOTIATE, CHALLENGE, AUTHENTICATE")
		assert.Equal(t, negotiate.ResultNotSPNEGO, raw.Verdict().Result, raw.Verdict().Reason)
		for _, e := range res.Exchanges {
			assert.NotEqual(t, negotiate.ResultProtocolError, e.Verdict().Result, e.Verdict().Reason)
		}
		assertCorpusAgrees(t, path)
	})

	t.Run("legacy-smb1-after-offer", func(t *testing.T) {
		var status uint32
		path := record(t, a445, func() {
			c := dialSMB(t, a445, nil, 0)
			defer c.Close()
			status = smb1LegacyAfterOffer(t, c)
		})
		t.Logf("Samba answered the legacy anonymous session setup with NT status %#x", status)
		keepCapture(t, path, "smb1-legacy-after-offer")
		res := auditFile(t, path)
		assert.Empty(t, res.Warnings)
		require.Len(t, res.Exchanges, 1, "the server's offer")
		e := res.Exchanges[0]
		assert.Equal(t, OfferLegacy, e.Declined)
		assert.False(t, e.Aborted, "a declined offer is not an aborted exchange")
		assert.Equal(t, "smb1", e.Carrier)
		assertCorpusAgrees(t, path)
	})

	t.Run("offload", func(t *testing.T) {
		h := d.SpnegoInitiator(t, "Administrator", d.AdminPassword, "cifs", "localhost", sambadc.WithoutKerberos())
		path := record(t, a445, func() {
			c := dialSMB(t, a445, nil, 128)
			defer c.Close()
			smb2Login(t, c, h, true) // each request in two segments, to merge
		})
		link, frames := readFrames(t, path)
		require.Equal(t, uint32(linkEthernet), link)
		big := false
		for _, i := range dataFrames(frames) {
			s, _, _ := decodeTCP(Packet{LinkType: link, Data: frames[i].data, OrigLen: frames[i].orig})
			big = big || len(s.payload) > 128
		}
		assert.True(t, big, "loopback passed a segment longer than the MSS")
		merged, n := offloadMerge(t, frames)
		require.Positive(t, n, "segments merged")
		off := filepath.Join(t.TempDir(), "offload.pcap")
		writeFrames(t, off, link, merged)
		keepCapture(t, off, "smb2-offload-merged")
		orig, lso := auditFile(t, path), auditFile(t, off)
		assert.Empty(t, lso.Warnings)
		require.Len(t, orig.Exchanges, 1)
		require.Len(t, lso.Exchanges, 1)
		assert.Equal(t, orig.Exchanges[0].Tokens, lso.Exchanges[0].Tokens)
		v := lso.Exchanges[0].Verdict()
		assert.Equal(t, negotiate.ResultOK, v.Result, v.Reason)
		assert.True(t, v.Complete)
		assert.Equal(t, orig.Exchanges[0].Verdict(), v)
		assertCorpusAgrees(t, off)
	})

	t.Run("mid-stream-smb1", func(t *testing.T) {
		var client string
		path := record(t, a445, func() {
			server, args := smbArgs(a445, false)
			command(t, "smbclient", append(args, "//"+server+"/netlogon", "-m", "NT1", "--option=client min protocol=NT1", "-c", "ls")...)
		})
		link, frames := readFrames(t, path)
		data := dataFrames(frames)
		require.GreaterOrEqual(t, len(data), 4)
		whole := auditFile(t, path)
		require.Len(t, whole.Exchanges, 1)
		client = whole.Exchanges[0].Client.String()
		require.Equal(t, negotiate.ResultOK, whole.Exchanges[0].Verdict().Result)
		for _, cut := range []struct {
			name string
			from int
		}{
			{"after-handshake", data[0]}, // the client's NEGOTIATE is the first bytes seen
			{"after-negotiate", data[1]}, // the server's reply is
		} {
			p := filepath.Join(t.TempDir(), cut.name+".pcap")
			writeFrames(t, p, link, frames[cut.from:])
			keepCapture(t, p, "smb1-midstream-"+cut.name)
			res := auditFile(t, p)
			require.Len(t, res.Exchanges, 1, cut.name)
			e := res.Exchanges[0]
			assert.Equal(t, client, e.Client.String(), "%s: the client, from the SMB reply flag", cut.name)
			assert.Equal(t, a445, e.Server.String(), cut.name)
			assert.Contains(t, []string{negotiate.ResultOK, negotiate.ResultPartial}, e.Verdict().Result, "%s: %s", cut.name, e.Verdict().Reason)
			assert.Equal(t, whole.Exchanges[0].Tokens, e.Tokens, cut.name)
			assertCorpusAgrees(t, p)
		}
	})

	t.Run("port-reuse", func(t *testing.T) {
		// A free port, then two sessions from it; the first ends with a
		// RST (linger 0) so that the port is free at once, as Windows
		// reuses its ephemeral ports.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		local := l.Addr().(*net.TCPAddr)
		l.Close()
		path := record(t, a445, func() {
			for i := 0; i < 2; i++ {
				h := d.SpnegoInitiator(t, "Administrator", d.AdminPassword, "cifs", "localhost", sambadc.WithoutKerberos())
				c := dialSMB(t, a445, local, 0)
				smb2Login(t, c, h)
				c.SetLinger(0)
				c.Close()
			}
		})
		keepCapture(t, path, "smb2-port-reuse")
		check := func(name, p string) {
			res := auditFile(t, p)
			require.Len(t, res.Exchanges, 2, name)
			for _, e := range res.Exchanges {
				v := e.Verdict()
				assert.Equal(t, negotiate.ResultOK, v.Result, "%s: %s", name, v.Reason)
				assert.Equal(t, strconv.Itoa(local.Port), strconv.Itoa(int(e.Client.Port())), "%s: client port", name)
				assert.Equal(t, a445, e.Server.String(), name)
			}
			assertCorpusAgrees(t, p)
		}
		check("as recorded", path)
		// The same capture without the first connection's close (lost, or
		// outside the capture): only the second SYN says it is new.
		link, frames := readFrames(t, path)
		var kept []rawFrame
		syns := 0
		for _, f := range frames {
			s, ok, _ := decodeTCP(Packet{LinkType: link, Data: f.data, OrigLen: f.orig})
			if ok && s.syn && !s.ack {
				syns++
			}
			if ok && syns == 1 && (s.rst || s.fin) {
				continue
			}
			kept = append(kept, f)
		}
		require.Less(t, len(kept), len(frames), "the first connection's close was recorded")
		p := filepath.Join(t.TempDir(), "unseen-close.pcap")
		writeFrames(t, p, link, kept)
		keepCapture(t, p, "smb2-port-reuse-unseen-close")
		check("close unseen", p)
		// And begun mid-stream: the first bytes seen are the server's
		// NEGOTIATE response, the first connection's close is unseen. Its
		// orientation (from the SMB2 reply flag) must not carry over to
		// the second connection, nor must the second be oriented by it.
		data := dataFrames(kept)
		p = filepath.Join(t.TempDir(), "midstream-unseen-close.pcap")
		writeFrames(t, p, link, kept[data[1]:])
		keepCapture(t, p, "smb2-port-reuse-midstream")
		res := auditFile(t, p)
		require.Len(t, res.Exchanges, 2)
		for _, e := range res.Exchanges {
			assert.Equal(t, local.Port, int(e.Client.Port()), "client port")
			assert.Contains(t, []string{negotiate.ResultOK, negotiate.ResultPartial}, e.Verdict().Result, e.Verdict().Reason)
		}
		assert.Equal(t, negotiate.ResultOK, res.Exchanges[1].Verdict().Result)
		assertCorpusAgrees(t, p)
	})
}
