package sspisample

import (
	"fmt"

	"github.com/gssnego/gssnego/negotiate"
)

// verdictOf is the outcome of one side: the transcript's verdict, or the
// policy result the engine's failure stands for when the transcript alone
// does not show it (an exchange cut short by the refusing side).
func verdictOf(tr *negotiate.Transcript, err error) string {
	v := negotiate.ResultIncomplete
	if tr != nil {
		v = tr.Verdict.Result
	}
	if v != negotiate.ResultOK && v != negotiate.ResultIncomplete || err == nil {
		return v
	}
	if r := negotiate.ResultOf(err); r != "" {
		return r
	}
	return v
}

// VerdictLine sums up an exchange's mechListMIC outcome in one stable line,
// e.g.
//
//	verdict: ok (mechListMIC: initiator sent+verified by acceptor, acceptor sent+verified by initiator)
//	verdict: ok (mechListMIC: initiator none (not due), acceptor none (not due))
//	verdict: mic-missing (mechListMIC: initiator none (due: extra-leg-new-enctype), acceptor sent but not received)
//
// client and server are the two sides' results; either may be nil when
// only one side's view is known. The verdict is the first failure either
// side saw (Result.Verdict), else "incomplete" if a side did not finish,
// else "ok". A MIC's sending is taken from its sender's transcript and its
// verification from its receiver's.
func VerdictLine(client, server *Result) string {
	result := ""
	for _, r := range []*Result{client, server} {
		switch {
		case r == nil:
		case result == "" || result == negotiate.ResultOK:
			result = r.Verdict
		case result == negotiate.ResultIncomplete && r.Verdict != negotiate.ResultOK:
			result = r.Verdict
		}
	}
	ct, st := client.transcript(), server.transcript()
	return fmt.Sprintf("verdict: %s (mechListMIC: initiator %s, acceptor %s)", result,
		micState(ct, st, negotiate.InitiatorToAcceptor, "acceptor"),
		micState(st, ct, negotiate.AcceptorToInitiator, "initiator"))
}

func (r *Result) transcript() *negotiate.Transcript {
	if r == nil {
		return nil
	}
	return r.Transcript
}

// micState describes the MIC sent in direction d.
func micState(sender, receiver *negotiate.Transcript, d negotiate.Direction, receiverName string) string {
	var due string
	var sent, received bool
	check := negotiate.MICUnchecked
	for _, tr := range []*negotiate.Transcript{sender, receiver} {
		if tr != nil && tr.Verdict.Side(d).Due && due == "" {
			due = tr.Verdict.Side(d).Rule
		}
	}
	if sender != nil {
		sent = sender.Verdict.Side(d).Present
	}
	if receiver != nil {
		st := receiver.Verdict.Side(d)
		received, check = st.Present, st.Check
	}
	if sender == nil {
		sent = received
	}
	switch {
	case !sent && !received && due != "":
		return "none (due: " + due + ")"
	case !sent && !received:
		return "none (not due)"
	case !sent:
		return "received but not sent (forged in transit)"
	case receiver == nil:
		return "sent"
	case !received:
		return "sent but not received"
	}
	switch check {
	case negotiate.MICValid:
		return "sent+verified by " + receiverName
	case negotiate.MICInvalid:
		return "sent+rejected by " + receiverName
	}
	return "sent+received unchecked by " + receiverName + " (native SPNEGO keeps the keys)"
}
