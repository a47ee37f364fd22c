package negotiate

import (
	"fmt"
	"strings"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/negotiate/mechtoken"
)

// Profile selects how strictly the mechListMIC rules of docs/design.md are applied.
type Profile uint8

// Profiles. The zero value is the Windows profile, the default.
const (
	// ProfileWindows follows what Windows peers do: no MIC after a plain
	// optimistic Kerberos exchange, MICs after an extra leg with a new
	// enctype and whenever NTLM AUTHENTICATE carried its own MIC.
	ProfileWindows Profile = iota
	// ProfileRFC4178 requires MICs only where RFC 4178 §5 does.
	ProfileRFC4178
	// ProfileStrict requires MICs in both directions in every exchange.
	ProfileStrict
)

// String returns "windows", "rfc4178" or "strict".
func (p Profile) String() string {
	switch p {
	case ProfileWindows:
		return "windows"
	case ProfileRFC4178:
		return "rfc4178"
	case ProfileStrict:
		return "strict"
	}
	return fmt.Sprintf("profile(%d)", uint8(p))
}

// MarshalText makes JSON show the profile name.
func (p Profile) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// ParseProfile maps "windows", "rfc4178" or "strict" (any case) to a Profile.
func ParseProfile(s string) (Profile, error) {
	switch strings.ToLower(s) {
	case "windows", "":
		return ProfileWindows, nil
	case "rfc4178", "rfc":
		return ProfileRFC4178, nil
	case "strict":
		return ProfileStrict, nil
	}
	return 0, fmt.Errorf("negotiate: unknown profile %q (want windows, rfc4178 or strict)", s)
}

// Direction says who sent a token.
type Direction uint8

// Directions.
const (
	InitiatorToAcceptor Direction = iota + 1 // "i2a"
	AcceptorToInitiator                      // "a2i"
)

// String returns "i2a" or "a2i".
func (d Direction) String() string {
	switch d {
	case InitiatorToAcceptor:
		return "i2a"
	case AcceptorToInitiator:
		return "a2i"
	}
	return fmt.Sprintf("direction(%d)", uint8(d))
}

// MarshalText makes JSON show "i2a" or "a2i".
func (d Direction) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Reverse returns the other direction.
func (d Direction) Reverse() Direction {
	if d == InitiatorToAcceptor {
		return AcceptorToInitiator
	}
	return InitiatorToAcceptor
}

// MICCheck is the verification result of one mechListMIC. The inspector
// has no keys and leaves it MICUnchecked; the engine, which holds the
// mechanism context, records the result of VerifyMIC here.
type MICCheck uint8

// MIC verification states.
const (
	MICUnchecked MICCheck = iota
	MICValid
	MICInvalid
)

// String returns "unchecked", "valid" or "invalid".
func (c MICCheck) String() string {
	switch c {
	case MICUnchecked:
		return "unchecked"
	case MICValid:
		return "valid"
	case MICInvalid:
		return "invalid"
	}
	return fmt.Sprintf("miccheck(%d)", uint8(c))
}

// MarshalText makes JSON show the state name.
func (c MICCheck) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// Rules that make a mechListMIC due, as named in MICStatus.Rule and errors.
const (
	RuleSelectedNotFirst       = "selected-not-first"        // S ≠ F: RFC 4178 §5
	RulePeerRequestedMIC       = "peer-requested-mic"        // acceptor answered request-mic
	RulePeerSentMIC            = "peer-sent-mic"             // the other side sent one: answer it
	RuleNTLMAuthenticateMIC    = "ntlm-authenticate-mic"     // MS-SPNG <8>: AUTHENTICATE carried a MIC
	RuleExtraLegNewEnctype     = "extra-leg-new-enctype"     // Kerberos needed an extra leg, RFC 4121 enctype
	RuleExtraLegEnctypeUnknown = "extra-leg-enctype-unknown" // same, enctype not visible: fail safe
	RuleStrictProfile          = "strict-profile"            // strict: every exchange
)

