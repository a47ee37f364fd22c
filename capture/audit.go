package capture

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"sort"
	"time"

	"github.com/gssnego/gssnego/negotiate"
)

// Options configure an Audit.
type Options struct {
	// Policy is applied to every exchange.
	Policy negotiate.Policy
	// MaxWarnings bounds the warnings kept (0: 1000); more are counted.
	MaxWarnings int
}

// Exchange is one authentication exchange found in a capture.
type Exchange struct {
	// Start is the capture time of its first token.
	Start time.Time `json:"start"`
	// Client and Server are the connection's ends (the client is the side
	// that sent SYN, or failing that the side that spoke the request).
	Client netip.AddrPort `json:"client"`
	Server netip.AddrPort `json:"server"`
	// Carrier is the protocol that carried the tokens ("http", "ldap",
	// "smb2", "dcerpc", "sspi-sample").
	Carrier string `json:"carrier"`
	// Mech is the carrier's mechanism when it is not SPNEGO ("sasl-gssapi").
	Mech string `json:"mech,omitempty"`
	// Frames lists the capture frame numbers (1-based) that completed each token.
	Frames []int `json:"frames"`
	// Tokens are the raw tokens (base64 in JSON), ready for gssnego inspect.
	Tokens [][]byte `json:"tokens"`
	// Transcript holds the decoded tokens and the policy's verdict.
	Transcript *negotiate.Transcript `json:"transcript"`
	// Wrapped counts per-message security tokens that followed on the
	// connection (LDAP SASL wrap): traffic, not exchanges.
	Wrapped int `json:"wrapped,omitempty"`
	// Aborted says the connection closed (FIN or RST seen) before the
	// exchange completed; a capture that merely ends leaves it false.
	Aborted bool `json:"aborted,omitempty"`
	// Refused is "mic-missing" when the exchange ended — the connection
	// closed, or the peer sent negState reject — right after a token that
	// lacked the mechListMIC the policy made due from its sender: the peer
	// refused it, as it must when the MIC was stripped in transit. The
	// policy held, but the token is evidence of tampering or of a broken
	// peer, and the audit flags it.
	Refused string `json:"refused,omitempty"`
}

// RefusedMICMissing is Exchange.Refused's value for a peer that refused a
// token lacking its due mechListMIC.
const RefusedMICMissing = "mic-missing"

// judgeEnd records how an exchange that did not complete ended; lost says
// bytes of the connection are missing from the capture, so that the token
// before the end may not have been the last one sent.
func (e *Exchange) judgeEnd(connClosed, lost bool) {
	v := e.Verdict()
	rejected := v.Result == negotiate.ResultRejected
	if v.Result == negotiate.ResultIncomplete && connClosed {
		e.Aborted = true
	} else if !rejected {
		return
	}
	if lost {
		return
	}
	reps := e.Transcript.Reports
	i := len(reps) - 1
	for rejected && i >= 0 && reps[i].NegState == negotiate.NegStateReject.String() {
		i--
	}
	if i < 0 {
		return
	}
	// Only a token that ends its sender's part must carry the MIC: the
	// acceptor's with the AP-REP or accept-completed, the initiator's with
	// accept-completed or the NTLM AUTHENTICATE.
	r := reps[i]
	final := r.NegState == negotiate.NegStateAcceptCompleted.String() ||
		r.MechToken != nil && (r.MechToken.Message == "AP-REP" || r.MechToken.Message == "AUTHENTICATE")
	if st := v.Side(r.Direction); final && st.Due && !st.Present {
		e.Refused = RefusedMICMissing
	}
}

// Verdict is the exchange's verdict.
func (e *Exchange) Verdict() *negotiate.Verdict { return &e.Transcript.Verdict }

// Warning is a per-packet problem the audit skipped over.
type Warning struct {
	Frame   int    `json:"frame"`
	Message string `json:"message"`
}

func (w Warning) String() string { return fmt.Sprintf("frame %d: %s", w.Frame, w.Message) }

// Result is everything an audit found.
type Result struct {
	Exchanges []*Exchange `json:"exchanges"`
	Warnings  []Warning   `json:"warnings,omitempty"`
	// MoreWarnings counts warnings dropped beyond Options.MaxWarnings.
	MoreWarnings int   `json:"moreWarnings,omitempty"`
	Frames       int   `json:"frames"`
	Bytes        int64 `json:"bytes"`
}

