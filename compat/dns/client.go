package dnsgss

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/platform"
)

// Client signs DNS messages for one server with GSS-TSIG. It negotiates a
// context with a TKEY exchange on first use and keeps it for every later
// message; when the server has forgotten it (BADKEY: a restart, an
// expired key) Exchange negotiates a new one and sends the message once
// more. A Client is safe for concurrent use.
type Client struct {
	server   string // host:port
	target   string
	mech     Mechanism
	alg      string
	cred     gss.Credential
	provider gss.Provider
	timeout  time.Duration
	fudge    uint16
	lifetime time.Duration

	ring keyring
	mu   sync.Mutex // serialises negotiation
	cur  *key

	connMu sync.Mutex
	idle   *dns.Conn // one TCP connection kept between messages
}

// NewClient prepares a client for the DNS server at addr ("host:port" or
// "host"; port 53). Nothing is sent before the first Exchange or Negotiate.
func NewClient(addr string, opts ...Option) (*Client, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		host, port = addr, "53"
	}
	c := &Client{
		server:   net.JoinHostPort(host, port),
		target:   "DNS@" + strings.TrimSuffix(host, "."),
		alg:      AlgGSSTSIG,
		timeout:  10 * time.Second,
		fudge:    300,
		lifetime: time.Hour,
	}
	for _, o := range opts {
		o(c)
	}
	if !validAlg(c.alg) {
		return nil, fmt.Errorf("dnsgss: algorithm %q is not a GSS-TSIG name (want %s or %s)", c.alg, AlgGSSTSIG, AlgMicrosoft)
	}
	c.alg = dns.CanonicalName(c.alg)
	if c.provider == nil {
		if c.provider, err = platform.Provider(); err != nil {
			return nil, &Error{Step: StepInitiate, Server: c.server, Target: c.target, Err: err}
		}
	}
	return c, nil
}

// TsigProvider is the Client's keys for a dns.Client or dns.Conn of one's
// own (zone transfers, other transports): call Negotiate first and sign
// with m.SetTsig(c.KeyName(), c.Algorithm(), 300, time.Now().Unix()).
func (c *Client) TsigProvider() dns.TsigProvider { return &c.ring }

// KeyName is the name of the current key, "" before Negotiate.
func (c *Client) KeyName() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur == nil {
		return ""
	}
	return c.cur.name
}

// Algorithm is the algorithm name the Client signs with.
func (c *Client) Algorithm() string { return c.alg }

// Close forgets every key and closes the kept connection. The server
// keeps its side of the key until it expires.
func (c *Client) Close() error {
	c.mu.Lock()
	c.cur = nil
	c.mu.Unlock()
	c.connMu.Lock()
	if c.idle != nil {
		c.idle.Close()
		c.idle = nil
	}
	c.connMu.Unlock()
	c.ring.closeAll()
	return nil
}

func (c *Client) fail(step Step, err error) error {
	return &Error{Step: step, Server: c.server, Target: c.target, Err: err}
}

// Negotiate runs a new TKEY exchange (RFC 3645 §3.1) and makes its key the
// current one.
func (c *Client) Negotiate(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, err := c.negotiateLocked(ctx, nil)
	return err
}

func (c *Client) currentKey(ctx context.Context) (*key, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur != nil {
		return c.cur, nil
	}
	return c.negotiateLocked(ctx, nil)
}

// renegotiate replaces stale unless another goroutine already did.
func (c *Client) renegotiate(ctx context.Context, stale *key) (*key, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur != nil && c.cur != stale {
		return c.cur, nil
	}
	return c.negotiateLocked(ctx, stale)
}

func (c *Client) newContext() (gss.SecContext, error) {
	nt := gss.NameHostBasedService
	if strings.Contains(c.target, "/") {
		nt = gss.NameKerberosPrincipal
	}
	target, err := c.provider.ImportName(c.target, nt)
	if err != nil {
		return nil, err
	}
	if c.mech == Kerberos {
		defer target.Release()
		opts := []gss.InitSecContextOption{
			gss.WithMech(gss.MechKRB5),
			gss.WithFlags(gss.FlagMutual | gss.FlagReplay | gss.FlagSequence | gss.FlagInteg),
		}
		if c.cred != nil {
			opts = append(opts, gss.WithInitiatorCredential(c.cred))
		}
		return c.provider.InitSecContext(target, opts...)
	}
	return negotiate.NewClient(target, negotiate.Config{
		Provider:     c.provider,
		Mechs:        []gss.OID{gss.MechMSKRB5, gss.MechKRB5},
		Flags:        gss.FlagReplay | gss.FlagSequence,
		Credential:   c.cred,
		TargetOption: targetOption,
	})
}