// Overall verdicts (Verdict.Result).
const (
	ResultOK                  = "ok"
	ResultIncomplete          = "incomplete"            // exchange not finished
	ResultPartial             = "partial"               // starts mid-exchange (Policy.AllowPartial): decoded, judged only where the earlier tokens do not matter
	ResultMalformed           = "malformed"             // a token failed to parse
	ResultNotSPNEGO           = "not-spnego"            // bare mechanism tokens, no SPNEGO
	ResultProtocolError       = "protocol-error"        // tokens in an impossible order or shape
	ResultRejected            = "rejected"              // negState reject
	ResultMICMissing          = "mic-missing"           // a due MIC was not sent
	ResultDowngradeWithoutMIC = "downgrade-without-mic" // same, and S ≠ F
	ResultMICInvalid          = "mic-invalid"           // the engine found a MIC invalid
	ResultMICUnexpected       = "mic-unexpected"        // unsolicited MIC in a first-leg accept-completed reply (Windows profile)
	ResultMICDuplicate        = "mic-duplicate"         // second MIC from the same side
	ResultMICTooEarly         = "mic-before-complete"   // MIC before the sender's mechanism completed
	ResultMICCopy             = "mic-copy-rejected"     // Windows 2000 copy of responseToken, strict profile
	ResultNoIntegrity         = "no-integrity"          // strict profile, mechanism without integrity
)

// Policy evaluates transcripts against the mechListMIC rules.
type Policy struct {
	Profile Profile
	// SessionEnctype is the established Kerberos context's session key
	// enctype when the engine knows it (MIT inquiry, SSPI KEY_INFO); it is
	// used when no MIC token shows the format. Zero means unknown.
	SessionEnctype gss.Enctype
	// AllowPartial says the transcript may start in the middle of an
	// exchange: a header pasted on its own, a capture started late. A
	// NegTokenResp with nothing before it then gives ResultPartial (what
	// can be decided without the earlier tokens is decided, the rest is
	// listed in Verdict.Undecided) instead of a protocol error. Engines
	// leave it false: they see every token of their own exchange.
	AllowPartial bool
}

// MICStatus is the policy's view of one side's mechListMIC.
type MICStatus struct {
	// Due says whether the policy requires this side to send a MIC.
	Due bool `json:"due"`
	// Rule names why it is due (one of the Rule constants), empty if not due.
	Rule string `json:"rule,omitempty"`
	// Present says whether this side sent a real MIC (a Windows 2000 copy of
	// responseToken does not count).
	Present bool `json:"present"`
	// Token is the index of the token that carried it, -1 if none.
	Token int `json:"token"`
	// Format is the MIC's token format (see MIC.Format).
	Format string `json:"format,omitempty"`
	// Check is the verification result recorded by the engine.
	Check MICCheck `json:"check"`
}

// String describes the status in one phrase for people, e.g.
// "due (selected-not-first), present in token 3 (rfc4121, valid)".
func (s MICStatus) String() string {
	due := "not due"
	if s.Due {
		due = "due (" + s.Rule + ")"
	}
	if !s.Present {
		return due + ", absent"
	}
	return fmt.Sprintf("%s, present in token %d (%s, %s)", due, s.Token, s.Format, s.Check)
}

// EtypeEvidence collects what the tokens say about Kerberos enctypes.
type EtypeEvidence struct {
	// Ticket is the service ticket's enc-part enctype (long-term key), 0 if unseen.
	Ticket gss.Enctype `json:"ticket,omitempty"`
	// Session is the ticket session key enctype (authenticator or AP-REP enc-part).
	Session gss.Enctype `json:"session,omitempty"`
	// MICFormat is "rfc4121" or "rfc1964" if a Kerberos MIC was seen.
	MICFormat string `json:"micFormat,omitempty"`
	// NewEnctype is "yes", "no" or "unknown": whether the context signs with
	// RFC 4121 tokens. A MIC token is the best evidence (it reflects any
	// acceptor subkey), then the engine's session enctype, then the session
	// key seen in AP-REQ/AP-REP.
	NewEnctype string `json:"newEnctype"`
	// Source says which evidence decided NewEnctype.
	Source string `json:"source,omitempty"`
}

