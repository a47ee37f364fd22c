package dnsgss

import (
	"encoding/hex"
	"errors"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/platform"
)

// Server lets a miekg/dns server accept GSS-TSIG: it answers TKEY queries
// (RFC 3645 §3.1.3, SPNEGO, as nsupdate -g and Windows clients send
// it, and raw Kerberos), and it is the server's dns.TsigProvider, verifying
// and signing with the contexts those queries established. Set it as
// dns.Server.TsigProvider and wrap the handler with Handler; the handler
// asks Signer who signed a request and decides per name.
type Server struct {
	// Provider is the GSS provider; nil: the platform's.
	Provider gss.Provider
	// Credential is the acceptor credential; nil: any key in the default
	// keytab (KRB5_KTNAME).
	Credential gss.Credential
	// MaxPending bounds the half-done negotiations kept (default 1024).
	MaxPending int

	ring    keyring
	mu      sync.Mutex
	pending map[string]gss.SecContext
}

// ServerError is what a Server found wrong with a request; Code is the
// TSIG error or rcode Refuse answers with.
type ServerError struct {
	Code int // dns.RcodeBadKey, RcodeBadSig, RcodeBadTime, or dns.RcodeRefused for an unsigned request
	Err  error
}

func (e *ServerError) Error() string {
	return "dnsgss: request refused (" + rcodeName(e.Code) + "): " + e.Err.Error()
}

func (e *ServerError) Unwrap() error { return e.Err }

func (s *Server) provider() (gss.Provider, error) {
	if s.Provider != nil {
		return s.Provider, nil
	}
	return platform.Provider()
}

// Generate implements dns.TsigProvider.
func (s *Server) Generate(msg []byte, t *dns.TSIG) ([]byte, error) { return s.ring.Generate(msg, t) }

// Verify implements dns.TsigProvider.
func (s *Server) Verify(msg []byte, t *dns.TSIG) error { return s.ring.Verify(msg, t) }

// Forget drops the key name (the next message signed with it is BADKEY).
func (s *Server) Forget(keyName string) { s.ring.drop(keyName) }

// Handler answers TKEY queries itself and passes every other request to
// next.
func (s *Server) Handler(next dns.Handler) dns.Handler {
	return dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		if s.ServeTKEY(w, r) {
			return
		}
		next.ServeDNS(w, r)
	})
}

// Signer returns the initiator's principal name of a request signed with
// a GSS-TSIG key this Server negotiated. An unsigned request, an unknown
// key, a bad or replayed MIC and a time outside the fudge are a
// *ServerError to hand to Refuse.
func (s *Server) Signer(w dns.ResponseWriter, r *dns.Msg) (string, error) {
	t := r.IsTsig()
	if t == nil {
		return "", &ServerError{Code: dns.RcodeRefused, Err: ErrUnsigned}
	}
	if err := w.TsigStatus(); err != nil {
		code := dns.RcodeBadSig
		var te *TSIGError
		switch {
		case errors.As(err, &te) && te.Code == dns.RcodeBadKey:
			code = dns.RcodeBadKey
		case errors.Is(err, dns.ErrTime):
			code = dns.RcodeBadTime
		}
		return "", &ServerError{Code: code, Err: err}
	}
	k := s.ring.get(t.Hdr.Name)
	if k == nil {
		return "", &ServerError{Code: dns.RcodeBadKey, Err: &TSIGError{Code: dns.RcodeBadKey, In: "TSIG"}}
	}
	return k.principal, nil
}

// Refuse answers r with the error Signer returned: NOTAUTH with the TSIG
// error (unsigned for BADKEY and BADSIG, RFC 8945 §5.3.2), or REFUSED for
// an unsigned request or any other error.
func (s *Server) Refuse(w dns.ResponseWriter, r *dns.Msg, err error) {
	m := new(dns.Msg)
	var se *ServerError
	t := r.IsTsig()
	if !errors.As(err, &se) || se.Code == dns.RcodeRefused || t == nil {
		m.SetRcode(r, dns.RcodeRefused)
		if t != nil && s.ring.get(t.Hdr.Name) != nil && w.TsigStatus() == nil {
			m.SetTsig(t.Hdr.Name, t.Algorithm, t.Fudge, time.Now().Unix())
		}
		_ = w.WriteMsg(m)
		return
	}
	m.SetRcode(r, dns.RcodeNotAuth)
	m.SetTsig(t.Hdr.Name, t.Algorithm, t.Fudge, time.Now().Unix())
	m.Extra[len(m.Extra)-1].(*dns.TSIG).Error = uint16(se.Code)
	_ = w.WriteMsg(m)
}