// flow is one TCP connection.
type flow struct {
	key      flowKey
	client   netip.AddrPort // zero until known
	half     [2]half        // index 0: from key.a, 1: from key.b
	car      carrier
	cur      *Exchange
	lastTime time.Time
	wrapBase int
	sawSYN   bool // the capture holds the connection's start
	nex      int  // exchanges started on this connection
}

// Audit reads a capture from r and returns the exchanges it holds, in the
// order their first token was seen. A malformed frame or stream is a
// warning; only an unreadable file is an error (with what was found so far).
func Audit(r io.Reader, opt Options) (*Result, error) {
	rd, err := NewReader(r)
	if err != nil {
		return nil, err
	}
	a := &auditor{opt: opt, flows: map[flowKey]*flow{}, res: &Result{}}
	if a.opt.MaxWarnings == 0 {
		a.opt.MaxWarnings = 1000
	}
	for {
		p, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if errors.Is(err, ErrTruncated) {
				a.warn(rd.n+1, err.Error())
				break
			}
			return a.res, err
		}
		a.res.Frames++
		a.res.Bytes += int64(len(p.Data))
		a.packet(p)
	}
	a.finish()
	return a.res, nil
}

type auditor struct {
	opt   Options
	flows map[flowKey]*flow
	res   *Result
}

func (a *auditor) warn(frame int, msg string) {
	if len(a.res.Warnings) >= a.opt.MaxWarnings {
		a.res.MoreWarnings++
		return
	}
	a.res.Warnings = append(a.res.Warnings, Warning{Frame: frame, Message: msg})
}

func (a *auditor) packet(p Packet) {
	s, ok, err := decodeTCP(p)
	if err != nil {
		a.warn(p.Index, err.Error())
		return
	}
	if !ok {
		return
	}
	key, fromA := keyOf(s)
	f := a.flows[key]
	if f == nil {
		f = &flow{key: key}
		a.flows[key] = f
	}
	f.lastTime = p.Time
	f.sawSYN = f.sawSYN || s.syn
	if s.syn && f.client == (netip.AddrPort{}) {
		f.client = s.src
		if s.ack {
			f.client = s.dst
		}
	}
	hi := 1
	if fromA {
		hi = 0
	}
	h := &f.half[hi]
	if w := h.add(s); w != "" {
		a.warn(p.Index, w)
	}
	a.feed(f, hi, h, p)
	if s.fin || s.rst {
		if s.rst || f.bothFin(hi) {
			a.closeConn(f, p.Index)
			delete(a.flows, key) // a reused port pair starts afresh
		}
	}
}

func (f *flow) bothFin(hi int) bool {
	f.half[hi].finned = true
	return f.half[0].finned && f.half[1].finned
}

// feed hands in-order bytes of one direction to the carrier.
func (a *auditor) feed(f *flow, hi int, h *half, p Packet) {
	if len(h.buf) == 0 {
		return
	}
	src := f.key.a
	if hi == 1 {
		src = f.key.b
	}
	if f.car == nil {
		f.car = sniffCarrier(h.buf)
		if f.car == nil {
			if len(h.buf) > 4096 || len(f.half[0].buf)+len(f.half[1].buf) > 8192 {
				// Neither side speaks a carrier we know: stop buffering.
				f.half[0].buf, f.half[1].buf = nil, nil
			}
			return
		}
		if f.client == (netip.AddrPort{}) {
			f.client = src
			if looksHTTPResponse(h.buf) || looksLDAPResponse(h.buf) || looksSampleResponse(h.buf) || looksDNSResponse(h.buf) {
				f.client = f.other(src)
			}
		}
	}
	fromClient := src == f.client
	if h.gap {
		f.car.resync(fromClient)
		h.gap = false
	}
	n, toks, err := f.car.parse(fromClient, h.buf)
	if err != nil {
		a.warn(p.Index, err.Error())
	}
	h.buf = h.buf[:copy(h.buf, h.buf[n:])]
	for _, t := range toks {
		a.token(f, t, p)
	}
}

func (f *flow) other(ap netip.AddrPort) netip.AddrPort {
	if ap == f.key.a {
		return f.key.b
	}
	return f.key.a
}

