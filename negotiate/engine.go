package negotiate

import (
	"encoding/binary"
	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/negotiate/mechtoken"
)

// conversation is what both engines share: the mechTypes as the initiator
// sent them, the selected mechanism and its context, the mechListMIC state
// and the record of every token. Client and Server hold one each; its mutex
// serialises all calls, so a context is safe against concurrent misuse.
type conversation struct {
	perMessage
	cfg       Config
	initiator bool

	mechTypes     []gss.OID
	rawMechTypes  []byte  // MechTypeList DER exactly as the initiator sent it: the MIC input
	selected      gss.OID // as listed by the initiator (and echoed as supportedMech)
	selectedIdx   int
	mech          gss.SecContext
	mechDone      bool
	mechInfoCache *gss.SecContextInfo // the completed mechanism context's Inquire

	// oneRound: the optimistic token was used and the mechanism completed
	// on the acceptor's first reply — the only case in which the Windows
	// profile lets Kerberos skip the MIC exchange.
	optimisticUsed bool
	oneRound       bool
	micRequested   bool // negState request-mic was sent/received
	ntlmAuthMIC    bool // the NTLM AUTHENTICATE carried its own MIC
	peerMIC        []byte
	micSent        bool
	micReceived    bool
	micRule        string // why the MIC exchange is due; "" if it is not

	established bool
	failed      error
	closed      bool
	record      Record
	transcript  *Transcript // every token, through the inspector, with our MIC checks
}

// Record is what an engine knows about its exchange once it ends (or
// fails): the selection, the etype evidence and the mechListMIC decisions.
// The inspector's view of the same exchange, with the engine's MIC checks
// filled in, is in Transcript.
type Record struct {
	Profile       Profile
	MechTypes     []gss.OID
	FirstOffered  gss.OID
	Selected      gss.OID
	Downgrade     bool        // selected is not the initiator's first mechanism
	Enctype       gss.Enctype // per-message key etype from the backend, EnctypeUnknown if it cannot tell
	NewEnctype    string      // "yes", "no" or "unknown": the context signs with RFC 4121 tokens
	EnctypeSource string      // which evidence decided NewEnctype
	MICRule       string      // rule that made the MIC exchange due; "" = not due
	MICSent       bool
	MICReceived   bool // received and verified
	Delegation    Delegation
	Transcript    Transcript
}

func (c *conversation) fail(err error) error {
	if c.failed == nil {
		c.failed = err
	}
	return err
}

func (c *conversation) recordToken(sent bool, b []byte) {
	if c.transcript == nil {
		c.transcript = NewTranscript(Policy{Profile: c.cfg.Profile})
	}
	addToken(c.transcript, c.initiator, sent, b)
}

// addToken adds a token sent or received by one side to t. The inspector
// keeps slices of the token, so it gets its own copy.
func addToken(t *Transcript, initiator, sent bool, b []byte) {
	if len(b) == 0 {
		return
	}
	d := InitiatorToAcceptor
	if sent != initiator {
		d = AcceptorToInitiator
	}
	t.Add(d, append([]byte(nil), b...))
}

// lastCheck records the verification result of the MIC in the token just
// received.
func (c *conversation) lastCheck(check MICCheck) {
	if c.transcript != nil && len(c.transcript.Reports) > 0 {
		c.transcript.SetMICCheck(len(c.transcript.Reports)-1, check)
	}
}

func (c *conversation) setMechTypes(mechs []gss.OID, raw []byte) {
	c.mechTypes = mechs
	c.rawMechTypes = raw
	c.record.MechTypes = mechs
	if len(mechs) > 0 {
		c.record.FirstOffered = mechs[0]
	}
}

func (c *conversation) setSelected(idx int) {
	c.selectedIdx = idx
	c.selected = c.mechTypes[idx]
	c.record.Selected = c.selected
	c.record.Downgrade = !c.selectedIsFirst()
}

func (c *conversation) selectedIsFirst() bool {
	return len(c.mechTypes) > 0 && sameMech(c.selected, c.mechTypes[0])
}