// ServeTKEY answers r if it is a TKEY query for GSS-API and reports
// whether it was. Each leg feeds the client's token to the acceptor kept
// for that key name; when the context is complete its key is registered
// and the answer signed with it.
func (s *Server) ServeTKEY(w dns.ResponseWriter, r *dns.Msg) bool {
	if len(r.Question) != 1 || r.Question[0].Qtype != dns.TypeTKEY {
		return false
	}
	reply := func(tk *dns.TKEY, sign bool) {
		m := new(dns.Msg)
		m.SetReply(r)
		if tk != nil {
			m.Answer = []dns.RR{tk}
		}
		if sign {
			m.SetTsig(tk.Hdr.Name, tk.Algorithm, 300, time.Now().Unix())
		}
		_ = w.WriteMsg(m)
	}
	var in *dns.TKEY
	for _, rr := range append(append([]dns.RR(nil), r.Extra...), r.Answer...) {
		if t, ok := rr.(*dns.TKEY); ok {
			in = t
			break
		}
	}
	if in == nil {
		m := new(dns.Msg)
		m.SetRcode(r, dns.RcodeFormatError)
		_ = w.WriteMsg(m)
		return true
	}
	out := &dns.TKEY{
		Hdr:        dns.RR_Header{Name: in.Hdr.Name, Rrtype: dns.TypeTKEY, Class: dns.ClassANY},
		Algorithm:  in.Algorithm,
		Inception:  in.Inception,
		Expiration: in.Expiration,
		Mode:       in.Mode,
	}
	switch {
	case in.Mode != tkeyModeGSSAPI:
		out.Error = dns.RcodeBadMode
		reply(out, false)
		return true
	case !validAlg(in.Algorithm):
		out.Error = dns.RcodeBadAlg
		reply(out, false)
		return true
	}
	token, err := hex.DecodeString(in.Key)
	if err != nil || len(token) == 0 {
		out.Error = dns.RcodeBadKey
		reply(out, false)
		return true
	}
	name := dns.CanonicalName(in.Hdr.Name)
	ctx, err := s.acceptor(name, token)
	if err != nil {
		out.Error = dns.RcodeBadKey
		reply(out, false)
		return true
	}
	resp, err := ctx.Continue(token)
	if err != nil {
		s.dropPending(name, ctx)
		out.Error = dns.RcodeBadKey
		reply(out, false)
		return true
	}
	out.Key = hex.EncodeToString(resp)
	out.KeySize = uint16(len(resp))
	if ctx.ContinueNeeded() {
		s.mu.Lock()
		s.pending[name] = ctx
		s.mu.Unlock()
		reply(out, false)
		return true
	}
	s.mu.Lock()
	delete(s.pending, name)
	s.mu.Unlock()
	k := &key{name: name, alg: dns.CanonicalName(in.Algorithm), ctx: ctx}
	if info, err := ctx.Inquire(); err == nil {
		k.principal = info.InitiatorName
	}
	s.ring.put(k)
	reply(out, true)
	return true
}

// acceptor returns the pending context of name or a new one: SPNEGO when
// the token is framed with the SPNEGO OID, the provider's raw mechanism
// otherwise.
func (s *Server) acceptor(name string, token []byte) (gss.SecContext, error) {
	s.mu.Lock()
	if s.pending == nil {
		s.pending = map[string]gss.SecContext{}
	}
	if c := s.pending[name]; c != nil {
		s.mu.Unlock()
		return c, nil
	}
	max := s.MaxPending
	if max <= 0 {
		max = 1024
	}
	if len(s.pending) >= max {
		for n, c := range s.pending { // drop one; a flood cannot grow the map
			c.Close()
			delete(s.pending, n)
			break
		}
	}
	s.mu.Unlock()
	p, err := s.provider()
	if err != nil {
		return nil, err
	}
	if mech, _, err := gss.ParseFraming(token); err == nil && mech == gss.MechSPNEGO {
		return negotiate.NewServer(negotiate.Config{Provider: p, Credential: s.Credential})
	}
	var opts []gss.AcceptSecContextOption
	if s.Credential != nil {
		opts = append(opts, gss.WithAcceptorCredential(s.Credential))
	}
	return p.AcceptSecContext(opts...)
}

func (s *Server) dropPending(name string, c gss.SecContext) {
	s.mu.Lock()
	if s.pending[name] == c {
		delete(s.pending, name)
	}
	s.mu.Unlock()
	c.Close()
}

// MsgAcceptFunc is a dns.MsgAcceptFunc for a server taking GSS-TSIG
// updates: miekg/dns's default refuses the UPDATE opcode (NOTIMP), and a
// signed update has more records than its default allows. Queries, NOTIFY
// and UPDATE with one question (zone) are accepted; responses ignored.
func MsgAcceptFunc(dh dns.Header) dns.MsgAcceptAction {
	const qr = 1 << 15
	if dh.Bits&qr != 0 {
		return dns.MsgIgnore
	}
	switch int(dh.Bits>>11) & 0xF {
	case dns.OpcodeQuery, dns.OpcodeNotify, dns.OpcodeUpdate:
	default:
		return dns.MsgRejectNotImplemented
	}
	if dh.Qdcount != 1 {
		return dns.MsgReject
	}
	return dns.MsgAccept
}
