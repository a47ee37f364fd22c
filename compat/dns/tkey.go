package dnsgss

import (
	"encoding/hex"
	"time"

	"github.com/miekg/dns"
)

// TKEY modes (RFC 2930 §2.5).
const tkeyModeGSSAPI = 3

// TKEYQuery builds the TKEY query of one leg of an RFC 3645 negotiation:
// the question (key name, TKEY, ANY) and the TKEY record carrying the GSS
// token in the additional section (RFC 2930 §4), which BIND and Samba take.
func TKEYQuery(keyName, alg string, token []byte, now time.Time, lifetime time.Duration) *dns.Msg {
	m := new(dns.Msg)
	m.Id = dns.Id()
	m.Question = []dns.Question{{Name: keyName, Qtype: dns.TypeTKEY, Qclass: dns.ClassANY}}
	tk := &dns.TKEY{
		Hdr:        dns.RR_Header{Name: keyName, Rrtype: dns.TypeTKEY, Class: dns.ClassANY},
		Algorithm:  alg,
		Inception:  uint32(now.Unix()),
		Expiration: uint32(now.Add(lifetime).Unix()),
		Mode:       tkeyModeGSSAPI,
		KeySize:    uint16(len(token)),
		Key:        hex.EncodeToString(token),
	}
	m.Extra = []dns.RR{tk}
	return m
}

// TKEYAnswer is what a server said in answer to a TKEY query.
type TKEYAnswer struct {
	Token  []byte // the server's GSS token; nil when there is none
	Signed bool   // the answer carries a TSIG (the server's context is complete)
	TKEY   *dns.TKEY
}

// ParseTKEYAnswer reads the server's answer raw to the TKEY query q: the
// rcode, the TKEY record for our key name (in the answer section; Samba
// and Windows put it there, some servers in the additional one), its mode
// and error field, and the token.
func ParseTKEYAnswer(raw []byte, q *dns.Msg) (*TKEYAnswer, error) {
	r := new(dns.Msg)
	if err := r.Unpack(raw); err != nil {
		return nil, &FormatError{Where: "TKEY answer", Reason: err.Error()}
	}
	if r.Id != q.Id || !r.Response {
		return nil, &FormatError{Where: "TKEY answer", Reason: "not an answer to our query (ID or QR bit)"}
	}
	want := dns.CanonicalName(q.Question[0].Name)
	var tk *dns.TKEY
	for _, sec := range [][]dns.RR{r.Answer, r.Extra} {
		for _, rr := range sec {
			if t, ok := rr.(*dns.TKEY); ok && dns.CanonicalName(t.Hdr.Name) == want {
				tk = t
				break
			}
		}
		if tk != nil {
			break
		}
	}
	if tk == nil {
		if r.Rcode != dns.RcodeSuccess {
			return nil, &RcodeError{Rcode: r.Rcode}
		}
		return nil, &FormatError{Where: "TKEY answer", Reason: "no TKEY record for key " + want}
	}
	if tk.Error != 0 {
		return nil, &TSIGError{Code: tk.Error, In: "TKEY"}
	}
	if r.Rcode != dns.RcodeSuccess {
		return nil, &RcodeError{Rcode: r.Rcode}
	}
	if tk.Mode != tkeyModeGSSAPI {
		return nil, &FormatError{Where: "TKEY answer", Reason: "mode is not 3 (GSS-API)"}
	}
	if !validAlg(tk.Algorithm) {
		return nil, &FormatError{Where: "TKEY answer", Reason: "algorithm " + tk.Algorithm + " is not GSS-TSIG"}
	}
	a := &TKEYAnswer{TKEY: tk, Signed: r.IsTsig() != nil}
	if tk.KeySize > 0 {
		tok, err := hex.DecodeString(tk.Key)
		if err != nil || len(tok) != int(tk.KeySize) {
			return nil, &FormatError{Where: "TKEY answer", Reason: "key data"}
		}
		a.Token = tok
	}
	return a, nil
}
