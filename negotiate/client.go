package negotiate

import (
	"errors"
	"slices"

	"github.com/gssnego/gssnego/gss"
)

// Client is the SPNEGO initiator. It speaks SPNEGO itself over the raw
// mechanisms of Config.Provider and implements gss.SecContext, so it can be
// used wherever a mechanism context can.
type Client struct {
	conversation
	target gss.Name
	state  clientState
}

type clientState uint8

const (
	clientStart clientState = iota
	clientFirstReply
	clientMore
	clientDone
)

// NewClient prepares an initiator for target (e.g. "HTTP@host" imported as a
// host-based name). Nothing is sent until the first Continue.
func NewClient(target gss.Name, cfg Config) (*Client, error) {
	if cfg.Provider == nil {
		return nil, errors.New("negotiate: Config.Provider is nil")
	}
	c := &Client{target: target}
	c.cfg = cfg
	c.ready = c.readyLocked
	c.initiator = true
	c.record.Profile = cfg.Profile
	return c, nil
}

// Continue implements gss.SecContext: feed nil first (or a server-initiated
// NegTokenInit2), then each token from the acceptor.
func (c *Client) Continue(in []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, gss.ErrNoContext
	}
	if c.failed != nil {
		return nil, c.failed
	}
	if len(in) > 0 {
		c.recordToken(false, in)
	}
	out, err := c.step(in)
	if err != nil {
		if c.established {
			return nil, err // a stray token does not undo an established context
		}
		return nil, c.fail(err)
	}
	c.recordToken(true, out)
	return out, nil
}

func (c *Client) step(in []byte) ([]byte, error) {
	switch c.state {
	case clientStart:
		if len(in) > 0 {
			// A server-initiated NegTokenInit2 (SMB NEGOTIATE): like Vista
			// and later, send our own list whatever the server offered.
			t, err := Parse(in)
			if err != nil {
				return nil, err
			}
			if t.Kind != KindInit2 && t.Kind != KindInit {
				return nil, protocolErr("first token from the acceptor is a %v, want NegTokenInit2", t.Kind)
			}
		}
		return c.sendInit()
	case clientFirstReply:
		t, err := parseResp(in)
		if err != nil {
			return nil, err
		}
		c.state = clientMore
		if err := c.firstReply(t); err != nil {
			return nil, err
		}
		if !c.optimisticUsed {
			return c.startSelected()
		}
		return c.reply(t, true)
	case clientMore:
		t, err := parseResp(in)
		if err != nil {
			return nil, err
		}
		return c.reply(t, false)
	case clientDone:
		// A final accept-completed without anything in it is harmless.
		t, err := parseResp(in)
		if err != nil {
			return nil, err
		}
		if t.NegState == NegStateAcceptCompleted && t.ResponseToken == nil && t.MechListMIC == nil {
			return nil, nil
		}
		return nil, protocolErr("token after the context was established")
	}
	return nil, protocolErr("unknown client state")
}

// sendInit builds the NegTokenInit, with the optimistic token of the first
// mechanism that can produce one; mechanisms that fail to start (no ticket,
// unknown service) are dropped from the list, as Windows does, with the
// other OIDs of the same provider mechanism (both Kerberos OIDs).
func (c *Client) sendInit() ([]byte, error) {
	mechs := c.cfg.mechs()
	if len(mechs) == 0 {
		return nil, engineErr(ErrNoCommonMech, "", "no mechanisms to offer", nil)
	}
	var optimistic []byte
	if !c.cfg.NoOptimisticToken {
		var firstErr error
		for len(mechs) > 0 {
			ctx, out, err := c.startMech(mechs[0])
			if err == nil {
				c.mech, optimistic = ctx, out
				break
			}
			if firstErr == nil {
				firstErr = err
			}
			// Every Kerberos OID is the same provider mechanism: after
			// one failed to start (no ticket, KDC unreachable) the others
			// would fail the same way, after the same KDC timeouts.
			failed := providerMech(mechs[0])
			mechs = slices.DeleteFunc(mechs[1:], func(m gss.OID) bool { return providerMech(m) == failed })
		}
		if c.mech == nil {
			return nil, c.startErr(ErrNoCommonMech, "no offered mechanism could start", firstErr)
		}
	}
	c.setMechTypes(mechs, MarshalMechTypes(mechs))
	t := &Token{Kind: KindInit, MechTypes: mechs, RawMechTypes: c.rawMechTypes, MechToken: optimistic}
	c.state = clientFirstReply
	return t.Marshal()
}

func (c *Client) startMech(listed gss.OID) (gss.SecContext, []byte, error) {
	opts := []gss.InitSecContextOption{
		gss.WithMech(providerMech(listed)),
		gss.WithFlags(c.cfg.Flags | gss.FlagMutual | gss.FlagInteg),
	}
	c.record.Delegation.Requested = c.cfg.Flags & (gss.FlagDeleg | gss.FlagDelegPolicy)
	if c.cfg.Credential != nil {
		opts = append(opts, gss.WithInitiatorCredential(c.cfg.Credential))
	}
	if c.cfg.ChannelBindings != nil {
		opts = append(opts, gss.WithInitiatorChannelBindings(c.cfg.ChannelBindings))
	}
	ctx, err := c.cfg.Provider.InitSecContext(c.target, opts...)
	if err != nil {
		return nil, nil, err
	}
	out, err := ctx.Continue(nil)
	if err != nil {
		ctx.Close()
		return nil, nil, err
	}
	if len(out) == 0 {
		out = nil
	}
	return ctx, out, nil
}

