package negotiate

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
)

// TestPartialSuffixes replays every recorded exchange from each of its
// NegTokenResps on, as a capture that started late: with AllowPartial an
// exchange the whole transcript passes is "partial", never a failure; with
// the engines' default it stays the protocol error it always was.
func TestPartialSuffixes(t *testing.T) {
	okSuffixes := 0
	for key, toks := range vectorTranscripts(t) {
		whole := replay(t, Policy{}, toks).Verdict
		for k := 1; k < len(toks); k++ {
			b := loadVector(t, toks[k].file)
			tok, err := Parse(b)
			if err != nil || tok.Kind != KindResp {
				continue
			}
			for _, p := range []Profile{ProfileWindows, ProfileRFC4178, ProfileStrict} {
				v := replay(t, Policy{Profile: p, AllowPartial: true}, toks[k:]).Verdict
				require.NotEmpty(t, v.Result)
				assert.True(t, v.Partial, "%s from token %d", key, k)
				if whole.Result == ResultOK && p == ProfileWindows {
					okSuffixes++
					assert.Equal(t, ResultPartial, v.Result, "%s from token %d: %s", key, k, v.Reason)
					assert.NotEmpty(t, v.Undecided, "%s from token %d", key, k)
					assert.ErrorIs(t, v.Err(), ErrIncomplete)
				}
				assert.NotEqual(t, ResultProtocolError, v.Result, "%s from token %d: %s", key, k, v.Reason)
			}
			v := replay(t, Policy{}, toks[k:]).Verdict
			assert.Equal(t, ResultProtocolError, v.Result, "%s from token %d without AllowPartial", key, k)
			assert.Contains(t, v.Reason, "NegTokenResp before the initiator's NegTokenInit")
		}
	}
	assert.Greater(t, okSuffixes, 30, "suffixes of passing exchanges replayed")
}

// TestPartialDecides checks what a partial transcript still decides: the
// acceptor's choice, request-mic, a MIC the acceptor owed and never sent, a
// reject, and a second exchange glued on.
func TestPartialDecides(t *testing.T) {
	trs := vectorTranscripts(t)
	ex := trs["mit/mit-b-ntlm1st-krb5chosen-aes256"] // NTLM offered first, krb5 chosen: request-mic
	require.Len(t, ex, 5)
	load := func(i int) []byte { return loadVector(t, ex[i].file) }
	p := Policy{AllowPartial: true}

	v := replay(t, p, ex[1:]).Verdict
	assert.Equal(t, ResultPartial, v.Result, v.Reason)
	assert.Equal(t, gss.MechKRB5, v.SelectedMech)
	assert.Equal(t, gss.OID(""), v.FirstMech, "F is in the missing NegTokenInit")
	assert.False(t, v.Downgrade, "undecided, reported as such")
	assert.True(t, v.RequestMIC)
	assert.True(t, v.Complete)
	assert.Equal(t, RulePeerRequestedMIC, v.Acceptor.Rule)
	assert.True(t, v.Acceptor.Present)
	assert.True(t, v.Initiator.Present)
	assert.Contains(t, v.Undecided[0], "downgrade")
	assert.Contains(t, v.Reason, "token 0 is a NegTokenResp")

	// The acceptor's MIC stripped from its final reply: every acceptor token
	// from the first reply on is visible, so the missing MIC is decided.
	stripped := func(b []byte) []byte {
		tok, err := Parse(b)
		require.NoError(t, err)
		cp := *tok
		cp.MechListMIC = nil
		out, err := cp.Marshal()
		require.NoError(t, err)
		return out
	}
	tr := NewTranscript(p)
	tr.Add(AcceptorToInitiator, load(1))
	tr.Add(InitiatorToAcceptor, load(2))
	tr.Add(AcceptorToInitiator, stripped(load(3)))
	tr.Add(InitiatorToAcceptor, stripped(load(4)))
	assert.Equal(t, ResultMICMissing, tr.Verdict.Result, tr.Verdict.Reason)
	assert.ErrorIs(t, tr.Verdict.Err(), ErrMICMissing)

	// Without the first reply the same tokens decide nothing about MICs.
	tr = NewTranscript(p)
	tr.Add(AcceptorToInitiator, stripped(load(3)))
	tr.Add(InitiatorToAcceptor, stripped(load(4)))
	assert.Equal(t, ResultPartial, tr.Verdict.Result, tr.Verdict.Reason)
	assert.Contains(t, tr.Verdict.Undecided, "whether the acceptor answered request-mic")

	// A NegTokenInit after the NegTokenResps is a second exchange.
	tr = NewTranscript(p)
	tr.Add(AcceptorToInitiator, load(1))
	tr.Add(InitiatorToAcceptor, load(0))
	assert.Equal(t, ResultProtocolError, tr.Verdict.Result)
	assert.Contains(t, tr.Verdict.Reason, "two exchanges")

	// A reject needs no earlier token to be a reject.
	rej, err := (&Token{Kind: KindResp, NegState: NegStateReject}).Marshal()
	require.NoError(t, err)
	tr = NewTranscript(p)
	tr.Add(AcceptorToInitiator, rej)
	assert.Equal(t, ResultRejected, tr.Verdict.Result)

	// request-mic twice is wrong wherever the capture starts.
	tr = NewTranscript(p)
	tr.Add(AcceptorToInitiator, load(1))
	tr.Add(InitiatorToAcceptor, load(2))
	tr.Add(AcceptorToInitiator, load(1))
	assert.Equal(t, ResultProtocolError, tr.Verdict.Result)
}