func (c *Client) dial(ctx context.Context) (*dns.Conn, error) {
	d := net.Dialer{Timeout: c.timeout}
	nc, err := d.DialContext(ctx, "tcp", c.server)
	if err != nil {
		return nil, err
	}
	_ = nc.SetDeadline(c.deadline(ctx))
	return &dns.Conn{Conn: nc}, nil
}

// getConn takes the kept connection, or dials a new one; reused says
// which. A message and its reply run on it alone.
func (c *Client) getConn(ctx context.Context) (*dns.Conn, bool, error) {
	c.connMu.Lock()
	conn := c.idle
	c.idle = nil
	c.connMu.Unlock()
	if conn != nil {
		if err := conn.SetDeadline(c.deadline(ctx)); err == nil {
			return conn, true, nil
		}
		conn.Close()
	}
	conn, err := c.dial(ctx)
	return conn, false, err
}

// putConn keeps conn for the next message (a server keeps a TCP
// connection open between messages: BIND for its tcp-idle-timeout), or
// closes it when another is kept already.
func (c *Client) putConn(conn *dns.Conn) {
	c.connMu.Lock()
	defer c.connMu.Unlock()
	if c.idle == nil {
		c.idle = conn
		return
	}
	conn.Close()
}

func (c *Client) deadline(ctx context.Context) time.Time {
	deadline := time.Now().Add(c.timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	return deadline
}

func newKeyName(host string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	host = strings.Trim(strings.ToLower(host), ".")
	if host == "" || net.ParseIP(host) != nil {
		host = "gssnego"
	}
	return hex.EncodeToString(b[:]) + ".sig-" + host + "."
}

// negotiateLocked runs the TKEY exchange over one TCP connection: our
// token in a TKEY query, the server's token in the TKEY answer, until our
// context is complete; then the server's signature on its last answer is
// checked with the new context.
func (c *Client) negotiateLocked(ctx context.Context, stale *key) (*key, error) {
	if stale != nil {
		c.ring.drop(stale.name)
		c.cur = nil
	}
	sc, err := c.newContext()
	if err != nil {
		return nil, c.fail(StepInitiate, err)
	}
	ok := false
	defer func() {
		if !ok {
			sc.Close()
		}
	}()
	tok, err := sc.Continue(nil)
	if err != nil {
		return nil, c.fail(StepInitiate, err)
	}
	host := c.target
	if _, h, found := strings.Cut(host, "@"); found {
		host = h
	} else if _, h, found := strings.Cut(host, "/"); found {
		host, _, _ = strings.Cut(h, "@")
	}
	k := &key{name: newKeyName(host), alg: c.alg, ctx: sc}
	conn, err := c.dial(ctx)
	if err != nil {
		return nil, c.fail(StepTransport, err)
	}
	defer func() {
		if ok {
			c.putConn(conn) // the signed messages follow on it
		} else {
			conn.Close()
		}
	}()
	for leg := 0; ; leg++ {
		if leg > 8 {
			return nil, c.fail(StepTKEY, &FormatError{Where: "TKEY exchange", Reason: "no complete context after 8 legs"})
		}
		q := TKEYQuery(k.name, c.alg, tok, time.Now(), c.lifetime)
		if err := conn.WriteMsg(q); err != nil {
			return nil, c.fail(StepTransport, err)
		}
		raw, err := conn.ReadMsgHeader(nil)
		if err != nil {
			return nil, c.fail(StepTransport, err)
		}
		answer, err := ParseTKEYAnswer(raw, q)
		if err != nil {
			return nil, c.fail(StepTKEY, err)
		}
		if answer.Token != nil || sc.ContinueNeeded() {
			out, err := sc.Continue(answer.Token)
			if err != nil {
				return nil, c.fail(StepContinue, err)
			}
			tok = out
		} else {
			tok = nil
		}
		if sc.ContinueNeeded() {
			if len(tok) == 0 {
				return nil, c.fail(StepContinue, &FormatError{Where: "TKEY exchange", Reason: "context incomplete and no token to send"})
			}
			continue
		}
		// Complete. A signed last answer proves the server holds the
		// context too (RFC 3645 §4.1.3); the AP-REP already did for
		// Kerberos, and the signature binds the key name to it.
		if answer.Signed {
			r := keyring{}
			r.put(k)
			if err := verifyForms(raw, &r, "", k.alg); err != nil {
				return nil, c.fail(StepVerify, err)
			}
		}
		if len(tok) > 0 {
			// The server still needs our last token (a SPNEGO mechListMIC
			// leg): send it; its answer carries no token.
			q := TKEYQuery(k.name, c.alg, tok, time.Now(), c.lifetime)
			if err := conn.WriteMsg(q); err != nil {
				return nil, c.fail(StepTransport, err)
			}
			raw, err := conn.ReadMsgHeader(nil)
			if err != nil {
				return nil, c.fail(StepTransport, err)
			}
			if _, err := ParseTKEYAnswer(raw, q); err != nil {
				return nil, c.fail(StepTKEY, err)
			}
		}
		break
	}
	ok = true
	c.ring.put(k)
	c.cur = k
	return k, nil
}

// Exchange signs m with the current key (negotiating one first), sends it
// over TCP and verifies the signed reply. A reply whose rcode is REFUSED
// or NOTAUTH comes back with a *Error (StepReply, a *RcodeError or
// *TSIGError cause); other rcodes (NXDOMAIN, YXRRSET …) are the answer,
// for the caller to read. On BADKEY the Client negotiates a new key and
// sends m once more.
func (c *Client) Exchange(ctx context.Context, m *dns.Msg) (*dns.Msg, error) {
	k, err := c.currentKey(ctx)
	if err != nil {
		return nil, err
	}
	r, err := c.exchange(ctx, k, m)
	if errors.Is(err, ErrBadKey) {
		if k, err = c.renegotiate(ctx, k); err != nil {
			return nil, err
		}
		r, err = c.exchange(ctx, k, m)
	}
	return r, err
}

func (c *Client) exchange(ctx context.Context, k *key, m *dns.Msg) (*dns.Msg, error) {
	m = m.Copy()
	if t := m.IsTsig(); t != nil {
		m.Extra = m.Extra[:len(m.Extra)-1]
	}
	var raw []byte
	var reqMAC string
	for attempt := 0; ; attempt++ {
		conn, reused, err := c.getConn(ctx)
		if err != nil {
			return nil, c.fail(StepTransport, err)
		}
		m.SetTsig(k.name, k.alg, c.fudge, time.Now().Unix())
		var out []byte
		out, reqMAC, err = dns.TsigGenerateWithProvider(m, &c.ring, "", false)
		if err != nil {
			conn.Close()
			return nil, c.fail(StepSign, err)
		}
		if _, err = conn.Write(out); err == nil {
			raw, err = conn.ReadMsgHeader(nil)
		}
		if err == nil {
			c.putConn(conn)
			break
		}
		conn.Close()
		// A kept connection the server closed while idle: once more on a
		// new one (the message was not read, or it would have been
		// answered).
		if !reused || attempt > 0 {
			return nil, c.fail(StepTransport, err)
		}
	}
	r := new(dns.Msg)
	if err := r.Unpack(raw); err != nil {
		return nil, c.fail(StepTransport, &FormatError{Where: "reply", Reason: err.Error()})
	}
	if t := r.IsTsig(); t != nil && t.Error == 0 && r.Rcode != dns.RcodeNotAuth {
		if err := c.verifyReply(raw, reqMAC, k); err != nil {
			return r, c.fail(StepVerify, err)
		}
	}
	if r.Id != m.Id {
		return nil, c.fail(StepTransport, dns.ErrId)
	}
	t := r.IsTsig()
	if t != nil && t.Error != 0 {
		return r, c.fail(StepReply, &TSIGError{Code: t.Error, In: "TSIG"})
	}
	if r.Rcode == dns.RcodeRefused || r.Rcode == dns.RcodeNotAuth {
		return r, c.fail(StepReply, &RcodeError{Rcode: r.Rcode})
	}
	if t == nil {
		return r, c.fail(StepVerify, ErrUnsigned)
	}
	return r, nil
}

// verifyReply checks the MIC of a signed reply to a message signed with
// k (verifyForms).
func (c *Client) verifyReply(raw []byte, reqMAC string, k *key) error {
	return verifyForms(raw, &c.ring, reqMAC, k.alg)
}

// verifyForms checks the MIC of a signed reply: over the request's MAC
// (with its length), the reply and its TSIG variables (RFC 8945 §4.3.2).
// Samba's DNS server (4.17) departs from that in two ways, each tried
// only when the RFC form does not verify: it signs the request's MAC
// without its two length octets, and it writes "gss-tsig" as the TSIG
// algorithm while signing the variables with the key's own name
// (gss.microsoft.com when the TKEY asked for it). Both forms still cover
// the whole reply and, for a reply, the request's MAC.
func verifyForms(raw []byte, r *keyring, reqMAC, keyAlg string) error {
	err := dns.TsigVerifyWithProvider(append([]byte(nil), raw...), r, reqMAC, false)
	if err == nil || !errors.Is(err, ErrBadSig) {
		return err
	}
	forms := []dns.TsigProvider{otherForm{r: r, dropLen: true}}
	if keyAlg != "" {
		forms = append(forms, otherForm{r: r, alg: keyAlg}, otherForm{r: r, alg: keyAlg, dropLen: true})
	}
	for _, f := range forms {
		if reqMAC == "" && f.(otherForm).dropLen {
			continue // no request MAC in front: nothing to drop
		}
		if dns.TsigVerifyWithProvider(append([]byte(nil), raw...), f, reqMAC, false) == nil {
			return nil
		}
	}
	return err
}

// otherForm verifies a MAC computed over another form of what miekg/dns
// hands Verify (request MAC with its length, message, TSIG variables):
// without the request MAC's length (dropLen), or with the variables
// naming alg instead of the algorithm written in the TSIG.
type otherForm struct {
	r       *keyring
	alg     string
	dropLen bool
}

func (f otherForm) Generate(msg []byte, t *dns.TSIG) ([]byte, error) { return f.r.Generate(msg, t) }

func (f otherForm) Verify(msg []byte, t *dns.TSIG) error {
	bad := &TSIGError{Code: dns.RcodeBadSig, In: "TSIG"}
	if f.alg != "" && dns.CanonicalName(f.alg) != dns.CanonicalName(t.Algorithm) {
		wire, err := tsigVariables(t, t.Algorithm)
		if err != nil || len(msg) < len(wire) {
			return bad
		}
		mine, err := tsigVariables(t, f.alg)
		if err != nil {
			return bad
		}
		msg = append(append([]byte(nil), msg[:len(msg)-len(wire)]...), mine...)
	}
	if f.dropLen {
		if len(msg) < 2 {
			return bad
		}
		msg = msg[2:]
	}
	return f.r.Verify(msg, t)
}

// tsigVariables are the TSIG variables of RFC 8945 §4.3.3 as miekg/dns
// appends them, with alg as the algorithm name.
func tsigVariables(t *dns.TSIG, alg string) ([]byte, error) {
	b := make([]byte, 2*256)
	n, err := dns.PackDomainName(dns.CanonicalName(t.Hdr.Name), b, 0, nil, false)
	if err != nil {
		return nil, err
	}
	v := append([]byte(nil), b[:n]...)
	v = binary.BigEndian.AppendUint16(v, dns.ClassANY)
	v = binary.BigEndian.AppendUint32(v, t.Hdr.Ttl)
	if n, err = dns.PackDomainName(dns.CanonicalName(alg), b, 0, nil, false); err != nil {
		return nil, err
	}
	v = append(v, b[:n]...)
	ts := t.TimeSigned
	v = append(v, byte(ts>>40), byte(ts>>32), byte(ts>>24), byte(ts>>16), byte(ts>>8), byte(ts))
	v = binary.BigEndian.AppendUint16(v, t.Fudge)
	v = binary.BigEndian.AppendUint16(v, t.Error)
	other, err := hex.DecodeString(t.OtherData)
	if err != nil {
		return nil, err
	}
	v = binary.BigEndian.AppendUint16(v, t.OtherLen)
	return append(v, other...), nil
}
