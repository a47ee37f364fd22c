package negotiate

import (
	"fmt"
	"strings"
)

// A transcript that starts in the middle of an exchange — one server token
// pasted from a browser's developer tools, a capture started after the
// NegTokenInit — is partial, not a protocol violation. What the missing
// NegTokenInit carried (the initiator's mechanism list, hence F, and its
// optimistic token) decides whether the exchange was a downgrade and
// whether an extra leg happened; nothing in the later tokens can stand in
// for it. The functions here decide what the visible tokens alone prove and
// list the rest in Verdict.Undecided.

// partialResp folds a NegTokenResp of a transcript that began mid-exchange.
func (e *evaluator) partialResp(r *Report) bool {
	t := r.Token
	if !e.partial {
		e.partial, e.partialStart = true, r.Index
	}
	if r.Direction == InitiatorToAcceptor {
		if !e.sawFirstReply {
			return true
		}
		if t.SupportedMech != "" {
			return e.fail(ResultProtocolError, "token %d: supportedMech sent by the initiator", r.Index)
		}
		if r.MechToken != nil {
			// A mechanism token after the first reply: an extra leg, whatever
			// the NegTokenInit held.
			e.v.ExtraLeg = true
		}
		return true
	}
	e.replies++
	// RFC 4178 §4.2.2: supportedMech only in the first reply, and
	// request-mic only there too.
	first := t.SupportedMech != "" || t.NegState == NegStateRequestMIC
	if !first {
		return true
	}
	if e.sawFirstReply {
		if t.SupportedMech != "" && !sameMech(t.SupportedMech, e.v.SelectedMech) {
			return e.fail(ResultProtocolError, "token %d: supportedMech changed to %s", r.Index, t.SupportedMech)
		}
		if t.NegState == NegStateRequestMIC {
			return e.fail(ResultProtocolError, "token %d: request-mic after the first reply", r.Index)
		}
		return true
	}
	e.sawFirstReply = true
	e.firstReplyIndex, e.firstReplyState = r.Index, t.NegState
	e.v.RequestMIC = t.NegState == NegStateRequestMIC
	if t.SupportedMech != "" {
		e.selected = true
		e.v.SelectedMech = t.SupportedMech
		// Completion of each side hangs on tokens that may be missing.
		e.judged = false
	}
	return true
}

// finishPartial sets the result of a transcript that began mid-exchange.
func (e *evaluator) finishPartial() {
	v := &e.v
	for _, d := range []Direction{InitiatorToAcceptor, AcceptorToInitiator} {
		if st := v.Side(d); st.Present && st.Check == MICInvalid {
			v.Result, v.Reason = ResultMICInvalid, fmt.Sprintf("token %d: %s mechListMIC failed verification", st.Token, sideName(d))
			return
		}
	}
	// Every acceptor token from the first reply on is visible, and an
	// acceptor MIC can only travel in a NegTokenResp: one the visible rules
	// make due and that never came is missing for sure. (The initiator's
	// could have been in the NegTokenInit.)
	if v.Complete && e.sawFirstReply && v.Acceptor.Due && !v.Acceptor.Present {
		v.Result = ResultMICMissing
		v.Reason = fmt.Sprintf("no mechListMIC from the acceptor (%s), although its every reply from the first (token %d) is here", v.Acceptor.Rule, e.firstReplyIndex)
		return
	}
	v.Result = ResultPartial
	v.Undecided = e.undecided()
	var seen []string
	if e.selected {
		seen = append(seen, "selected mechanism "+v.SelectedMech.MechName())
	}
	if v.RequestMIC {
		seen = append(seen, "the acceptor asked for MICs (request-mic)")
	}
	if v.Complete {
		seen = append(seen, "the exchange completed (accept-completed)")
	} else {
		seen = append(seen, "no accept-completed in these tokens")
	}
	for _, d := range []Direction{InitiatorToAcceptor, AcceptorToInitiator} {
		if st := v.Side(d); st.Present {
			seen = append(seen, fmt.Sprintf("%s MIC present in token %d (%s)", sideName(d), st.Token, st.Format))
		} else if st.Due {
			seen = append(seen, fmt.Sprintf("%s MIC due (%s), not in these tokens", sideName(d), st.Rule))
		}
	}
	v.Reason = fmt.Sprintf("the transcript starts in the middle of an exchange (token %d is a NegTokenResp with no NegTokenInit before it); %s",
		e.partialStart, strings.Join(seen, "; "))
}

// undecided lists what a partial transcript cannot tell.
func (e *evaluator) undecided() []string {
	v := &e.v
	out := []string{
		"the initiator's mechanism list and first mechanism, so whether the selected mechanism is a downgrade (which makes MICs due both ways)",
		"whether the initiator sent an optimistic token and the acceptor took it",
	}
	if !e.selected {
		out = append(out, "which mechanism the acceptor selected (supportedMech is only in its first reply)")
	}
	if !e.sawFirstReply {
		out = append(out, "whether the acceptor answered request-mic")
	}
	if !v.ExtraLeg && e.p.Profile == ProfileWindows {
		out = append(out, "whether Kerberos needed an extra leg (which makes MICs due under the Windows profile)")
	}
	if v.Initiator.Due && !v.Initiator.Present {
		out = append(out, "whether the initiator's due MIC travelled in the NegTokenInit")
	}
	if !e.sawFirstReply && !v.Acceptor.Present && v.Complete {
		out = append(out, "whether the acceptor sent a MIC in a reply before these tokens")
	}
	return out
}
