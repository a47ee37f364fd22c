package main

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/internal/mitm"
	"github.com/gssnego/gssnego/internal/pcapsynth"
)

// writeStripCapture writes a capture of HTTP connections, each carrying the
// recorded MIT exchange that needs a MIC both ways (NTLM offered first,
// krb5 chosen); on the connections named in attacked, the downgrade
// bench's attack rewrote the tokens in flight.
func writeStripCapture(t *testing.T, attacks []string) string {
	t.Helper()
	var toks [][]byte
	for i := 1; i <= 5; i++ {
		dir := map[bool]string{true: "i2a", false: "a2i"}[i%2 == 1]
		b, err := hex.DecodeString(vec(t, fmt.Sprintf("mit/mit-b-ntlm1st-krb5chosen-aes256-%02d-%s.hex", i, dir)))
		require.NoError(t, err)
		toks = append(toks, b)
	}
	byName := map[string]mitm.Attack{"none": mitm.None}
	for _, a := range mitm.Attacks() {
		byName[a.Name] = a
	}
	w := pcapsynth.NewWriter()
	for n, name := range attacks {
		a, ok := byName[name]
		require.True(t, ok, name)
		c := w.Open(netip.MustParseAddrPort(fmt.Sprintf("10.0.0.%d:40000", n+1)), netip.MustParseAddrPort("10.0.1.1:80"))
		for i, tok := range toks {
			d := mitm.Direction(i % 2)
			tok = a.Rewrite(d, i, tok)
			b64 := base64.StdEncoding.EncodeToString(tok)
			if d == mitm.InitiatorToAcceptor {
				c.Send(true, []byte("GET / HTTP/1.1\r\nAuthorization: Negotiate "+b64+"\r\n\r\n"), 1400)
			} else {
				c.Send(false, []byte("HTTP/1.1 401 x\r\nContent-Length: 0\r\nWWW-Authenticate: Negotiate "+b64+"\r\n\r\n"), 1400)
			}
		}
		c.Close()
	}
	path := filepath.Join(t.TempDir(), "strip.pcap")
	require.NoError(t, os.WriteFile(path, w.Buf.Bytes(), 0o644))
	return path
}

// TestAuditFlagsStrippedMIC: the audit flags exactly the connections on
// which the bench stripped a due mechListMIC, names their server, and exits 3.
func TestAuditFlagsStrippedMIC(t *testing.T) {
	attacks := []string{"none", "strip-initiator-mic", "none", "strip-acceptor-mic"}
	code, out, errs := runCLI(t, "", "audit", writeStripCapture(t, attacks))
	assert.Equal(t, exitPolicy, code, errs)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, len(attacks)+2, out)
	for i, a := range attacks {
		assert.Contains(t, lines[i], fmt.Sprintf("10.0.0.%d:40000 -> 10.0.1.1:80 http", i+1))
		if a == "none" {
			assert.Contains(t, lines[i], "verdict=ok", a)
		} else {
			assert.Contains(t, lines[i], "verdict=downgrade-without-mic rule=selected-not-first", a)
			assert.Contains(t, lines[i], "MISSING", a)
		}
	}
	assert.Contains(t, out, "2 fail the policy")
	assert.Contains(t, out, "servers that accepted a missing mechListMIC: 10.0.1.1:80")

	code, out, errs = runCLI(t, "", "audit", "-json", writeStripCapture(t, []string{"none"}))
	assert.Equal(t, exitOK, code, errs)
	assert.Contains(t, out, `"result": "ok"`)
	assert.Contains(t, out, `"failed": 0`)

	code, _, _ = runCLI(t, "", "audit", "-profile", "bogus", "x.pcap")
	assert.Equal(t, exitUsage, code)
}

// TestAuditWindowsCorpusExitsZero runs the audit over the recorded captures
// of Windows-style traffic (capture/testdata/corpus: NetBIOS 139, DCE/RPC
// in SMB2 named pipes, bare NTLMSSP and a legacy SMB1 session setup after
// the server's SPNEGO offer, large-send offload, mid-stream, port reuse),
// all of healthy exchanges: none may exit 3, and the lines say what each
// kind is.
func TestAuditWindowsCorpusExitsZero(t *testing.T) {
	files, err := filepath.Glob("../../capture/testdata/corpus/*.pcap")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	outs := map[string]string{}
	for _, f := range files {
		code, out, errs := runCLI(t, "", "audit", f)
		assert.Equal(t, exitOK, code, "%s: %s%s", f, out, errs)
		assert.NotContains(t, out, "protocol-error", f)
		assert.NotContains(t, out, " aborted", f)
		outs[filepath.Base(f)] = out
	}
	assert.Contains(t, outs["smb2-raw-ntlmssp.pcap"], "offer-declined=raw-ntlmssp")
	assert.Contains(t, outs["smb2-raw-ntlmssp.pcap"], "mech=smb-ntlmssp")
	assert.Contains(t, outs["smb2-raw-ntlmssp.pcap"], "verdict=not-spnego")
	assert.Contains(t, outs["smb1-legacy-after-offer.pcap"], "offer-declined=legacy-session-setup")
	assert.Contains(t, outs["dcerpc-smb2pipe-seal-spnego-krb5.pcap"], "dcerpc tokens=4")
	assert.Contains(t, outs["dcerpc-smb2pipe-seal-spnego-krb5.pcap"], "pipe=lsarpc")
	assert.Contains(t, outs["smb2-offload-merged.pcap"], "verdict=ok")
}