// Verdict is the outcome of applying the policy to a transcript so far.
// Evaluated on a partial transcript it says what each side owes next.
type Verdict struct {
	Profile Profile `json:"profile"`
	// Result is one of the Result constants.
	Result string `json:"result"`
	// Reason explains Result in one sentence.
	Reason string `json:"reason,omitempty"`
	// Complete says whether the exchange has finished (accept-completed seen).
	Complete bool `json:"complete"`
	// FirstMech is the initiator's most preferred mechanism (F).
	FirstMech gss.OID `json:"-"`
	// SelectedMech is the mechanism the acceptor chose (S).
	SelectedMech gss.OID `json:"-"`
	// FirstMechName and SelectedMechName are their dotted forms, for JSON.
	FirstMechName    string `json:"firstMech,omitempty"`
	SelectedMechName string `json:"selectedMech,omitempty"`
	// Downgrade says whether S ≠ F, counting all Kerberos OIDs as one mechanism.
	Downgrade bool `json:"downgrade"`
	// RequestMIC says whether the acceptor answered request-mic.
	RequestMIC bool `json:"requestMic"`
	// OptimisticAccepted says whether the initiator's optimistic token was used.
	OptimisticAccepted bool `json:"optimisticAccepted"`
	// ExtraLeg says whether the selected mechanism needed a mechanism token
	// from the initiator after the first reply (no or refused optimistic
	// token, DCE style, NTLM).
	ExtraLeg bool `json:"extraLeg"`
	// NTLMAuthenticateMIC says whether NTLM AUTHENTICATE carried its own MIC.
	NTLMAuthenticateMIC bool `json:"ntlmAuthenticateMic"`
	// NoIntegrity says the selected mechanism negotiated no integrity (NTLM
	// AUTHENTICATE without NTLMSSP_NEGOTIATE_SIGN): no MIC can be exchanged.
	NoIntegrity bool `json:"noIntegrity,omitempty"`
	// Etype is the enctype evidence.
	Etype EtypeEvidence `json:"etype"`
	// Initiator and Acceptor say which MICs are due and which were sent.
	Initiator MICStatus `json:"initiatorMic"`
	Acceptor  MICStatus `json:"acceptorMic"`
	// Quirks lists tolerated peer oddities seen (e.g. "mic-copy-of-response-token").
	Quirks []string `json:"quirks,omitempty"`
	// Partial says the transcript starts in the middle of an exchange
	// (Policy.AllowPartial): Result is then "partial" unless something the
	// visible tokens alone prove (a reject, a malformed token, a duplicate
	// MIC, a MIC the acceptor owed and never sent) decides otherwise.
	Partial bool `json:"partial,omitempty"`
	// Undecided lists, for a partial transcript, what cannot be decided
	// without the earlier tokens.
	Undecided []string `json:"undecided,omitempty"`
}

// Side returns the MICStatus of the sender of direction d.
func (v *Verdict) Side(d Direction) *MICStatus {
	if d == AcceptorToInitiator {
		return &v.Acceptor
	}
	return &v.Initiator
}

// OK reports whether the exchange finished and passed the policy.
func (v *Verdict) OK() bool { return v.Result == ResultOK }

// Err returns nil for "ok" and otherwise an error wrapping the matching
// sentinel (ResultKind: ErrMICMissing, ErrDowngrade, ...) that names the
// rule; a malformed token's wraps mechtoken.ErrMalformed instead.
func (v *Verdict) Err() error {
	switch v.Result {
	case ResultOK:
		return nil
	case ResultMalformed:
		return fmt.Errorf("negotiate: %s: %w", v.Reason, mechtoken.ErrMalformed)
	}
	return fmt.Errorf("%w: %s (%s)", ResultKind(v.Result), v.Reason, v.Result)
}

// mechFamily groups the OIDs whose tokens look alike: every Kerberos OID,
// user-to-user included, is "krb5".
func mechFamily(o gss.OID) string {
	if o.IsKerberos() || o == gss.MechKRB5U2U {
		return "krb5"
	}
	return string(o)
}

// sameMech compares mechanisms, counting every Kerberos OID as one.
func sameMech(a, b gss.OID) bool {
	return a == b || a.IsKerberos() && b.IsKerberos()
}

