package capture

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/gssnego/gssnego/internal/pcapsynth"
)

// dnsName is a DNS name in wire form, uncompressed.
func dnsName(labels ...string) []byte {
	var b []byte
	for _, l := range labels {
		b = append(append(b, byte(len(l))), l...)
	}
	return append(b, 0)
}

// dnsTKEYMessage is a DNS message over TCP (length first) with a TKEY
// question and a mode-3 TKEY record holding tok (in the answer section
// of a response, the additional one of a query), and a TSIG record when
// signed — the shapes nsupdate, BIND, Samba and compat/dns send.
func dnsTKEYMessage(response, signed bool, tok []byte) []byte {
	key := dnsName("k1", "sig-dc1", "example")
	flags, an, ar := uint16(0), 0, 1
	if response {
		flags, an, ar = 0x8000, 1, 0
	}
	if signed {
		ar++
	}
	m := binary.BigEndian.AppendUint16(nil, 0x1234)
	for _, v := range []int{int(flags), 1, an, 0, ar} {
		m = binary.BigEndian.AppendUint16(m, uint16(v))
	}
	m = append(m, key...)
	m = binary.BigEndian.AppendUint16(m, 249) // TKEY
	m = binary.BigEndian.AppendUint16(m, 255)
	rd := dnsName("gss-tsig")
	rd = binary.BigEndian.AppendUint32(rd, 1700000000)
	rd = binary.BigEndian.AppendUint32(rd, 1700003600)
	rd = binary.BigEndian.AppendUint16(rd, 3) // mode GSS-API
	rd = binary.BigEndian.AppendUint16(rd, 0)
	rd = binary.BigEndian.AppendUint16(rd, uint16(len(tok)))
	rd = append(rd, tok...)
	rd = binary.BigEndian.AppendUint16(rd, 0)
	m = append(m, 0xc0, 12) // the key name again, compressed
	m = binary.BigEndian.AppendUint16(m, 249)
	m = binary.BigEndian.AppendUint16(m, 255)
	m = binary.BigEndian.AppendUint32(m, 0)
	m = binary.BigEndian.AppendUint16(m, uint16(len(rd)))
	m = append(m, rd...)
	if signed {
		ts := dnsName("gss-tsig")
		ts = append(ts, 0, 0, 0x65, 0x53, 0xf1, 0x00) // time signed
		ts = binary.BigEndian.AppendUint16(ts, 300)
		ts = binary.BigEndian.AppendUint16(ts, 4)
		ts = append(ts, 4, 4, 5, 0xff)
		ts = binary.BigEndian.AppendUint16(ts, 0x1234)
		ts = append(ts, 0, 0, 0, 0)
		m = append(m, 0xc0, 12)
		m = binary.BigEndian.AppendUint16(m, 250) // TSIG
		m = binary.BigEndian.AppendUint16(m, 255)
		m = binary.BigEndian.AppendUint32(m, 0)
		m = binary.BigEndian.AppendUint16(m, uint16(len(ts)))
		m = append(m, ts...)
	}
	return append(binary.BigEndian.AppendUint16(nil, uint16(len(m))), m...)
}

// TestDNSCarrier: a TKEY exchange over TCP (SPNEGO NegTokenInit, then the
// server's signed accept-completed) is one exchange of the dns carrier,
// and a signed update after it on the same connection is counted.
func TestDNSCarrier(t *testing.T) {
	w := pcapsynth.NewWriter()
	c := w.Open(addr("10.1.0.1:50000"), addr("10.1.0.2:53"))
	initTok := append([]byte{0x60, 0x08}, spnegoOIDTLV...)
	c.Send(true, dnsTKEYMessage(false, false, initTok), 1400)
	c.Send(false, dnsTKEYMessage(true, true, []byte{0xa1, 0x07, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x00}), 1400)
	upd := dnsTKEYMessage(false, true, nil) // a signed message without a token
	c.Send(true, upd, 1400)
	c.Close()
	res, err := Audit(bytes.NewReader(w.Buf.Bytes()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Exchanges) != 1 || len(res.Warnings) != 0 {
		t.Fatalf("%d exchanges, warnings %v", len(res.Exchanges), res.Warnings)
	}
	e := res.Exchanges[0]
	if e.Carrier != "dns" || len(e.Tokens) != 2 || e.Client != addr("10.1.0.1:50000") || e.Wrapped != 1 {
		t.Fatalf("exchange: carrier %q, %d tokens, client %v, %d signed", e.Carrier, len(e.Tokens), e.Client, e.Wrapped)
	}
}

// FuzzDNSCarrier feeds arbitrary stream bytes to the DNS carrier and its
// sniffers, in two pieces, both directions.
func FuzzDNSCarrier(f *testing.F) {
	f.Add(dnsTKEYMessage(false, false, append([]byte{0x60, 0x08}, spnegoOIDTLV...)), 7)
	f.Add(dnsTKEYMessage(true, true, []byte{0xa1, 0x07, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x00}), 30)
	f.Add(dnsTKEYMessage(false, true, nil), 2)
	f.Fuzz(func(t *testing.T, b []byte, cut int) {
		looksDNS(b)
		looksDNSResponse(b)
		for _, fromClient := range []bool{true, false} {
			c := &dnsCarrier{}
			if cut < 0 || cut > len(b) {
				cut = len(b) / 2
			}
			buf := append([]byte(nil), b[:cut]...)
			for _, more := range [][]byte{b[cut:], nil} {
				buf = append(buf, more...)
				for i := 0; i < 1000 && len(buf) > 0; i++ {
					n, toks, _ := c.parse(fromClient, buf)
					if n < 0 || n > len(buf) {
						t.Fatalf("consumed %d of %d bytes", n, len(buf))
					}
					for _, tk := range toks {
						if len(tk.tok) == 0 {
							t.Fatal("empty token")
						}
					}
					if n == 0 {
						break
					}
					buf = buf[n:]
				}
			}
		}
	})
}
