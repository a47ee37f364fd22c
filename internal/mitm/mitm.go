// Package mitm is the downgrade-attack bench: a man in the middle between a
// SPNEGO initiator and acceptor that rewrites tokens in flight — drops or
// reorders mechTypes, strips or forges a mechListMIC, flips negState, swaps
// supportedMech, truncates — so tests can check, for every attack, policy
// and etype, that no side is fooled into an established context.
//
// The peers are anything with Continue/ContinueNeeded: our engines, a
// backend's native SPNEGO, or a proxy for a peer in another process. Run
// with the attack None is how every interop test drives an exchange.
package mitm

import (
	"bytes"
	"errors"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/negotiate"
)

// Direction says who sent a token.
type Direction int

// Token directions.
const (
	InitiatorToAcceptor Direction = iota
	AcceptorToInitiator
)

func (d Direction) String() string {
	if d == InitiatorToAcceptor {
		return "i2a"
	}
	return "a2i"
}

// Attack rewrites tokens. Rewrite gets each token with its direction and
// index (0 = the NegTokenInit) and returns what the other side receives.
type Attack struct {
	Name    string
	Rewrite func(dir Direction, idx int, tok []byte) []byte
}

// Result is what both sides made of an attacked exchange.
type Result struct {
	Tokens   [][]byte // as sent by their authors, before rewriting
	Tampered bool     // the attacker changed at least one token
	InitErr  error
	AccErr   error
	InitDone bool // the initiator reports an established context
	AccDone  bool
}

// Peer is one side of an exchange: a gss.SecContext, or an adapter for a
// peer in another process (Samba's ntlm_auth, python3-gssapi, Windows).
type Peer interface {
	Continue(in []byte) ([]byte, error)
	ContinueNeeded() bool
}

// Run drives init and acc to the end through attack (None for an honest
// exchange): the initiator starts, each output goes to the other side, and
// the run stops at the first error or when a side has nothing to send.
func Run(init, acc Peer, attack Attack) Result {
	var r Result
	send := func(dir Direction, tok []byte) []byte {
		idx := len(r.Tokens)
		r.Tokens = append(r.Tokens, tok)
		out := attack.Rewrite(dir, idx, bytes.Clone(tok))
		if !bytes.Equal(out, tok) {
			r.Tampered = true
		}
		return out
	}
	tok, err := init.Continue(nil)
	r.InitErr = err
	for i := 0; i < 12 && r.InitErr == nil && r.AccErr == nil && len(tok) > 0; i++ {
		var reply []byte
		reply, r.AccErr = acc.Continue(send(InitiatorToAcceptor, tok))
		if r.AccErr != nil || len(reply) == 0 {
			break
		}
		tok, r.InitErr = init.Continue(send(AcceptorToInitiator, reply))
	}
	r.InitDone = r.InitErr == nil && !init.ContinueNeeded()
	r.AccDone = r.AccErr == nil && !acc.ContinueNeeded()
	return r
}

// MICFailure reports whether err is a mechListMIC failure.
func MICFailure(err error) bool {
	return errors.Is(err, negotiate.ErrMICMissing) || errors.Is(err, negotiate.ErrMICInvalid)
}

// None passes every token unchanged (the baseline).
var None = Attack{Name: "none", Rewrite: func(_ Direction, _ int, t []byte) []byte { return t }}

// Attacks is the standard set every bench runs.
func Attacks() []Attack {
	return []Attack{
		{"drop-first-mech", onInit(func(t *negotiate.Token) {
			if len(t.MechTypes) > 1 {
				t.MechTypes = t.MechTypes[1:]
				t.MechToken = nil
			}
		})},
		{"drop-kerberos", onInit(func(t *negotiate.Token) {
			var keep []gss.OID
			for _, m := range t.MechTypes {
				if !m.IsKerberos() {
					keep = append(keep, m)
				}
			}
			if len(keep) > 0 && len(keep) < len(t.MechTypes) {
				t.MechTypes, t.MechToken = keep, nil
			}
		})},
		{"reorder-mechs", onInit(func(t *negotiate.Token) {
			if n := len(t.MechTypes); n > 1 {
				t.MechTypes = append([]gss.OID{t.MechTypes[n-1]}, t.MechTypes[:n-1]...)
				t.MechToken = nil
			}
		})},
		{"strip-acceptor-mic", onResp(AcceptorToInitiator, func(t *negotiate.Token) { t.MechListMIC = nil })},
		{"strip-initiator-mic", onResp(InitiatorToAcceptor, func(t *negotiate.Token) { t.MechListMIC = nil })},
		{"forge-acceptor-mic", onResp(AcceptorToInitiator, forgeMIC)},
		{"forge-initiator-mic", onResp(InitiatorToAcceptor, forgeMIC)},
		{"flip-negstate-completed", onResp(AcceptorToInitiator, func(t *negotiate.Token) {
			if t.NegState == negotiate.NegStateAcceptIncomplete || t.NegState == negotiate.NegStateRequestMIC {
				t.NegState = negotiate.NegStateAcceptCompleted
				t.MechListMIC = nil
			}
		})},
		{"flip-requestmic-incomplete", onResp(AcceptorToInitiator, func(t *negotiate.Token) {
			if t.NegState == negotiate.NegStateRequestMIC {
				t.NegState = negotiate.NegStateAcceptIncomplete
			}
		})},
		{"swap-supported-mech", onResp(AcceptorToInitiator, func(t *negotiate.Token) {
			switch {
			case t.SupportedMech == "":
			case t.SupportedMech.IsKerberos():
				t.SupportedMech = gss.MechNTLMSSP
			default:
				t.SupportedMech = gss.MechKRB5
			}
		})},
		{"truncate", func(dir Direction, idx int, tok []byte) []byte {
			if idx == 1 {
				return tok[:len(tok)/2]
			}
			return tok
		}},
	}
}

func forgeMIC(t *negotiate.Token) {
	if len(t.MechListMIC) > 0 {
		t.MechListMIC = bytes.Clone(t.MechListMIC)
		t.MechListMIC[len(t.MechListMIC)-1] ^= 0x01
	}
}

// onInit rewrites the initiator's NegTokenInit; the mechTypes are
// re-encoded, exactly what an attacker who edits the list must do.
func onInit(f func(*negotiate.Token)) func(Direction, int, []byte) []byte {
	return func(dir Direction, idx int, tok []byte) []byte {
		if dir != InitiatorToAcceptor || idx != 0 {
			return tok
		}
		return rewrite(tok, func(t *negotiate.Token) {
			f(t)
			t.RawMechTypes = nil
		})
	}
}

// onResp rewrites NegTokenResps travelling in one direction.
func onResp(d Direction, f func(*negotiate.Token)) func(Direction, int, []byte) []byte {
	return func(dir Direction, idx int, tok []byte) []byte {
		if dir != d {
			return tok
		}
		return rewrite(tok, func(t *negotiate.Token) {
			if t.Kind == negotiate.KindResp {
				f(t)
			}
		})
	}
}

func rewrite(tok []byte, f func(*negotiate.Token)) []byte {
	t, err := negotiate.Parse(tok)
	if err != nil {
		return tok
	}
	f(t)
	out, err := t.Marshal()
	if err != nil {
		return tok
	}
	return out
}
