package capture

import (
	"bytes"
	"github.com/gssnego/gssnego/internal/pcapsynth"
	"testing"

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
	f.Add(w.Buf.Bytes())
	f.Add([]byte{0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a})
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