// firstReply handles what only the acceptor's first NegTokenResp carries:
// negState (mandatory), supportedMech, and the choice it implies.
func (c *Client) firstReply(t *Token) error {
	if t.NegState == NegStateReject {
		return c.rejected(t)
	}
	if t.NegState == NegStateAbsent {
		return protocolErr("acceptor's first reply has no negState (RFC 4178 §4.2.2)")
	}
	sel := t.SupportedMech
	if sel == "" {
		// Windows 2000 omits supportedMech when it took the optimistic token.
		if c.mech == nil {
			return protocolErr("acceptor's first reply has no supportedMech")
		}
		sel = c.mechTypes[0]
	}
	idx := -1
	for i, m := range c.mechTypes {
		if m == sel {
			idx = i
			break
		}
	}
	if idx < 0 {
		return engineErr(ErrDowngrade, "supported-mech-not-offered", "acceptor selected "+sel.String()+", which was not offered", nil)
	}
	c.setSelected(idx)
	c.micRequested = t.NegState == NegStateRequestMIC
	if c.selectedIsFirst() {
		if c.mech != nil {
			c.optimisticUsed = true
		}
		return nil
	}
	// The acceptor refused the optimistic mechanism: RFC 4178 §3.2 says its
	// reply carries no mechanism token; anything else is a rewritten token.
	if t.ResponseToken != nil {
		return protocolErr("acceptor sent a mechanism token for %v although it did not take the optimistic token", sel.MechName())
	}
	if c.mech != nil {
		c.mech.Close()
		c.mech = nil
	}
	return nil
}

// startSelected starts the selected mechanism when no optimistic token was
// used, and sends its first token.
// startErr is a mechanism's failure to start, with the target and the
// setting that chose it, which the message names when the KDC does not know
// the service (gss.ErrServiceUnknown).
func (c *Client) startErr(kind error, op string, cause error) *Error {
	e := engineErr(kind, "", op, cause)
	if c.target != nil {
		e.target = c.target.String()
	}
	e.option = c.cfg.TargetOption
	return e
}

func (c *Client) startSelected() ([]byte, error) {
	ctx, out, err := c.startMech(c.selected)
	if err != nil {
		return nil, c.startErr(ErrRejected, "start "+c.selected.MechName(), err)
	}
	c.mech = ctx
	c.mechDone = !ctx.ContinueNeeded()
	if c.mechDone {
		c.noteDelegation()
	}
	c.noteNTLM(out)
	return (&Token{Kind: KindResp, NegState: NegStateAcceptIncomplete, ResponseToken: out}).Marshal()
}

// reply processes an acceptor token (first: the acceptor's first reply): mechanism token first, then the MIC,
// then what is owed in return.
func (c *Client) reply(t *Token, first bool) ([]byte, error) {
	if t.NegState == NegStateReject {
		return nil, c.rejected(t)
	}
	var out []byte
	if t.ResponseToken != nil {
		var err error
		if out, err = c.feed(t.ResponseToken); err != nil {
			return nil, err
		}
		c.oneRound = first && c.mechDone
		c.noteNTLM(out)
	}
	if err := c.receiveMIC(t); err != nil {
		return nil, err
	}
	if !c.mechDone {
		if t.NegState == NegStateAcceptCompleted {
			return nil, protocolErr("acceptor completed before the mechanism did")
		}
		if len(out) == 0 {
			return nil, protocolErr("mechanism needs more but produced no token")
		}
		return (&Token{Kind: KindResp, NegState: NegStateAcceptIncomplete, ResponseToken: out}).Marshal()
	}
	rule, err := c.micDecision()
	if err != nil {
		return nil, err
	}
	// RFC 4178 §5: whoever sends the last mechanism token sends the first
	// MIC. If that was the acceptor and its due MIC is missing, fail now
	// rather than send ours and let the acceptor complete.
	if out == nil && t.ResponseToken != nil && rule != "" && !c.micReceived {
		return nil, engineErr(ErrMICMissing, rule, "acceptor sent its last token without its mechListMIC", nil)
	}
	mic, err := c.ownMIC()
	if err != nil {
		return nil, err
	}
	if c.needPeerMIC() {
		if t.NegState == NegStateAcceptCompleted {
			return nil, engineErr(ErrMICMissing, c.micRuleOr(rule), "acceptor sent its last token without its mechListMIC", nil)
		}
		return (&Token{Kind: KindResp, NegState: NegStateAcceptIncomplete, ResponseToken: out, MechListMIC: mic}).Marshal()
	}
	c.established = true
	c.state = clientDone
	if out == nil && mic == nil {
		return nil, nil
	}
	return (&Token{Kind: KindResp, NegState: NegStateAcceptCompleted, ResponseToken: out, MechListMIC: mic}).Marshal()
}

func (c *conversation) micRuleOr(rule string) string {
	if rule != "" {
		return rule
	}
	return RulePeerSentMIC
}

func (c *Client) rejected(t *Token) error {
	var cause error
	if t.ResponseToken != nil && c.mech != nil && !c.mechDone {
		// Let the mechanism explain (a KRB-ERROR becomes a gss error).
		_, cause = c.mech.Continue(t.ResponseToken)
	}
	return engineErr(ErrRejected, "", "acceptor answered reject", cause)
}

// ContinueNeeded implements gss.SecContext.
func (c *Client) ContinueNeeded() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.established && c.failed == nil
}
