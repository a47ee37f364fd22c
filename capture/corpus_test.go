//go:build linux

package capture

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/negotiate"
)

// The corpus test: every capture file in the repository is read by the
// audit and by tshark (Wireshark's dissectors: an independent TCP
// reassembler and independent SMB, NetBIOS, LDAP, HTTP, DCE/RPC, SPNEGO,
// NTLMSSP and Kerberos parsers), and the two readings must agree on
//
//   - which frames carry an authentication token, per TCP connection,
//     from which address, SPNEGO or bare (NTLMSSP, Kerberos);
//   - which of those tokens carry a mechListMIC, and the acceptor's
//     supportedMech where it names one;
//   - how many exchanges each connection holds (an exchange starts with
//     the client's NegTokenInit, or with a bare NTLMSSP NEGOTIATE or
//     Kerberos AP-REQ; a server's offer alone is none).
//
// tshark is told to decode a stream's ports as the protocol its first
// bytes are (a test-local check of a few magic bytes, not the audit's
// carrier sniffing), since the lab's peers listen on ephemeral ports.
//
// corpusExceptions names what tshark cannot decode, and why.
var corpusExceptions = map[string]string{
	// None of the repository's captures needs one today. The kinds that
	// would: the MSDN SSPI sockets sample (length-prefixed tokens) has no
	// Wireshark dissector, and SMB3-encrypted sessions hide everything
	// from both readers.
}

// repoCaptures lists every capture file in the repository.
func repoCaptures(t *testing.T) []string {
	t.Helper()
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(root, "go.mod"))
	require.NoError(t, err, "repository root")
	var files []string
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".pcap", ".pcapng", ".cap":
			files = append(files, p)
		}
		return nil
	})
	require.NoError(t, err)
	return files
}

// TestAuditCorpus compares the audit with tshark on every capture in the
// repository.
func TestAuditCorpus(t *testing.T) {
	files := repoCaptures(t)
	require.NotEmpty(t, files, "the repository holds captures (capture/testdata/corpus)")
	lab.NeedCommand(t, "tshark")
	root, _ := filepath.Abs("..")
	for _, f := range files {
		rel, _ := filepath.Rel(root, f)
		t.Run(rel, func(t *testing.T) {
			if why, ok := corpusExceptions[filepath.Base(f)]; ok {
				t.Skipf("tshark cannot decode %s: %s", rel, why)
			}
			assertCorpusAgrees(t, f)
		})
	}
}

// TestAuditCorpusHealthy: none of the corpus captures, all of healthy
// exchanges, fails the policy or flags a refused MIC (exit 3).
func TestAuditCorpusHealthy(t *testing.T) {
	for _, f := range repoCaptures(t) {
		res := auditFile(t, f)
		for _, e := range res.Exchanges {
			v := e.Verdict()
			switch v.Result {
			case negotiate.ResultOK, negotiate.ResultIncomplete, negotiate.ResultPartial, negotiate.ResultNotSPNEGO:
			default:
				t.Errorf("%s: exchange at frame %d: %s (%s)", filepath.Base(f), e.Frames[0], v.Result, v.Reason)
			}
			assert.Empty(t, e.Refused, filepath.Base(f))
			assert.False(t, e.Aborted, "%s: exchange at frame %d aborted", filepath.Base(f), e.Frames[0])
		}
		for _, w := range res.Warnings {
			// A capture begun mid-stream cannot know what came before.
			if !strings.Contains(f, "midstream") || !strings.Contains(w.Message, "bytes missing") {
				t.Errorf("%s: %s", filepath.Base(f), w)
			}
		}
	}
}

// tokenFrame is one frame's authentication token as a reader saw it.
type tokenFrame struct {
	frame  int
	src    string // address:port of the sender
	kind   string // "spnego", "ntlmssp" or "krb5"
	mic    bool
	mech   string // supportedMech, if named
	starts bool   // opens an exchange
}

func (f tokenFrame) String() string {
	return fmt.Sprintf("frame %d from %s: %s mic=%v mech=%s starts=%v", f.frame, f.src, f.kind, f.mic, f.mech, f.starts)
}