// Evaluate applies the policy to reports, in order. It is a pure function
// of its inputs: the engine calls it after every token, sent or received,
// to learn what is due next; the inspector calls it once at the end.
func (p Policy) Evaluate(reports []Report) Verdict {
	e := evaluator{p: p}
	e.v = Verdict{Profile: p.Profile, Initiator: MICStatus{Token: -1}, Acceptor: MICStatus{Token: -1}}
	for i := range reports {
		if !e.observe(&reports[i]) {
			break
		}
	}
	e.finish()
	return e.v
}

// evaluator is the state Evaluate threads through the transcript.
type evaluator struct {
	p Policy
	v Verdict

	fatal, fatalReason string

	spnego, raw     int
	init            *Report // initiator's NegTokenInit
	optimistic      *Inner  // its mechToken
	replies         int     // acceptor NegTokenResps seen
	selected        bool
	completedBy     Direction
	lastIndex       int
	firstReplyIndex int
	firstReplyState NegState

	// progress: whether each side's selected mechanism has completed, and
	// whether that can be judged at all (known mechanism, readable tokens).
	judged     bool
	initDone   bool
	acceptDone bool

	micFormatNew string // "yes"/"no" from Kerberos MIC tokens

	// partial: the transcript started with a NegTokenResp (AllowPartial);
	// sawFirstReply: one of its acceptor tokens can only be the first reply
	// (it carries supportedMech or request-mic), so everything from there on
	// is visible and only the NegTokenInit is missing.
	partial, sawFirstReply bool
	partialStart           int
}

func (e *evaluator) fail(result, format string, args ...any) bool {
	if e.fatal == "" {
		e.fatal, e.fatalReason = result, fmt.Sprintf(format, args...)
	}
	return false
}

func (e *evaluator) quirk(q string) {
	for _, x := range e.v.Quirks {
		if x == q {
			return
		}
	}
	e.v.Quirks = append(e.v.Quirks, q)
}

// observe folds one token into the state; false stops evaluation.
func (e *evaluator) observe(r *Report) bool {
	e.lastIndex = r.Index
	if r.Error != nil {
		return e.fail(ResultMalformed, "token %d (%s): %v", r.Index, r.Direction, r.Error)
	}
	t := r.Token
	if t == nil {
		e.raw++
		if e.spnego > 0 {
			return e.fail(ResultProtocolError, "token %d: bare mechanism token inside a SPNEGO exchange", r.Index)
		}
		return true
	}
	e.spnego++
	if e.raw > 0 {
		return e.fail(ResultProtocolError, "token %d: SPNEGO token after bare mechanism tokens", r.Index)
	}
	if t.Framed {
		e.quirk("framed-negtokenresp")
	}
	switch {
	case t.Kind != KindResp && r.Direction == AcceptorToInitiator:
		// Server-initiated NegTokenInit2 (MS-SPNG §3.2.5.2): a hint only.
		if e.init != nil || e.partial {
			return e.fail(ResultProtocolError, "token %d: acceptor NegTokenInit after the negotiation started", r.Index)
		}
		return true
	case t.Kind != KindResp:
		if e.init != nil {
			return e.fail(ResultProtocolError, "token %d: second NegTokenInit from the initiator", r.Index)
		}
		if e.partial {
			return e.fail(ResultProtocolError, "token %d: NegTokenInit after NegTokenResps: two exchanges in one transcript", r.Index)
		}
		if len(t.MechTypes) == 0 {
			return e.fail(ResultProtocolError, "token %d: initiator NegTokenInit without mechTypes", r.Index)
		}
		e.init = r
		e.optimistic = r.MechToken
		e.v.FirstMech = t.MechTypes[0]
	case e.init == nil && !e.partial && !e.p.AllowPartial:
		return e.fail(ResultProtocolError, "token %d: NegTokenResp before the initiator's NegTokenInit", r.Index)
	case e.init == nil:
		if !e.partialResp(r) {
			return false
		}
	case r.Direction == AcceptorToInitiator:
		if !e.acceptorReply(r) {
			return false
		}
	default:
		if e.replies == 0 {
			return e.fail(ResultProtocolError, "token %d: initiator NegTokenResp before any acceptor reply", r.Index)
		}
		if t.SupportedMech != "" {
			return e.fail(ResultProtocolError, "token %d: supportedMech sent by the initiator", r.Index)
		}
		if r.MechToken != nil {
			e.v.ExtraLeg = true
		}
	}
	if t.NegState == NegStateReject {
		return e.fail(ResultRejected, "token %d: %s sent negState reject", r.Index, r.Direction)
	}
	if t.Kind == KindResp && t.NegState == NegStateAcceptCompleted && e.completedBy == 0 {
		e.completedBy = r.Direction
	}
	// The sender's mechanism advances by producing the token before the MIC
	// in the same token is judged.
	if e.selected && !e.progress(r.Index, r.MechToken) {
		return false
	}
	return e.mic(r)
}

