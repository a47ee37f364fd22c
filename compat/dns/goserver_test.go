//go:build linux

package dnsgss_test

import (
	"bytes"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	dnsgss "github.com/gssnego/gssnego/compat/dns"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/testrealm"
)

// goZone is a tiny authoritative zone served by miekg/dns with a
// dnsgss.Server: updates signed by anyone the realm knows are applied,
// and the signer of each is recorded.
type goZone struct {
	gss     *dnsgss.Server
	addr    string
	mu      sync.Mutex
	records map[string]dns.RR // name+type → record
	signers []string
}

const goZoneName = "go.gssnego.test."

var (
	realmServiceOnce sync.Once
)

// dnsService adds DNS/localhost to the shared realm's keytab once.
func dnsService(t *testing.T) *testrealm.Realm {
	t.Helper()
	r := testrealm.Shared(t)
	realmServiceOnce.Do(func() { r.AddService(t, "DNS/localhost") })
	return r
}

func startGoZone(t *testing.T) *goZone {
	t.Helper()
	dnsService(t)
	z := &goZone{gss: &dnsgss.Server{Provider: lab.Provider(t)}, records: map[string]dns.RR{}}
	soa, err := dns.NewRR(goZoneName + " 300 IN SOA localhost. hostmaster.localhost. 1 3600 600 86400 300")
	if err != nil {
		t.Fatal(err)
	}
	z.records[goZoneName+"SOA"] = soa
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pc, err := net.ListenPacket("udp", l.Addr().String())
	if err != nil {
		l.Close()
		t.Fatal(err)
	}
	z.addr = l.Addr().String()
	h := z.gss.Handler(dns.HandlerFunc(z.serve))
	tcp := &dns.Server{Listener: l, Handler: h, TsigProvider: z.gss, MsgAcceptFunc: dnsgss.MsgAcceptFunc}
	udp := &dns.Server{PacketConn: pc, Handler: h, TsigProvider: z.gss, MsgAcceptFunc: dnsgss.MsgAcceptFunc}
	go tcp.ActivateAndServe()
	go udp.ActivateAndServe()
	t.Cleanup(func() { tcp.Shutdown(); udp.Shutdown() })
	return z
}

func (z *goZone) serve(w dns.ResponseWriter, r *dns.Msg) {
	if r.Opcode != dns.OpcodeUpdate {
		m := new(dns.Msg)
		m.SetReply(r)
		z.mu.Lock()
		for _, rr := range z.records {
			if len(r.Question) == 1 && strings.EqualFold(rr.Header().Name, r.Question[0].Name) && rr.Header().Rrtype == r.Question[0].Qtype {
				m.Answer = append(m.Answer, rr)
			}
		}
		if len(m.Answer) == 0 {
			m.Ns = append(m.Ns, z.records[goZoneName+"SOA"])
		}
		m.Authoritative = true
		z.mu.Unlock()
		if t := r.IsTsig(); t != nil && w.TsigStatus() == nil {
			m.SetTsig(t.Hdr.Name, t.Algorithm, 300, time.Now().Unix())
		}
		_ = w.WriteMsg(m)
		return
	}
	who, err := z.gss.Signer(w, r)
	if err != nil {
		z.gss.Refuse(w, r, err)
		return
	}
	z.mu.Lock()
	z.signers = append(z.signers, who)
	for _, rr := range r.Ns {
		k := strings.ToLower(rr.Header().Name) + dns.TypeToString[rr.Header().Rrtype]
		switch rr.Header().Class {
		case dns.ClassINET:
			z.records[k] = rr
		case dns.ClassANY, dns.ClassNONE:
			delete(z.records, k)
		}
	}
	z.mu.Unlock()
	m := new(dns.Msg)
	m.SetReply(r)
	t := r.IsTsig()
	m.SetTsig(t.Hdr.Name, t.Algorithm, 300, time.Now().Unix())
	_ = w.WriteMsg(m)
}

func (z *goZone) record(name string, typ uint16) dns.RR {
	z.mu.Lock()
	defer z.mu.Unlock()
	return z.records[strings.ToLower(name)+dns.TypeToString[typ]]
}

func (z *goZone) lastSigner() string {
	z.mu.Lock()
	defer z.mu.Unlock()
	if len(z.signers) == 0 {
		return ""
	}
	return z.signers[len(z.signers)-1]
}

func aUpdate(zone, name, ip string) *dns.Msg {
	m := new(dns.Msg)
	m.SetUpdate(zone)
	rr, err := dns.NewRR(name + " 300 IN A " + ip)
	if err != nil {
		panic(err)
	}
	m.Insert([]dns.RR{rr})
	return m
}