// token adds one token to the flow's current exchange, or starts one.
func (a *auditor) token(f *flow, t carried, p Packet) {
	d := negotiate.AcceptorToInitiator
	if t.fromClient {
		d = negotiate.InitiatorToAcceptor
	}
	tok := append([]byte(nil), t.tok...)
	kind := negotiate.Inspect(d, 0, tok).Kind
	if e := f.cur; e == nil || a.startsExchange(e, d, kind, t.mech) {
		if e != nil && len(e.Tokens) == 1 && isServerOffer(d, kind) && isServerOffer(e.Transcript.Reports[0].Direction, e.Transcript.Reports[0].Kind) {
			// A client that negotiated twice (SMB1 multi-protocol, then
			// SMB2) saw two NegTokenInit2 before one session setup: the
			// first was only an offer, not an exchange.
			for i := len(a.res.Exchanges) - 1; i >= 0; i-- {
				if a.res.Exchanges[i] == e {
					a.res.Exchanges = append(a.res.Exchanges[:i], a.res.Exchanges[i+1:]...)
					break
				}
			}
			f.cur = nil
		}
		a.close(f)
		pol := a.opt.Policy
		// A connection whose start the capture missed may be caught in the
		// middle of its first exchange: judge that one as the inspector
		// judges a partial transcript (what the visible tokens prove, the
		// rest undecided), not as a protocol error.
		pol.AllowPartial = pol.AllowPartial || !f.sawSYN && f.nex == 0
		f.nex++
		f.cur = &Exchange{Start: p.Time, Client: f.client, Server: f.other(f.client), Carrier: f.car.name(),
			Mech: t.mech, Transcript: negotiate.NewTranscript(pol)}
		a.res.Exchanges = append(a.res.Exchanges, f.cur)
	}
	f.cur.Transcript.Add(d, tok)
	f.cur.Tokens = append(f.cur.Tokens, tok)
	f.cur.Frames = append(f.cur.Frames, p.Index)
}

// startsExchange decides whether a token opens a new exchange: an
// initiator's NegTokenInit always does; so does any initiator token after
// the exchange completed, or a change of mechanism.
func (a *auditor) startsExchange(e *Exchange, d negotiate.Direction, kind, mech string) bool {
	if mech != e.Mech {
		return true
	}
	onlyHints := len(e.Transcript.Reports) > 0
	for _, r := range e.Transcript.Reports {
		onlyHints = onlyHints && isServerOffer(r.Direction, r.Kind)
	}
	if d != negotiate.InitiatorToAcceptor {
		// An SMB server's NEGOTIATE response offers a NegTokenInit2 (or a
		// plain NegTokenInit): it opens the exchange the next
		// SESSION_SETUP continues.
		return isServerOffer(d, kind)
	}
	if kind == "NegTokenInit" {
		return !onlyHints
	}
	v := e.Verdict()
	return v.Complete && kind != "mechanism" || v.Result == negotiate.ResultRejected
}

// closeConn ends the flow's exchange because the connection closed. If
// bytes of the connection are missing from the capture, nothing is claimed
// about how the exchange ended.
func (a *auditor) closeConn(f *flow, frame int) {
	missing := f.half[0].missing() || f.half[1].missing()
	if missing && f.car != nil {
		a.warn(frame, "connection closed with bytes missing from the capture")
	}
	if f.cur != nil {
		f.cur.judgeEnd(true, missing)
	}
	a.close(f)
}

// close ends the flow's exchange; its wrapped-token count is final.
func (a *auditor) close(f *flow) {
	if f.cur != nil && f.cur.Transcript.Verdict.Result == negotiate.ResultRejected {
		f.cur.judgeEnd(false, f.half[0].missing() || f.half[1].missing())
	}
	if f.cur != nil && f.car != nil {
		f.cur.Wrapped = f.car.wrapped() - f.wrapBase
		f.wrapBase = f.car.wrapped()
	}
	f.cur = nil
}

// finish closes what the capture left open.
func (a *auditor) finish() {
	keys := make([]flowKey, 0, len(a.flows))
	for k := range a.flows {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if c := keys[i].a.Compare(keys[j].a); c != 0 {
			return c < 0
		}
		return keys[i].b.Compare(keys[j].b) < 0
	})
	for _, k := range keys {
		a.close(a.flows[k])
	}
	sort.SliceStable(a.res.Exchanges, func(i, j int) bool {
		return a.res.Exchanges[i].Frames[0] < a.res.Exchanges[j].Frames[0]
	})
}

// isServerOffer says whether a token is an acceptor's unsolicited mech
// offer (SMB NEGOTIATE response): NegTokenInit2, or NegTokenInit from
// servers that send no hints.
func isServerOffer(d negotiate.Direction, kind string) bool {
	return d == negotiate.AcceptorToInitiator && (kind == "NegTokenInit2" || kind == "NegTokenInit")
}
