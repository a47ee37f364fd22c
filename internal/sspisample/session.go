package sspisample

import (
	"context"
	"errors"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/negotiate"
)

// Result is what one side learned from a connection, also when it failed
// (fields are filled as far as the exchange got).
type Result struct {
	// Package and Engine are the ones used ("" engine for a raw package).
	Package, Engine string
	// Info describes the established context (nil if it was not).
	Info *gss.SecContextInfo
	// Transcript is the inspector's view of the tokens with the policy's
	// verdict: the engine's (with its MIC checks) for Negotiate, one built
	// here from the raw tokens otherwise.
	Transcript *negotiate.Transcript
	// Record is the Go engine's record of the exchange (nil otherwise).
	Record *negotiate.Record
	// Verdict is the side's mechListMIC policy result (a negotiate.Result…
	// name): the transcript's, or the one the engine failed with when the
	// exchange stopped before the transcript could show it.
	Verdict string
	// Message is the plaintext the server sent (client) or the one it sent
	// (server).
	Message []byte
	// Sealed says whether the message was encrypted.
	Sealed bool
	// TrailerLen and CiphertextLen are the sizes of the message's two parts.
	TrailerLen, CiphertextLen int
}

// session is one side of one connection: the context and what it saw.
type session struct {
	cfg       Config
	ctx       gss.SecContext
	initiator bool
	raw       *negotiate.Transcript // for raw packages

	// abandoned: a step outlived the deadline; the context now belongs to
	// gss.ContinueContext, which closes it when the native call returns.
	abandoned bool

	msg        []byte // the server's message
	sealed     bool
	tlen, clen int
}

func newSession(cfg Config, ctx gss.SecContext, initiator bool) *session {
	s := &session{cfg: cfg, ctx: ctx, initiator: initiator}
	if cfg.Package != PackageNegotiate {
		s.raw = negotiate.NewTranscript(negotiate.Policy{Profile: cfg.Profile})
	}
	return s
}

// saw records a token for raw packages (engines record their own).
func (s *session) saw(sent bool, tok []byte) {
	if s.raw == nil || len(tok) == 0 {
		return
	}
	d := negotiate.InitiatorToAcceptor
	if sent != s.initiator {
		d = negotiate.AcceptorToInitiator
	}
	s.raw.Add(d, append([]byte(nil), tok...))
}

// step is one Continue bounded by dctx (gss.ContinueContext).
func (s *session) step(dctx context.Context, in []byte) ([]byte, error) {
	out, err := gss.ContinueContext(dctx, s.ctx, in)
	if errors.Is(err, gss.ErrAbandoned) {
		s.abandoned = true
	}
	return out, err
}

// close closes the context unless a step abandoned it.
func (s *session) close() {
	if !s.abandoned {
		s.ctx.Close()
	}
}

// result collects what the session knows; err is how the exchange ended.
func (s *session) result(err error) *Result {
	r := &Result{Package: s.cfg.Package, Engine: s.cfg.Engine}
	if s.abandoned {
		r.Verdict = verdictOf(nil, err)
		return r // the context is busy in the abandoned step: nothing to ask
	}
	switch c := s.ctx.(type) {
	case negotiate.Recorder:
		rec := c.Record()
		r.Record, r.Transcript = &rec, &rec.Transcript
	case negotiate.Session:
		tr := c.Transcript()
		r.Transcript = &tr
	default:
		if s.raw != nil {
			tr := *s.raw
			r.Transcript = &tr
		}
	}
	r.Verdict = verdictOf(r.Transcript, err)
	if s.ctx != nil && !s.ctx.ContinueNeeded() {
		if info, err := s.ctx.Inquire(); err == nil && info.Established {
			r.Info = info
		}
	}
	return r
}