// acceptorReply handles an acceptor NegTokenResp.
func (e *evaluator) acceptorReply(r *Report) bool {
	t := r.Token
	e.replies++
	if e.replies > 1 {
		if t.SupportedMech != "" && !sameMech(t.SupportedMech, e.v.SelectedMech) {
			return e.fail(ResultProtocolError, "token %d: supportedMech changed to %s", r.Index, t.SupportedMech)
		}
		if t.NegState == NegStateRequestMIC {
			return e.fail(ResultProtocolError, "token %d: request-mic after the first reply", r.Index)
		}
		return true
	}
	e.firstReplyIndex, e.firstReplyState = r.Index, t.NegState
	if t.NegState == NegStateAbsent {
		e.quirk("first-reply-without-negstate")
	}
	sel := t.SupportedMech
	if sel == "" {
		if t.NegState == NegStateReject {
			return true
		}
		// Windows 2000 omits supportedMech when it takes the optimistic token.
		sel = e.v.FirstMech
		e.quirk("supportedmech-omitted")
	}
	offered := false
	for _, m := range e.init.Token.MechTypes {
		if m == sel {
			offered = true
			break
		}
	}
	if !offered {
		return e.fail(ResultProtocolError, "token %d: supportedMech %s was not offered", r.Index, sel)
	}
	e.selected = true
	e.v.SelectedMech = sel
	e.v.Downgrade = !sameMech(sel, e.v.FirstMech)
	e.v.RequestMIC = t.NegState == NegStateRequestMIC
	e.judged = sel.IsKerberos() || sel == gss.MechNTLMSSP
	if !e.v.Downgrade && e.optimistic != nil {
		e.v.OptimisticAccepted = t.NegState != NegStateRequestMIC || r.MechToken != nil
		if !e.progress(e.init.Index, e.optimistic) {
			return false
		}
	}
	if e.optimistic == nil || !e.v.OptimisticAccepted {
		e.v.ExtraLeg = true
	}
	return true
}

// progress records what a mechanism token of the selected mechanism tells
// about each side's completion and the enctypes.
func (e *evaluator) progress(index int, in *Inner) bool {
	if in == nil {
		return true
	}
	if in.Mech == "unknown" || in.Error != "" {
		e.judged = false
	}
	// A recognizable token of another mechanism than the selected one means
	// the peers disagree on the mechanism: what a downgrade looks like.
	if m := in.Info.Kind.Mech(); m != "" && mechFamily(m) != mechFamily(e.v.SelectedMech) {
		return e.fail(ResultProtocolError, "token %d: %s mechanism token, but %s was selected", index, in.Mech, e.v.SelectedMech.MechName())
	}
	if in.NTLMHasMIC {
		e.v.NTLMAuthenticateMIC = true
	}
	if in.Info.Kind == mechtoken.KindNTLMAuthenticate && in.Info.NTLM.Flags&mechtoken.NTLMFlagSign == 0 {
		e.v.NoIntegrity = true
	}
	if in.TicketEtype != 0 {
		e.v.Etype.Ticket = in.TicketEtype
	}
	if in.SessionEtype != 0 {
		e.v.Etype.Session = in.SessionEtype
	}
	switch in.Message {
	case "AP-REQ":
		// The acceptor completes on AP-REQ (DCE style: after the third leg,
		// which is not distinguishable here); the initiator only without mutual.
		e.acceptDone = true
		if !in.Mutual {
			e.initDone = true
		}
	case "AP-REP":
		// The acceptor's AP-REP completes the initiator (the initiator's own
		// AP-REP in DCE style's third leg changes nothing here).
		e.initDone = true
	case "AUTHENTICATE":
		e.initDone, e.acceptDone = true, true
	}
	return true
}