// assertCorpusAgrees compares the audit's and tshark's readings of path.
func assertCorpusAgrees(t *testing.T, path string) {
	t.Helper()
	tshark, err := lab.LookPath("tshark")
	if err != nil {
		lab.Unavailable(t, "tshark not installed: %v", err)
		return
	}
	res := auditFile(t, path)
	args := []string{"-n", "-r", path}
	for port, proto := range decodeAsPorts(t, path) {
		args = append(args, "-d", fmt.Sprintf("tcp.port==%d,%s", port, proto))
	}
	// Frame → TCP stream, for every frame.
	out, err := exec.Command(tshark, append(append([]string{}, args...), "-T", "fields", "-e", "frame.number", "-e", "tcp.stream")...).Output()
	require.NoError(t, err)
	stream := map[int]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(l, "\t")
		if len(f) == 2 && f[1] != "" {
			n, _ := strconv.Atoi(f[0])
			stream[n] = f[1]
		}
	}
	const filter = "!(tcp.port==88) && (spnego.negTokenInit_element || spnego.negTokenTarg_element || ntlmssp.messagetype || kerberos.msg_type==14 || kerberos.msg_type==15 || kerberos.msg_type==30)"
	fields := []string{"frame.number", "ip.src", "tcp.srcport", "spnego.negTokenInit_element", "spnego.negTokenTarg_element",
		"spnego.mechListMIC", "spnego.supportedMech", "ntlmssp.messagetype", "kerberos.msg_type", "spnego.negHints_element",
		"smb2.flags.response", "smb.flags.response"}
	targs := append(append([]string{}, args...), "-Y", filter, "-T", "fields", "-E", "separator=|", "-E", "occurrence=f")
	for _, f := range fields {
		targs = append(targs, "-e", f)
	}
	out, err = exec.Command(tshark, targs...).Output()
	require.NoError(t, err)
	var theirs []tokenFrame
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l == "" {
			continue
		}
		f := strings.Split(l, "|")
		require.Len(t, f, len(fields), l)
		n, _ := strconv.Atoi(f[0])
		tf := tokenFrame{frame: n, src: f[1] + ":" + f[2], mic: f[5] != "", mech: f[6]}
		spnego := f[3] != "" || f[4] != ""
		switch {
		case spnego:
			tf.kind = "spnego"
			offer := f[9] != "" || f[10] == "1" || f[11] == "1"
			tf.starts = f[3] != "" && !offer
		case f[7] != "":
			tf.kind, tf.starts = "ntlmssp", f[7] == "0x00000001" || f[7] == "1"
		default:
			tf.kind, tf.starts = "krb5", f[8] == "14"
		}
		theirs = append(theirs, tf)
	}
	require.NotEmpty(t, theirs, "%s: tshark found no token: tell it how to decode the file (decodeAsPorts) or list it in corpusExceptions", filepath.Base(path))
	var ours []tokenFrame
	exchanges := map[string]int{} // per tshark stream, as the audit counts
	for _, e := range res.Exchanges {
		if !onlyOffers(e) {
			exchanges[stream[e.Frames[0]]]++
		}
		for i, r := range e.Transcript.Reports {
			tf := tokenFrame{frame: e.Frames[i], src: e.Server.String(), mic: r.MIC != nil}
			if r.Direction == negotiate.InitiatorToAcceptor {
				tf.src = e.Client.String()
			}
			if r.SupportedMech != nil {
				tf.mech = r.SupportedMech.OID
			}
			switch {
			case r.Kind != "mechanism":
				tf.kind = "spnego"
				tf.starts = r.Kind == "NegTokenInit" && r.Direction == negotiate.InitiatorToAcceptor
			case strings.HasPrefix(string(e.Tokens[i]), "NTLMSSP\x00"):
				tf.kind, tf.starts = "ntlmssp", i == 0
			default:
				tf.kind, tf.starts = "krb5", i == 0
			}
			ours = append(ours, tf)
		}
	}
	sort.SliceStable(ours, func(i, j int) bool { return ours[i].frame < ours[j].frame })
	assert.Equal(t, lines(theirs), lines(ours), "%s: tokens as tshark reads them vs the audit", filepath.Base(path))
	theirEx := map[string]int{}
	for _, tf := range theirs {
		if tf.starts {
			theirEx[stream[tf.frame]]++
		}
	}
	assert.Equal(t, theirEx, exchanges, "%s: exchanges per TCP stream, tshark vs the audit", filepath.Base(path))
}

func lines(fs []tokenFrame) []string {
	var s []string
	for _, f := range fs {
		s = append(s, f.String())
	}
	return s
}

// decodeAsPorts names, for both ports of each TCP stream, the tshark
// dissector its payload's first bytes call for (ports tshark knows need
// none, but naming them does no harm).
func decodeAsPorts(t *testing.T, path string) map[uint16]string {
	t.Helper()
	link, frames := readFrames(t, path)
	ports := map[uint16]string{}
	seen := map[flowKey]bool{}
	for _, f := range frames {
		s, ok, err := decodeTCP(Packet{LinkType: link, Data: f.data, OrigLen: f.orig})
		if err != nil || !ok || len(s.payload) < 8 {
			continue
		}
		k, _ := keyOf(s)
		if seen[k] {
			continue
		}
		b := s.payload
		proto := ""
		switch {
		case b[0] == 0 && (string(b[5:8]) == "SMB"), b[0] == 0x81:
			proto = "nbss"
		case b[0] == 0x30:
			proto = "ldap"
		case b[0] == 5 && b[1] == 0:
			proto = "dcerpc"
		case strings.HasPrefix(string(b), "HTTP/1.") || strings.Contains(string(b[:8]), " /"):
			proto = "http"
		default:
			continue
		}
		seen[k] = true
		for _, p := range []uint16{s.src.Port(), s.dst.Port()} {
			if p != 88 {
				ports[p] = proto
			}
		}
	}
	return ports
}
