package dnsgss

import (
	"encoding/hex"
	"net"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/gssnego/gssnego/gss"
)

func tkeySeeds(f *testing.F) *dns.Msg {
	q := TKEYQuery("k1.sig-dc1.samdom.test.", AlgGSSTSIG, []byte{0x60, 0x01, 0x00}, time.Unix(1700000000, 0), time.Hour)
	r := new(dns.Msg)
	r.SetReply(q)
	tok, _ := hex.DecodeString("a181b73081b4a0030a0100a10b06092a864882f712010202")
	r.Answer = []dns.RR{&dns.TKEY{
		Hdr:       dns.RR_Header{Name: "k1.sig-dc1.samdom.test.", Rrtype: dns.TypeTKEY, Class: dns.ClassANY},
		Algorithm: AlgGSSTSIG, Mode: 3, KeySize: uint16(len(tok)), Key: hex.EncodeToString(tok),
	}}
	b, _ := r.Pack()
	f.Add(b)
	r.SetTsig("k1.sig-dc1.samdom.test.", AlgGSSTSIG, 300, 1700000000)
	r.Extra[len(r.Extra)-1].(*dns.TSIG).MAC = "040405ffffffffff000000000438c07bc55b34934a26e4809150c9e2"
	r.Extra[len(r.Extra)-1].(*dns.TSIG).MACSize = 28
	if b, err := r.Pack(); err == nil {
		f.Add(b)
	}
	r.Answer[0].(*dns.TKEY).Error = dns.RcodeBadKey
	b, _ = r.Pack()
	f.Add(b)
	return q
}

// FuzzParseTKEYAnswer: any bytes from a server are an answer or an error,
// never a panic, and a token comes back only with its declared size.
func FuzzParseTKEYAnswer(f *testing.F) {
	q := tkeySeeds(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) >= 2 {
			raw[0], raw[1] = byte(q.Id>>8), byte(q.Id)
		}
		a, err := ParseTKEYAnswer(raw, q)
		if err == nil && a.TKEY != nil && len(a.Token) != int(a.TKEY.KeySize) {
			t.Fatalf("token of %d octets, KeySize %d", len(a.Token), a.TKEY.KeySize)
		}
	})
}

// failingProvider is a provider whose acceptor fails every token: the fuzz
// target checks the parsing around it, not Kerberos.
type failingProvider struct{ gss.Provider }

func (failingProvider) AcceptSecContext(...gss.AcceptSecContextOption) (gss.SecContext, error) {
	return nil, gss.ErrDefectiveToken
}

type captureWriter struct {
	dns.ResponseWriter
	out *dns.Msg
}

func (w *captureWriter) WriteMsg(m *dns.Msg) error { w.out = m; return nil }
func (w *captureWriter) TsigStatus() error         { return nil }
func (w *captureWriter) RemoteAddr() net.Addr      { return &net.TCPAddr{} }

// FuzzServeTKEY: a Server answers any query (TKEY or not, signed or not)
// without panicking, and a TKEY it cannot accept gets a TKEY error.
func FuzzServeTKEY(f *testing.F) {
	q := TKEYQuery("k1.sig-localhost.", AlgGSSTSIG, []byte{0x60, 0x01, 0x00}, time.Unix(1700000000, 0), time.Hour)
	b, _ := q.Pack()
	f.Add(b)
	q2 := TKEYQuery("k2.sig-localhost.", AlgMicrosoft, []byte{0xa1, 0x00}, time.Unix(1700000000, 0), time.Hour)
	q2.Extra[0].(*dns.TKEY).Mode = 2
	b, _ = q2.Pack()
	f.Add(b)
	s := &Server{Provider: failingProvider{}}
	f.Fuzz(func(t *testing.T, raw []byte) {
		r := new(dns.Msg)
		if r.Unpack(raw) != nil {
			return
		}
		w := &captureWriter{}
		if s.ServeTKEY(w, r) && w.out == nil {
			t.Fatal("TKEY query left unanswered")
		}
		if _, err := s.Signer(w, r); err == nil && r.IsTsig() != nil {
			t.Fatal("a request signed with an unknown key was accepted")
		}
		// Verify with any TSIG: unknown key or bad MIC, never a panic.
		if ts := r.IsTsig(); ts != nil {
			_ = s.Verify(raw, ts)
		}
	})
}