// mic records and checks the mechListMIC of r, if any.
func (e *evaluator) mic(r *Report) bool {
	t := r.Token
	if t.MechListMIC == nil {
		return true
	}
	if t.MICIsResponseTokenCopy {
		if e.p.Profile == ProfileStrict {
			return e.fail(ResultMICCopy, "token %d: mechListMIC is a copy of responseToken (Windows 2000); the strict profile rejects it", r.Index)
		}
		e.quirk("mic-copy-of-response-token")
		return true
	}
	st := e.v.Side(r.Direction)
	if st.Present {
		return e.fail(ResultMICDuplicate, "token %d: second mechListMIC from the %s (first in token %d)", r.Index, sideName(r.Direction), st.Token)
	}
	st.Present, st.Token, st.Check = true, r.Index, r.MICCheck
	if r.MIC != nil {
		st.Format = r.MIC.Format
		switch r.MIC.Format {
		case "rfc4121":
			e.micFormatNew, e.v.Etype.MICFormat = "yes", "rfc4121"
		case "rfc1964":
			if e.micFormatNew == "" {
				e.micFormatNew, e.v.Etype.MICFormat = "no", "rfc1964"
			}
		}
	}
	if e.tooEarly(r) {
		return e.fail(ResultMICTooEarly, "token %d: mechListMIC from the %s before its mechanism completed", r.Index, sideName(r.Direction))
	}
	return true
}

// tooEarly says whether r's sender cannot have a complete mechanism yet.
func (e *evaluator) tooEarly(r *Report) bool {
	if e.partial {
		// The tokens that completed the mechanisms may be the missing ones.
		return false
	}
	if !e.selected {
		// A MIC in NegTokenInit: only an optimistic token that completes the
		// initiator's mechanism by itself (Kerberos without mutual) allows it.
		o := e.optimistic
		if o == nil {
			return true
		}
		switch o.Message {
		case "AP-REQ":
			return o.Mutual
		case "NEGOTIATE", "CHALLENGE":
			return true
		}
		return false
	}
	if !e.judged {
		return false
	}
	if r.Direction == InitiatorToAcceptor {
		return !e.initDone
	}
	return !e.acceptDone
}

func sideName(d Direction) string {
	if d == AcceptorToInitiator {
		return "acceptor"
	}
	return "initiator"
}

