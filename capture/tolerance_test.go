package capture

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/gssnego/gssnego/internal/mitm"
	"github.com/gssnego/gssnego/internal/pcapsynth"
	"github.com/gssnego/gssnego/negotiate"
)

// krb5Set returns a two-token krb5 exchange and a five-token NTLM one from
// the vectors.
func pickSet(t *testing.T, name string) vectorSet {
	for _, s := range loadVectors(t) {
		if s.name == name {
			return s
		}
	}
	t.Skipf("vector set %s not found", name)
	return vectorSet{}
}

// TestAuditToleratesDisorder sends one exchange with every segment
// duplicated and each pair of segments swapped: the audit must rebuild the
// same tokens.
func TestAuditToleratesDisorder(t *testing.T) {
	s := pickSet(t, "mit/mit-b-ntlm1st-krb5chosen-aes256")
	w := pcapsynth.NewWriter()
	c := w.Open(addr("10.1.0.1:50000"), addr("10.1.0.2:80"))
	for i, tok := range s.toks {
		msg := httpMessage(s.dirs[i], tok)
		fromClient := s.dirs[i] == negotiate.InitiatorToAcceptor
		src, dst, seq := c.Client, c.Server, &c.CSeq
		if !fromClient {
			src, dst, seq = c.Server, c.Client, &c.SSeq
		}
		var segs [][]byte
		var seqs []uint32
		for off := 0; off < len(msg); off += 61 {
			segs = append(segs, msg[off:min(off+61, len(msg))])
			seqs = append(seqs, *seq+uint32(off))
		}
		*seq += uint32(len(msg))
		for j := 0; j < len(segs); j += 2 {
			if j+1 < len(segs) {
				w.Frame(src, dst, seqs[j+1], pcapsynth.ACK, segs[j+1], 0)
			}
			w.Frame(src, dst, seqs[j], pcapsynth.ACK, segs[j], 0)
			w.Frame(src, dst, seqs[j], pcapsynth.ACK, segs[j], 0) // retransmission
		}
	}
	res, err := Audit(bytes.NewReader(w.Buf.Bytes()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Exchanges) != 1 {
		t.Fatalf("got %d exchanges, want 1; warnings %v", len(res.Exchanges), res.Warnings)
	}
	e := res.Exchanges[0]
	want := expected(s)
	if len(e.Tokens) != len(s.toks) || e.Verdict().Result != want.Result {
		t.Fatalf("got %d tokens, %s; want %d, %s", len(e.Tokens), e.Verdict().Result, len(s.toks), want.Result)
	}
	for i := range s.toks {
		if !bytes.Equal(e.Tokens[i], s.toks[i]) {
			t.Errorf("token %d differs after reassembly", i)
		}
	}
}

// TestAuditIncompleteAndTruncated: a capture that stops after the first
// reply gives an incomplete exchange; a frame cut by the snaplen and a file
// cut mid-record give warnings, not failures.
func TestAuditIncompleteAndTruncated(t *testing.T) {
	s := pickSet(t, "mit/mit-b-ntlm1st-krb5chosen-aes256")
	w := pcapsynth.NewWriter()
	c := w.Open(addr("10.1.0.1:50001"), addr("10.1.0.2:389"))
	for i := 0; i < 2; i++ {
		c.Send(s.dirs[i] == negotiate.InitiatorToAcceptor, ldapMessage(1, s.dirs[i], s.toks[i], "GSS-SPNEGO"), 1400)
	}
	// A second connection whose only token is cut in half by the snaplen.
	c2 := w.Open(addr("10.1.0.3:50002"), addr("10.1.0.2:389"))
	msg := ldapMessage(1, s.dirs[0], s.toks[0], "GSS-SPNEGO")
	w.Frame(c2.Client, c2.Server, c2.CSeq, pcapsynth.ACK, msg, 14+40+len(msg)/2)
	full := w.Buf.Bytes()
	res, err := Audit(bytes.NewReader(full[:len(full)-30]), Options{}) // file ends mid-record
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Exchanges) != 1 || res.Exchanges[0].Verdict().Result != negotiate.ResultIncomplete {
		t.Fatalf("want one incomplete exchange, got %+v", res.Exchanges)
	}
	if len(res.Warnings) == 0 {
		t.Error("no warning for a file cut mid-record")
	}
	res, err = Audit(bytes.NewReader(full), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Exchanges) != 1 || len(res.Warnings) == 0 {
		t.Fatalf("snaplen cut: want 1 exchange and a warning, got %d, %v", len(res.Exchanges), res.Warnings)
	}
}