// feed passes a mechanism token to the mechanism context.
func (c *conversation) feed(in []byte) ([]byte, error) {
	if c.mechDone {
		return nil, protocolErr("mechanism token received after the mechanism completed")
	}
	out, err := c.mech.Continue(in)
	if len(out) == 0 {
		out = nil // some backends return an empty, non-nil token: it is no token
	}
	if err != nil {
		return out, engineErr(ErrRejected, "", "mechanism "+c.selected.MechName()+" failed", err)
	}
	c.mechDone = !c.mech.ContinueNeeded()
	if c.mechDone {
		if err := c.checkInnerMech(); err != nil {
			return nil, err
		}
		c.noteDelegation()
	}
	return out, nil
}

// checkInnerMech makes sure the mechanism that completed is the one that
// was selected: a rewritten supportedMech must not pair with another
// mechanism's tokens.
func (c *conversation) checkInnerMech() error {
	info, err := c.mechInfo()
	if err != nil || info.Mech == "" {
		return nil // the backend cannot tell; the MIC rules still apply
	}
	if !sameMech(info.Mech, providerMech(c.selected)) {
		return engineErr(ErrDowngrade, "inner-mech-mismatch", "selected "+c.selected.MechName()+" but the mechanism tokens are "+info.Mech.MechName(), nil)
	}
	return nil
}

// noteNTLM records whether an NTLM AUTHENTICATE (sent or received) carries
// its own MIC, which makes the mechListMIC mandatory (MS-SPNG §3.1.5.1).
func (c *conversation) noteNTLM(tok []byte) {
	if c.selected != gss.MechNTLMSSP || len(tok) == 0 {
		return
	}
	if info, err := mechtoken.Sniff(tok); err == nil && ntlmHasMIC(info) {
		c.ntlmAuthMIC = true
	}
}

// receiveMIC checks the peer's mechListMIC, if the token has one.
func (c *conversation) receiveMIC(t *Token) error {
	if t.MechListMIC == nil {
		return nil
	}
	if t.MICIsResponseTokenCopy {
		if c.cfg.Profile == ProfileStrict {
			return engineErr(ErrMICUnexpected, ResultMICCopy, "mechListMIC is a copy of the responseToken", nil)
		}
		return nil // Windows 2000 quirk: treat as absent
	}
	if !c.mechDone {
		return engineErr(ErrMICUnexpected, ResultMICTooEarly, "mechListMIC arrived before the mechanism completed", nil)
	}
	if c.micReceived {
		return engineErr(ErrMICUnexpected, ResultMICDuplicate, "second mechListMIC from the same peer", nil)
	}
	if err := c.mech.VerifyMIC(c.rawMechTypes, t.MechListMIC); err != nil {
		c.lastCheck(MICInvalid)
		return engineErr(ErrMICInvalid, "verify", "verify "+c.peerName()+" mechListMIC", err)
	}
	c.lastCheck(MICValid)
	c.resetNTLMCrypto(true)
	c.peerMIC = t.MechListMIC
	c.micReceived = true
	c.record.MICReceived = true
	return nil
}

func (c *conversation) peerName() string {
	if c.initiator {
		return "acceptor"
	}
	return "initiator"
}

// micDecision runs the policy once the mechanism is complete and returns
// the rule that makes the MIC exchange due, or "".
func (c *conversation) micDecision() (string, error) {
	if !c.mechHasInteg() {
		if c.cfg.Profile == ProfileStrict {
			return "", engineErr(ErrNoIntegrity, RuleStrictProfile, "selected mechanism has no integrity, so no mechListMIC can protect the negotiation", nil)
		}
		return "", nil
	}
	rule := DueRule(MICFacts{
		Profile:             c.cfg.Profile,
		Downgrade:           !c.selectedIsFirst(),
		RequestMIC:          c.micRequested,
		NTLMAuthenticateMIC: c.ntlmAuthMIC,
		ExtraLeg:            !c.oneRound,
		Kerberos:            c.selected.IsKerberos(),
		NewEnctype:          c.newEnctype(),
	})
	if rule == "" && c.micReceived {
		rule = RulePeerSentMIC
	}
	c.micRule = rule
	c.record.MICRule = rule
	return rule, nil
}