// newEnctype decides the "new enctype" question from the best evidence.
func (e *evaluator) newEnctype() {
	ev := &e.v.Etype
	switch {
	case e.micFormatNew != "":
		ev.NewEnctype, ev.Source = e.micFormatNew, "mic-token"
	case e.p.SessionEnctype != 0:
		ev.NewEnctype, ev.Source = yesNo(e.p.SessionEnctype.UsesRFC4121Tokens()), "engine-session-enctype"
	case ev.Session != 0:
		ev.NewEnctype, ev.Source = yesNo(ev.Session.UsesRFC4121Tokens()), "session-key-etype"
	default:
		ev.NewEnctype = "unknown"
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// due fills in which MICs are required and why.
func (e *evaluator) due() {
	v := &e.v
	if v.NoIntegrity {
		// RFC 4178 §5: no MIC without integrity; the strict profile refuses
		// the mechanism instead (finish).
		return
	}
	rule := DueRule(MICFacts{
		Profile:             e.p.Profile,
		Downgrade:           v.Downgrade,
		RequestMIC:          v.RequestMIC,
		NTLMAuthenticateMIC: v.NTLMAuthenticateMIC,
		ExtraLeg:            v.ExtraLeg,
		Kerberos:            v.SelectedMech.IsKerberos(),
		NewEnctype:          v.Etype.NewEnctype,
	})
	if rule != "" {
		for _, s := range []*MICStatus{&v.Initiator, &v.Acceptor} {
			if !s.Due {
				s.Due, s.Rule = true, rule
			}
		}
	}
	// Receiving a MIC obliges the receiver to answer with its own (RFC 4178
	// §5, MIT process_mic).
	if v.Initiator.Present && !v.Acceptor.Due {
		v.Acceptor.Due, v.Acceptor.Rule = true, RulePeerSentMIC
	}
	if v.Acceptor.Present && !v.Initiator.Due {
		v.Initiator.Due, v.Initiator.Rule = true, RulePeerSentMIC
	}
}

// finish derives the dues and the overall result.
func (e *evaluator) finish() {
	v := &e.v
	v.FirstMechName = oidName(v.FirstMech)
	v.SelectedMechName = oidName(v.SelectedMech)
	e.newEnctype()
	if e.selected || e.partial {
		e.due()
	}
	v.Complete = e.completedBy != 0
	v.Partial = e.partial
	switch {
	case e.fatal != "":
		v.Result, v.Reason = e.fatal, e.fatalReason
		return
	case e.spnego == 0 && e.raw > 0:
		v.Result, v.Reason = ResultNotSPNEGO, "bare mechanism tokens: no SPNEGO, no mechListMIC"
		return
	case e.partial:
		e.finishPartial()
		return
	case e.init == nil:
		v.Result, v.Reason = ResultIncomplete, "no NegTokenInit from the initiator yet"
		return
	case !e.selected:
		v.Result, v.Reason = ResultIncomplete, "no reply from the acceptor yet"
		return
	}
	if v.NoIntegrity && e.p.Profile == ProfileStrict {
		v.Result, v.Reason = ResultNoIntegrity, "the selected mechanism negotiated no integrity; the strict profile refuses it"
		return
	}
	// An unsolicited acceptor MIC in a first-leg accept-completed reply.
	if e.p.Profile == ProfileWindows && v.Acceptor.Present && v.Acceptor.Token == e.firstReplyIndex &&
		e.firstReplyState == NegStateAcceptCompleted && v.Acceptor.Rule == "" {
		v.Result, v.Reason = ResultMICUnexpected, fmt.Sprintf("token %d: unsolicited mechListMIC in a first-leg accept-completed reply", v.Acceptor.Token)
		return
	}
	for _, d := range []Direction{InitiatorToAcceptor, AcceptorToInitiator} {
		if st := v.Side(d); st.Present && st.Check == MICInvalid {
			v.Result, v.Reason = ResultMICInvalid, fmt.Sprintf("token %d: %s mechListMIC failed verification", st.Token, sideName(d))
			return
		}
	}
	if !v.Complete {
		v.Result, v.Reason = ResultIncomplete, "no accept-completed yet"
		if missing := e.missing(); missing != "" {
			v.Reason += "; still due: " + missing
		}
		return
	}
	if missing := e.missing(); missing != "" {
		// The initiator may still answer an acceptor MIC that came last.
		if !v.Initiator.Present && v.Initiator.Rule == RulePeerSentMIC && v.Acceptor.Token == e.lastIndex {
			v.Result, v.Reason = ResultIncomplete, "initiator has not answered the acceptor's mechListMIC yet"
			return
		}
		v.Result = ResultMICMissing
		if v.Downgrade {
			v.Result = ResultDowngradeWithoutMIC
		}
		v.Reason = "no mechListMIC from " + missing
		return
	}
	v.Result = ResultOK
	v.Reason = "no mechListMIC due"
	if v.Initiator.Due || v.Acceptor.Due {
		v.Reason = "every due mechListMIC present"
	}
}

// missing lists due but absent MICs as "initiator (rule)".
func (e *evaluator) missing() string {
	var out []string
	for _, d := range []Direction{InitiatorToAcceptor, AcceptorToInitiator} {
		if st := e.v.Side(d); st.Due && !st.Present {
			out = append(out, fmt.Sprintf("%s (%s)", sideName(d), st.Rule))
		}
	}
	return strings.Join(out, ", ")
}

func oidName(o gss.OID) string {
	if o == "" {
		return ""
	}
	return o.String()
}
