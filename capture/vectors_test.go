package capture

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"github.com/gssnego/gssnego/internal/pcapsynth"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/gssnego/gssnego/negotiate"
)

// vectorSet is one recorded exchange from negotiate/testdata/vectors.
type vectorSet struct {
	name string
	dirs []negotiate.Direction
	toks [][]byte
}

var vectorFile = regexp.MustCompile(`^(.*)-(\d\d)-(i2a|a2i)\.hex$`)

func loadVectors(t testing.TB) []vectorSet {
	t.Helper()
	root := os.Getenv("GSSNEGO_VECTORS")
	if root == "" {
		root = "../negotiate/testdata/vectors"
	}
	sets := map[string]*vectorSet{}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		m := vectorFile.FindStringSubmatch(d.Name())
		if m == nil {
			return nil
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		tok, err := hex.DecodeString(strings.Join(strings.Fields(string(raw)), ""))
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		rel, _ := filepath.Rel(root, filepath.Join(filepath.Dir(path), m[1]))
		rel = filepath.ToSlash(rel)
		s := sets[rel]
		if s == nil {
			s = &vectorSet{name: rel}
			sets[rel] = s
		}
		d2 := negotiate.InitiatorToAcceptor
		if m[3] == "a2i" {
			d2 = negotiate.AcceptorToInitiator
		}
		s.dirs = append(s.dirs, d2) // WalkDir visits in lexical order: 01, 02, ...
		s.toks = append(s.toks, tok)
		return nil
	})
	if err != nil || len(sets) == 0 {
		t.Skipf("token vectors not found under %s: %v", root, err)
	}
	var out []vectorSet
	for _, s := range sets {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// expected is the verdict `gssnego inspect` gives the same tokens.
func expected(s vectorSet) negotiate.Verdict {
	tr := negotiate.NewTranscript(negotiate.Policy{})
	for i, tok := range s.toks {
		tr.Add(s.dirs[i], tok)
	}
	return tr.Verdict
}

// startsWithInitiator: HTTP and LDAP exchanges begin with the client.
func (s vectorSet) startsWithInitiator() bool {
	return len(s.dirs) > 0 && s.dirs[0] == negotiate.InitiatorToAcceptor
}

func httpMessage(d negotiate.Direction, tok []byte) []byte {
	b64 := base64.StdEncoding.EncodeToString(tok)
	if d == negotiate.InitiatorToAcceptor {
		return []byte("GET /private HTTP/1.1\r\nHost: www.example.test\r\nAuthorization: Negotiate " + b64 + "\r\n\r\n")
	}
	body := "<html>Unauthorized</html>\n"
	return []byte("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Negotiate " + b64 +
		fmt.Sprintf("\r\nContent-Length: %d\r\n\r\n", len(body)) + body)
}

// ber builds one TLV with a long-form length, as Windows writes it.
func ber(tag byte, parts ...[]byte) []byte {
	v := bytes.Join(parts, nil)
	out := []byte{tag, 0x84, byte(len(v) >> 24), byte(len(v) >> 16), byte(len(v) >> 8), byte(len(v))}
	return append(out, v...)
}

func ldapMessage(id int, d negotiate.Direction, tok []byte, mech string) []byte {
	msgID := []byte{0x02, 0x01, byte(id)}
	if d == negotiate.InitiatorToAcceptor {
		sasl := ber(0xa3, ber(0x04, []byte(mech)), ber(0x04, tok))
		return ber(0x30, msgID, ber(0x60, []byte{0x02, 0x01, 0x03}, ber(0x04, nil), sasl))
	}
	return ber(0x30, msgID, ber(0x61, []byte{0x0a, 0x01, 0x0e}, ber(0x04, nil), ber(0x04, nil), ber(0x87, tok)))
}

func addr(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// TestVectorsInCarriers embeds every vector exchange in an HTTP and an
// LDAP connection of one capture — connections interleaved, tokens cut
// into small segments — and expects the verdicts `gssnego inspect` gives.
func TestVectorsInCarriers(t *testing.T) {
	sets := loadVectors(t)
	w := pcapsynth.NewWriter()
	type plan struct {
		c       *pcapsynth.Conn
		carrier string
		s       vectorSet
	}
	var plans []plan
	for i, s := range sets {
		if !s.startsWithInitiator() {
			continue
		}
		client := fmt.Sprintf("10.0.%d.%d", i/200, i%200+1)
		plans = append(plans,
			plan{w.Open(addr(client+":40000"), addr("10.9.0.1:8080")), "http", s},
			plan{w.Open(addr(client+":40001"), addr("10.9.0.2:3268")), "ldap", s})
	}
	for step := 0; ; step++ {
		any := false
		for _, p := range plans {
			if step >= len(p.s.toks) {
				continue
			}
			any = true
			var msg []byte
			if p.carrier == "http" {
				msg = httpMessage(p.s.dirs[step], p.s.toks[step])
			} else {
				msg = ldapMessage(step/2+1, p.s.dirs[step], p.s.toks[step], "GSS-SPNEGO")
			}
			p.c.Send(p.s.dirs[step] == negotiate.InitiatorToAcceptor, msg, 97)
		}
		if !any {
			break
		}
	}
	for _, p := range plans {
		p.c.Close()
	}
	res, err := Audit(bytes.NewReader(w.Buf.Bytes()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 0 {
		t.Errorf("warnings on a clean capture: %v", res.Warnings)
	}
	got := map[string]*Exchange{}
	for _, e := range res.Exchanges {
		got[e.Client.String()+"→"+e.Server.String()] = e
	}
	if len(res.Exchanges) != len(plans) {
		t.Errorf("found %d exchanges, want %d", len(res.Exchanges), len(plans))
	}
	for _, p := range plans {
		e := got[p.c.Client.String()+"→"+p.c.Server.String()]
		if e == nil {
			t.Errorf("%s over %s: no exchange found", p.s.name, p.carrier)
			continue
		}
		want := expected(p.s)
		if e.Carrier != p.carrier || len(e.Transcript.Reports) != len(p.s.toks) ||
			e.Verdict().Result != want.Result || e.Verdict().Reason != want.Reason {
			t.Errorf("%s over %s: carrier %s, %d tokens, verdict %s (%s); want %d tokens, %s (%s)",
				p.s.name, p.carrier, e.Carrier, len(e.Transcript.Reports), e.Verdict().Result, e.Verdict().Reason,
				len(p.s.toks), want.Result, want.Reason)
		}
	}
}

// TestVectorsCoverVerdicts guards the test above against passing vacuously.
func TestVectorsCoverVerdicts(t *testing.T) {
	seen := map[string]int{}
	for _, s := range loadVectors(t) {
		if s.startsWithInitiator() {
			seen[expected(s).Result]++
		}
	}
	t.Logf("verdicts over vectors: %v", seen)
	if seen[negotiate.ResultOK] == 0 || len(seen) < 2 {
		t.Fatalf("vectors give too few distinct verdicts: %v", seen)
	}
}

func smb2Message(d negotiate.Direction, tok []byte) []byte {
	h := make([]byte, 64)
	copy(h, "\xfeSMB")
	h[4] = 64
	var body []byte
	if d == negotiate.AcceptorToInitiator && tok[0] == 0x60 {
		// NEGOTIATE response: 64-byte fixed body, buffer at 128.
		body = make([]byte, 64)
		body[0] = 65
		body[56], body[58], body[59] = 128, byte(len(tok)), byte(len(tok)>>8)
	} else if d == negotiate.AcceptorToInitiator {
		h[12] = 1
		body = make([]byte, 8)
		body[0], body[4], body[6], body[7] = 9, 72, byte(len(tok)), byte(len(tok)>>8)
	} else {
		h[12] = 1
		body = make([]byte, 24)
		body[0], body[12], body[14], body[15] = 25, 88, byte(len(tok)), byte(len(tok)>>8)
	}
	if d == negotiate.AcceptorToInitiator {
		h[16] = 1 // SMB2_FLAGS_SERVER_TO_REDIR
	}
	msg := append(append(h, body...), tok...)
	n := len(msg)
	return append([]byte{0, byte(n >> 16), byte(n >> 8), byte(n)}, msg...)
}

// TestVectorsInSMB2 embeds every vector exchange that starts with the
// server's NegTokenInit2 in an SMB2 connection (NEGOTIATE response, then
// SESSION_SETUP), all interleaved, and expects `gssnego inspect`'s verdicts.
func TestVectorsInSMB2(t *testing.T) {
	w := pcapsynth.NewWriter()
	type plan struct {
		c *pcapsynth.Conn
		s vectorSet
	}
	var plans []plan
	for i, s := range loadVectors(t) {
		if s.startsWithInitiator() || s.toks[0][0] != 0x60 {
			continue
		}
		plans = append(plans, plan{w.Open(addr(fmt.Sprintf("10.5.0.%d:49000", i+1)), addr("10.9.0.3:445")), s})
	}
	if len(plans) < 5 {
		t.Fatalf("only %d SMB-shaped vector sets", len(plans))
	}
	// The first client negotiated twice (SMB1 multi-protocol, then SMB2):
	// two offers before one session setup, still one exchange.
	plans[0].c.Send(false, smb2Message(plans[0].s.dirs[0], plans[0].s.toks[0]), 1400)
	for step := 0; step < 8; step++ {
		for _, p := range plans {
			if step < len(p.s.toks) {
				p.c.Send(p.s.dirs[step] == negotiate.InitiatorToAcceptor, smb2Message(p.s.dirs[step], p.s.toks[step]), 113)
			}
		}
	}
	res, err := Audit(bytes.NewReader(w.Buf.Bytes()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 0 || len(res.Exchanges) != len(plans) {
		for _, e := range res.Exchanges {
			t.Logf("%s %d tokens %s", e.Client, len(e.Tokens), e.Verdict().Result)
		}
		for _, p := range plans {
			t.Logf("%s %s %d", p.c.Client, p.s.name, len(p.s.toks))
		}
		t.Fatalf("%d exchanges for %d connections, warnings %v", len(res.Exchanges), len(plans), res.Warnings)
	}
	for i, p := range plans {
		e, want := res.Exchanges[i], expected(p.s)
		if e.Carrier != "smb2" || len(e.Tokens) != len(p.s.toks) || e.Verdict().Result != want.Result {
			t.Errorf("%s: %s, %d tokens, %s; want %d tokens, %s (%s)", p.s.name, e.Carrier, len(e.Tokens),
				e.Verdict().Result, len(p.s.toks), want.Result, want.Reason)
		}
	}
}

// dcerpcPDU builds a little-endian PDU of type ptype with an auth
// verifier of the given auth type.
func dcerpcPDU(ptype, authType byte, tok []byte) []byte {
	body := make([]byte, 12) // stands in for the bind's context list; the trailer starts 4-aligned
	n := rpcHeaderLen + len(body) + rpcTrailerLen + len(tok)
	h := []byte{5, 0, ptype, 3, 0x10, 0, 0, 0, byte(n), byte(n >> 8), byte(len(tok)), byte(len(tok) >> 8), 1, 0, 0, 0}
	trailer := []byte{authType, 6, 0, 0, 0, 0, 0, 0}
	return append(append(append(h, body...), trailer...), tok...)
}

// TestVectorsInDCERPC embeds every vector exchange that starts with the
// client in a DCE/RPC connection on an arbitrary port (bind, bind_ack,
// then alter_context / alter_context_resp) and expects `gssnego inspect`'s
// verdicts; a sealed request after the bind is traffic, not an exchange.
func TestVectorsInDCERPC(t *testing.T) {
	w := pcapsynth.NewWriter()
	type plan struct {
		c *pcapsynth.Conn
		s vectorSet
	}
	var plans []plan
	for i, s := range loadVectors(t) {
		if s.startsWithInitiator() {
			plans = append(plans, plan{w.Open(addr(fmt.Sprintf("10.6.0.%d:49000", i+1)), addr("10.9.0.4:49667")), s})
		}
	}
	for step := 0; step < 8; step++ {
		for _, p := range plans {
			if step >= len(p.s.toks) {
				continue
			}
			ptype := map[bool]byte{true: rpcAlterContext, false: rpcAlterResponse}[p.s.dirs[step] == negotiate.InitiatorToAcceptor]
			if step < 2 {
				ptype -= 3 // bind, bind_ack
			}
			p.c.Send(p.s.dirs[step] == negotiate.InitiatorToAcceptor, dcerpcPDU(ptype, 9, p.s.toks[step]), 211)
		}
	}
	plans[0].c.Send(true, dcerpcPDU(rpcRequest, 9, bytes.Repeat([]byte{5}, 76)), 1400)
	res, err := Audit(bytes.NewReader(w.Buf.Bytes()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 0 || len(res.Exchanges) != len(plans) {
		t.Fatalf("%d exchanges for %d connections, warnings %v", len(res.Exchanges), len(plans), res.Warnings)
	}
	for i, p := range plans {
		e, want := res.Exchanges[i], expected(p.s)
		if e.Carrier != "dcerpc" || len(e.Tokens) != len(p.s.toks) || e.Verdict().Result != want.Result {
			t.Errorf("%s: %s, %d tokens, %s; want %d tokens, %s (%s)", p.s.name, e.Carrier, len(e.Tokens),
				e.Verdict().Result, len(p.s.toks), want.Result, want.Reason)
		}
	}
	if res.Exchanges[0].Wrapped != 1 {
		t.Errorf("sealed request: wrapped = %d, want 1", res.Exchanges[0].Wrapped)
	}
}

// sampleFrame is one frame of the MSDN sockets sample: LE32 length, token.
func sampleFrame(tok []byte) []byte {
	n := len(tok)
	return append([]byte{byte(n), byte(n >> 8), byte(n >> 16), byte(n >> 24)}, tok...)
}

// sampleSealed is the sample server's final, unframed message: LE32
// trailer length, a Kerberos wrap token's first bytes, ciphertext.
var sampleSealed = append(append([]byte{60, 0, 0, 0, 0x05, 0x04, 0x06, 0xff}, make([]byte, 56)...), make([]byte, 28)...)

// TestVectorsInSampleProtocol embeds every vector exchange that starts
// with the client in a connection of the MSDN sockets sample (frames of
// LE32 length + token, then the server's unframed sealed message), on
// arbitrary ports, interleaved, and expects `gssnego inspect`'s verdicts.
func TestVectorsInSampleProtocol(t *testing.T) {
	w := pcapsynth.NewWriter()
	type plan struct {
		c *pcapsynth.Conn
		s vectorSet
	}
	var plans []plan
	for i, s := range loadVectors(t) {
		if !s.startsWithInitiator() {
			continue
		}
		plans = append(plans, plan{w.Open(addr(fmt.Sprintf("10.6.%d.%d:41000", i/200, i%200+1)), addr(fmt.Sprintf("10.9.0.4:%d", 2000+i))), s})
	}
	if len(plans) < 5 {
		t.Fatalf("only %d client-first vector sets", len(plans))
	}
	for step := 0; step <= 8; step++ {
		for _, p := range plans {
			switch {
			case step < len(p.s.toks):
				p.c.Send(p.s.dirs[step] == negotiate.InitiatorToAcceptor, sampleFrame(p.s.toks[step]), 61)
			case step == len(p.s.toks) && expected(p.s).Result == negotiate.ResultOK:
				p.c.Send(false, sampleSealed, 1400)
			}
		}
	}
	for _, p := range plans {
		p.c.Close()
	}
	res, err := Audit(bytes.NewReader(w.Buf.Bytes()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 0 || len(res.Exchanges) != len(plans) {
		for _, e := range res.Exchanges {
			t.Logf("%s %s %d tokens %s", e.Client, e.Carrier, len(e.Tokens), e.Verdict().Result)
		}
		for _, p := range plans {
			t.Logf("%s %s %d", p.c.Client, p.s.name, len(p.s.toks))
		}
		t.Fatalf("%d exchanges for %d connections, warnings %v", len(res.Exchanges), len(plans), res.Warnings)
	}
	for i, p := range plans {
		e, want := res.Exchanges[i], expected(p.s)
		wantWrapped := 0
		if want.Result == negotiate.ResultOK {
			wantWrapped = 1
		}
		if e.Carrier != "sspi-sample" || len(e.Tokens) != len(p.s.toks) || e.Verdict().Result != want.Result ||
			e.Verdict().Reason != want.Reason || e.Wrapped != wantWrapped {
			t.Errorf("%s: %s, %d tokens, %s (%s), %d wrapped; want %d tokens, %s (%s), %d wrapped", p.s.name, e.Carrier, len(e.Tokens),
				e.Verdict().Result, e.Verdict().Reason, e.Wrapped, len(p.s.toks), want.Result, want.Reason, wantWrapped)
		}
	}
}

// TestSampleSniffIsStrict: the first bytes of the other carriers, and
// near misses of a sample frame, are not taken for the sample protocol.
func TestSampleSniffIsStrict(t *testing.T) {
	init := append([]byte{0x60, 0x08}, spnegoOIDTLV...)
	if !looksSample(sampleFrame(init)) {
		t.Fatal("a framed SPNEGO NegTokenInit is not recognised")
	}
	for name, b := range map[string][]byte{
		"http":            []byte("GET / HTTP/1.1\r\n\r\n"),
		"ldap":            ldapMessage(1, negotiate.InitiatorToAcceptor, init, "GSS-SPNEGO"),
		"smb2":            smb2Message(negotiate.AcceptorToInitiator, init),
		"dcerpc":          dcerpcPDU(rpcBind, 9, init),
		"tls":             {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03},
		"length off by 1": append([]byte{11, 0, 0, 0}, init...),
		"big-endian":      append([]byte{0, 0, 0, 10}, init...),
		"other OID":       sampleFrame([]byte{0x60, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x03}),
		"NTLM AUTH first": sampleFrame(append([]byte("NTLMSSP\x00\x03\x00\x00\x00"), make([]byte, 40)...)),
		"sealed message":  sampleSealed,
	} {
		if looksSample(b) {
			t.Errorf("%s: taken for the sample protocol", name)
		}
		if _, ok := sniffCarrier(b).(*sampleCarrier); ok {
			t.Errorf("%s: sniffed as the sample protocol", name)
		}
	}
}