// TestAuditLDAPWrapped: after a sign/seal bind, SASL-wrapped PDUs are
// counted as traffic of the exchange, not parsed as new exchanges.
func TestAuditLDAPWrapped(t *testing.T) {
	s := pickSet(t, "mit/mit-a-default-aes256")
	w := pcapsynth.NewWriter()
	c := w.Open(addr("10.1.0.1:50003"), addr("10.1.0.2:389"))
	for i := range s.toks {
		c.Send(s.dirs[i] == negotiate.InitiatorToAcceptor, ldapMessage(1, s.dirs[i], s.toks[i], "GSS-SPNEGO"), 1400)
	}
	for i := 0; i < 3; i++ {
		wrap := append([]byte{0, 0, 0, 40}, bytes.Repeat([]byte{0x05, 0x04}, 20)...)
		c.Send(true, wrap, 1400)
		c.Send(false, wrap, 1400)
	}
	c.Close()
	res, err := Audit(bytes.NewReader(w.Buf.Bytes()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Exchanges) != 1 || res.Exchanges[0].Wrapped != 6 || len(res.Warnings) != 0 {
		t.Fatalf("want one exchange with 6 wrapped PDUs and no warnings, got %d exchanges, warnings %v", len(res.Exchanges), res.Warnings)
	}
}

// FuzzAudit feeds arbitrary bytes as a capture, and captures whose frames
// are mutated: warnings only, never a panic.
func FuzzAudit(f *testing.F) {
	w := pcapsynth.NewWriter()
	c := w.Open(addr("10.1.0.1:50000"), addr("10.1.0.2:80"))
	c.Send(true, []byte("GET / HTTP/1.1\r\nAuthorization: Negotiate YIIBAA==\r\n\r\n"), 20)
	c.Send(false, []byte("HTTP/1.1 401 x\r\nWWW-Authenticate: Negotiate oQcwBaADCgEA\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"), 30)
	c2 := w.Open(addr("10.1.0.1:50001"), addr("10.1.0.2:389"))
	c2.Send(true, ldapMessage(1, negotiate.InitiatorToAcceptor, []byte{0x60, 0x00}, "GSS-SPNEGO"), 1400)
	c2.Send(false, ldapMessage(1, negotiate.AcceptorToInitiator, []byte{0xa1, 0x00}, "GSS-SPNEGO"), 1400)
	c2.Send(true, []byte{0, 0, 0, 2, 5, 4, 0xff, 0xff, 0xff, 0xff}, 1400)
	c3 := w.Open(addr("10.1.0.1:50002"), addr("10.1.0.2:2000"))
	c3.Send(true, sampleFrame(append([]byte{0x60, 0x08}, spnegoOIDTLV...)), 7)
	c3.Send(false, sampleFrame([]byte{0xa1, 0x07, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x00}), 5)
	c3.Send(false, sampleSealed, 1400)
	f.Add(w.Buf.Bytes())
	f.Add([]byte{0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a})
	// The recorded captures: offload, mid-stream, port reuse, NetBIOS,
	// named pipes, raw NTLMSSP.
	if files, _ := filepath.Glob(filepath.Join("testdata", "corpus", "*.pcap")); len(files) > 0 {
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil && len(b) <= 16<<10 {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := Audit(bytes.NewReader(b), Options{MaxWarnings: 10})
		if err == nil && res == nil {
			t.Fatal("nil result without error")
		}
	})
}

// FuzzCarriers feeds arbitrary stream bytes to each carrier, both
// directions, in two pieces.
func FuzzCarriers(f *testing.F) {
	f.Add([]byte("GET / HTTP/1.1\r\nAuthorization: Negotiate YIIBAA==\r\n\r\n"), 5)
	f.Add(ldapMessage(1, negotiate.InitiatorToAcceptor, []byte{0x60, 0x00}, "GSS-SPNEGO"), 9)
	f.Add(smb2Message(negotiate.AcceptorToInitiator, []byte{0x60, 0x00}), 3)
	f.Add(dcerpcPDU(rpcBind, 9, []byte{0x60, 0x00}), 7)
	f.Add(sampleFrame(append([]byte{0x60, 0x08}, spnegoOIDTLV...)), 6)
	// SMB1 SESSION_SETUP_ANDX request: header, 12 words (blob length 2), byte count, blob.
	smb1 := append([]byte("\xffSMB\x73"), make([]byte, 27)...)
	smb1 = append(smb1, 12)
	words := make([]byte, 24)
	words[14] = 2
	smb1 = append(append(append(smb1, words...), 2, 0), 0x60, 0x00)
	f.Add(append([]byte{0, 0, 0, byte(len(smb1))}, smb1...), 9)
	f.Fuzz(func(t *testing.T, b []byte, cut int) {
		for _, c := range []carrier{&httpCarrier{}, &ldapCarrier{}, &smb2Carrier{}, &dcerpcCarrier{}, &sampleCarrier{}} {
			for _, fromClient := range []bool{true, false} {
				if cut < 0 || cut > len(b) {
					cut = len(b) / 2
				}
				buf := append([]byte(nil), b[:cut]...)
				for _, more := range [][]byte{b[cut:], nil} {
					buf = append(buf, more...)
					for i := 0; i < 1000 && len(buf) > 0; i++ {
						n, _, _ := c.parse(fromClient, buf)
						if n < 0 || n > len(buf) {
							t.Fatalf("%s consumed %d of %d bytes", c.name(), n, len(buf))
						}
						if n == 0 {
							break
						}
						buf = buf[n:]
					}
				}
			}
		}
	})
}

// TestAuditPartialCapture cuts captures of every client-first vector
// exchange (≥ 3 tokens) after the first token, the connection's SYN
// included, over HTTP, LDAP and the sockets sample: the rest must be
// judged as `gssnego inspect` (without -whole) judges the tokens from the
// second on — a partial transcript — not as a protocol error.
func TestAuditPartialCapture(t *testing.T) {
	seen := map[string]int{}
	for i, s := range loadVectors(t) {
		if !s.startsWithInitiator() || len(s.toks) < 3 {
			continue
		}
		want := negotiate.NewTranscript(negotiate.Policy{AllowPartial: true})
		for j := 1; j < len(s.toks); j++ {
			want.Add(s.dirs[j], s.toks[j])
		}
		for _, carrier := range []string{"http", "ldap", "sspi-sample"} {
			w := pcapsynth.NewWriter()
			c := w.Open(addr(fmt.Sprintf("10.7.0.%d:42000", i+1)), addr("10.9.0.5:1234"))
			msg := func(j int) []byte {
				switch carrier {
				case "http":
					return httpMessage(s.dirs[j], s.toks[j])
				case "ldap":
					return ldapMessage(j/2+1, s.dirs[j], s.toks[j], "GSS-SPNEGO")
				}
				return sampleFrame(s.toks[j])
			}
			c.Send(true, msg(0), 1400)
			cut := w.Buf.Len()
			for j := 1; j < len(s.toks); j++ {
				c.Send(s.dirs[j] == negotiate.InitiatorToAcceptor, msg(j), 1400)
			}
			b := w.Buf.Bytes()
			partial := append(append([]byte(nil), b[:24]...), b[cut:]...) // pcap header, then the frames after the first token
			res, err := Audit(bytes.NewReader(partial), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Exchanges) != 1 {
				t.Errorf("%s over %s cut after token 0: %d exchanges, warnings %v", s.name, carrier, len(res.Exchanges), res.Warnings)
				continue
			}
			e := res.Exchanges[0]
			got := e.Verdict()
			seen[got.Result]++
			if e.Carrier != carrier || len(e.Tokens) != len(s.toks)-1 || got.Result != want.Verdict.Result || got.Reason != want.Verdict.Reason {
				t.Errorf("%s over %s cut after token 0: %s, %d tokens, %s (%s); want %s, %d tokens, %s (%s)", s.name, carrier, e.Carrier,
					len(e.Tokens), got.Result, got.Reason, carrier, len(s.toks)-1, want.Verdict.Result, want.Verdict.Reason)
			}
			if e.Client != c.Client {
				t.Errorf("%s over %s: client %s, want %s (the side that did not send the first captured token)", s.name, carrier, e.Client, c.Client)
			}
		}
	}
	t.Logf("verdicts of partial captures: %v", seen)
	if seen[negotiate.ResultPartial] == 0 || seen[negotiate.ResultProtocolError] > 0 {
		t.Errorf("partial captures should give partial verdicts, not protocol errors: %v", seen)
	}
}

// TestAuditRefusedAfterStrippedMIC replays a recorded MIT exchange whose
// MICs are due (NTLM offered first, krb5 chosen) with one MIC stripped by
// the downgrade bench's attack, over the sockets sample: a connection that
// closes right after the stripped token is refused=mic-missing; the same
// tokens in a capture that merely ends are only incomplete, and so is a
// connection that closes after a token whose MIC was not yet due.
func TestAuditRefusedAfterStrippedMIC(t *testing.T) {
	s := pickSet(t, "mit/mit-b-ntlm1st-krb5chosen-aes256")
	strip := func(name string) func(mitm.Direction, int, []byte) []byte {
		for _, a := range mitm.Attacks() {
			if a.Name == name {
				return a.Rewrite
			}
		}
		t.Fatalf("no attack %s", name)
		return nil
	}
	for _, tc := range []struct {
		name    string
		attack  string
		upTo    int // tokens sent before the end
		close   bool
		refused bool
		result  string
	}{
		{"acceptor MIC stripped, client closes", "strip-acceptor-mic", 4, true, true, negotiate.ResultIncomplete},
		{"acceptor MIC stripped, capture ends", "strip-acceptor-mic", 4, false, false, negotiate.ResultIncomplete},
		{"closed after the first reply", "none", 2, true, false, negotiate.ResultIncomplete},
		{"intact, closed after the acceptor's MIC", "none", 4, true, false, negotiate.ResultIncomplete},
	} {
		w := pcapsynth.NewWriter()
		c := w.Open(addr("10.8.0.1:43000"), addr("10.9.0.6:2000"))
		rw := func(_ mitm.Direction, _ int, b []byte) []byte { return b }
		if tc.attack != "none" {
			rw = strip(tc.attack)
		}
		for i := 0; i < tc.upTo; i++ {
			d := mitm.AcceptorToInitiator
			if s.dirs[i] == negotiate.InitiatorToAcceptor {
				d = mitm.InitiatorToAcceptor
			}
			c.Send(d == mitm.InitiatorToAcceptor, sampleFrame(rw(d, i, append([]byte(nil), s.toks[i]...))), 1400)
		}
		if tc.close {
			c.Close()
		}
		res, err := Audit(bytes.NewReader(w.Buf.Bytes()), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Exchanges) != 1 {
			t.Fatalf("%s: %d exchanges", tc.name, len(res.Exchanges))
		}
		e := res.Exchanges[0]
		if got := e.Refused == RefusedMICMissing; got != tc.refused || e.Verdict().Result != tc.result || e.Aborted != tc.close {
			t.Errorf("%s: refused %q, aborted %v, verdict %s (%s); want refused %v, aborted %v, %s",
				tc.name, e.Refused, e.Aborted, e.Verdict().Result, e.Verdict().Reason, tc.refused, tc.close, tc.result)
		}
	}
}