func TestGoServerOurClient(t *testing.T) {
	for _, tc := range []struct {
		name string
		mech dnsgss.Mechanism
		alg  string
	}{
		{"spnego", dnsgss.SPNEGO, dnsgss.AlgGSSTSIG},
		{"krb5", dnsgss.Kerberos, dnsgss.AlgGSSTSIG},
		{"spnego-microsoft", dnsgss.SPNEGO, dnsgss.AlgMicrosoft},
	} {
		t.Run(tc.name, func(t *testing.T) {
			z := startGoZone(t)
			c, err := dnsgss.NewClient(z.addr, dnsgss.WithTarget("DNS@localhost"), dnsgss.WithMechanism(tc.mech),
				dnsgss.WithAlgorithm(tc.alg), dnsgss.WithProvider(lab.Provider(t)))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			ctx := context.Background()
			for i, ip := range []string{"192.0.2.1", "192.0.2.2"} {
				if _, err := c.Exchange(ctx, aUpdate(goZoneName, "h1."+goZoneName, ip)); err != nil {
					t.Fatalf("update %d: %v", i, err)
				}
				if rr := z.record("h1."+goZoneName, dns.TypeA); rr == nil || rr.(*dns.A).A.String() != ip {
					t.Fatalf("update %d: record %v", i, rr)
				}
			}
			if got, want := z.lastSigner(), testrealm.Shared(t).Principal("alice"); got != want {
				t.Errorf("signer %q, want %q", got, want)
			}
			// A signed query: the reply's MIC is verified.
			q := new(dns.Msg)
			q.SetQuestion("h1."+goZoneName, dns.TypeA)
			r, err := c.Exchange(ctx, q)
			if err != nil || len(r.Answer) != 1 {
				t.Fatalf("query: %v %v", r, err)
			}
			// The server forgets the key: BADKEY, and the client renegotiates.
			old := c.KeyName()
			z.gss.Forget(old)
			if _, err := c.Exchange(ctx, aUpdate(goZoneName, "h2."+goZoneName, "192.0.2.3")); err != nil {
				t.Fatalf("after Forget: %v", err)
			}
			if c.KeyName() == old {
				t.Error("no new key after BADKEY")
			}
		})
	}
}

// TestGoServerRefusals: a changed message is BADSIG, a replayed one is
// refused, an unsigned one REFUSED.
func TestGoServerRefusals(t *testing.T) {
	z := startGoZone(t)
	c, err := dnsgss.NewClient(z.addr, dnsgss.WithTarget("DNS@localhost"), dnsgss.WithProvider(lab.Provider(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if err := c.Negotiate(ctx); err != nil {
		t.Fatal(err)
	}
	// Sign messages by hand: one to change a byte of after signing, one
	// to send twice. Each is signed after the previous was sent, so its
	// sequence number is the next one the server expects.
	sign := func(ip string) []byte {
		t.Helper()
		m := aUpdate(goZoneName, "t1."+goZoneName, ip)
		m.SetTsig(c.KeyName(), c.Algorithm(), 300, time.Now().Unix())
		signed, _, err := dns.TsigGenerateWithProvider(m, c.TsigProvider(), "", false)
		if err != nil {
			t.Fatal(err)
		}
		return signed
	}
	send := func(b []byte) *dns.Msg {
		t.Helper()
		conn, err := dns.Dial("tcp", z.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.Write(b); err != nil {
			t.Fatal(err)
		}
		r, err := conn.ReadMsg()
		if r == nil {
			t.Fatal(err)
		}
		return r
	}
	tampered := sign("192.0.2.9")
	i := bytes.Index(tampered, []byte{192, 0, 2, 9})
	tampered[i+3] = 99 // the address of the A record
	r := send(tampered)
	if r.Rcode != dns.RcodeNotAuth || r.IsTsig() == nil || r.IsTsig().Error != dns.RcodeBadSig {
		t.Errorf("tampered: %v", r)
	}
	if z.record("t1."+goZoneName, dns.TypeA) != nil {
		t.Error("tampered update applied")
	}
	signed := sign("192.0.2.8")
	r = send(signed)
	if r.Rcode != dns.RcodeSuccess {
		t.Fatalf("genuine: %v", r)
	}
	r = send(signed) // the same message again
	if r.Rcode != dns.RcodeNotAuth || r.IsTsig() == nil || r.IsTsig().Error != dns.RcodeBadSig {
		t.Errorf("replayed: %v", r)
	}
	unsigned := aUpdate(goZoneName, "t2."+goZoneName, "192.0.2.10")
	b, _ := unsigned.Pack()
	if r = send(b); r.Rcode != dns.RcodeRefused {
		t.Errorf("unsigned: %v", r)
	}
	// Signed 20 minutes ago (fudge 300 s): the MIC verifies, the time
	// does not: BADTIME, and the answer is signed (RFC 8945 §5.2.3).
	old := aUpdate(goZoneName, "t3."+goZoneName, "192.0.2.11")
	old.SetTsig(c.KeyName(), c.Algorithm(), 300, time.Now().Add(-20*time.Minute).Unix())
	stale, _, err := dns.TsigGenerateWithProvider(old, c.TsigProvider(), "", false)
	if err != nil {
		t.Fatal(err)
	}
	r = send(stale)
	if r.Rcode != dns.RcodeNotAuth || r.IsTsig() == nil || r.IsTsig().Error != dns.RcodeBadTime || r.IsTsig().MAC == "" {
		t.Errorf("stale: %v", r)
	}
	if z.record("t3."+goZoneName, dns.TypeA) != nil {
		t.Error("stale update applied")
	}
}