// newEnctype says whether the context signs with RFC 4121 tokens: the
// backend's session key inquiry first (it sees any acceptor subkey), then
// the format of a MIC the peer sent.
func (c *conversation) newEnctype() string {
	if c.record.NewEnctype != "" {
		return c.record.NewEnctype
	}
	c.record.NewEnctype = "unknown"
	if info, err := c.mechInfo(); err == nil && info.SessionKeyEnctype != gss.EnctypeUnknown {
		c.record.Enctype = info.SessionKeyEnctype
		c.record.NewEnctype, c.record.EnctypeSource = yesNo(info.SessionKeyEnctype.UsesRFC4121Tokens()), "session key inquiry"
	} else if c.peerMIC != nil {
		if info, err := mechtoken.Sniff(c.peerMIC); err == nil {
			if isNew, known := info.NewEnctype(); known {
				c.record.NewEnctype, c.record.EnctypeSource = yesNo(isNew), "peer MIC token format"
			}
		}
	}
	return c.record.NewEnctype
}

func (c *conversation) mechHasInteg() bool {
	info, err := c.mechInfo()
	return err != nil || info.Flags&gss.FlagInteg != 0 // unknown: assume it has
}

// mechInfo inquires the completed mechanism context once: the inner-mech
// check, the integrity test and the etype evidence all read the same
// answer, and each inquiry is several library calls.
func (c *conversation) mechInfo() (*gss.SecContextInfo, error) {
	if c.mechInfoCache == nil && c.mechDone {
		info, err := gss.InquireMech(c.mech)
		if err != nil {
			return nil, err
		}
		c.mechInfoCache = info
	}
	if c.mechInfoCache == nil {
		return gss.InquireMech(c.mech)
	}
	return c.mechInfoCache, nil
}

// ownMIC produces this side's mechListMIC if one is due and not yet sent.
func (c *conversation) ownMIC() ([]byte, error) {
	if c.micSent || (c.micRule == "" && !c.micReceived) {
		return nil, nil
	}
	mic, err := c.mech.GetMIC(c.rawMechTypes)
	if err != nil {
		return nil, engineErr(ErrMICInvalid, c.micRule, "generate mechListMIC", err)
	}
	c.micSent = true
	c.record.MICSent = true
	c.resetNTLMCrypto(false)
	return mic, nil
}

// ntlmResetCrypto is gss-ntlmssp's GSS_NTLMSSP_RESET_CRYPTO_OID.
var ntlmResetCrypto = gss.MustParseOID("1.3.6.1.4.1.7165.655.1.3")

// resetNTLMCrypto puts NTLM's RC4 state back after a mechListMIC was made
// (verify false) or checked (verify true), as MS-SPNG §3.2.5.1 requires and
// MIT's SPNEGO does: without it the first application message after the
// MIC exchange fails against Windows and MIT peers. Backends without the
// option (SSPI resets inside its NTLM package) are left alone.
func (c *conversation) resetNTLMCrypto(verify bool) {
	if c.selected != gss.MechNTLMSSP {
		return
	}
	if o, ok := c.mech.(gss.ContextOptionSetter); ok {
		v := []byte{0, 0, 0, 0}
		if verify {
			binary.NativeEndian.PutUint32(v, 1)
		}
		_ = o.SetOption(ntlmResetCrypto, v) // a mechanism without the option has nothing to reset
	}
}

// needPeerMIC: the peer owes us a MIC when the policy made it due, or when
// we sent one (RFC 4178 §5: a MIC received makes one sent mandatory).
func (c *conversation) needPeerMIC() bool {
	return (c.micRule != "" || c.micSent) && !c.micReceived
}

// parseResp reads a token that must be a NegTokenResp.
func parseResp(in []byte) (*Token, error) {
	t, err := Parse(in)
	if err != nil {
		return nil, err
	}
	if t.Kind != KindResp {
		return nil, protocolErr("got a %v where a NegTokenResp belongs", t.Kind)
	}
	return t, nil
}
