package negotiate

import (
	"errors"
	"slices"

	"github.com/gssnego/gssnego/gss"
)

// hintName is what every Windows since 2008 and Samba put in negHints
// (MS-SPNG §2.2.1); the real principal would leak the server's identity.
const hintName = "not_defined_in_RFC4178@please_ignore"

// Server is the SPNEGO acceptor. It implements gss.SecContext.
type Server struct {
	conversation
	state          serverState
	peerIncomplete bool // the initiator's last negState was accept-incomplete
}

type serverState uint8

const (
	serverStart serverState = iota
	serverMore
	serverDone
)

// NewServer prepares an acceptor. Continue(nil) before any client token
// produces a server-initiated NegTokenInit2, as SMB servers send.
func NewServer(cfg Config) (*Server, error) {
	if cfg.Provider == nil {
		return nil, errors.New("negotiate: Config.Provider is nil")
	}
	s := &Server{}
	s.cfg = cfg
	s.ready = s.readyLocked
	s.record.Profile = cfg.Profile
	return s, nil
}

// Continue implements gss.SecContext. On failure the returned token, when
// not nil, is a reject NegTokenResp to send to the initiator.
func (s *Server) Continue(in []byte) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, gss.ErrNoContext
	}
	if s.failed != nil {
		return nil, s.failed
	}
	s.recordToken(false, in)
	out, err := s.step(in)
	if err != nil && s.established {
		return nil, err // a stray token does not undo an established context
	}
	if err != nil {
		s.fail(err)
		if out == nil {
			out, _ = (&Token{Kind: KindResp, NegState: NegStateReject}).Marshal()
		}
		s.recordToken(true, out)
		return out, err
	}
	s.recordToken(true, out)
	return out, nil
}

func (s *Server) step(in []byte) ([]byte, error) {
	switch s.state {
	case serverStart:
		if len(in) == 0 {
			mechs := s.acceptable()
			return (&Token{Kind: KindInit2, MechTypes: mechs, HasNegHints: true, HintName: []byte(hintName)}).Marshal()
		}
		t, err := Parse(in)
		if err != nil {
			return nil, err
		}
		if t.Kind != KindInit {
			return nil, protocolErr("first initiator token is a %v, want NegTokenInit", t.Kind)
		}
		return s.init(t)
	case serverMore:
		t, err := parseResp(in)
		if err != nil {
			return nil, err
		}
		if t.NegState == NegStateReject {
			return nil, engineErr(ErrRejected, "", "initiator answered reject", nil)
		}
		s.peerIncomplete = t.NegState == NegStateAcceptIncomplete
		return s.absorb(t, false)
	}
	return nil, protocolErr("token after the context was established")
}

func (s *Server) acceptable() []gss.OID {
	mechs := s.cfg.mechs()
	// Accept every Kerberos OID when any is configured.
	if slices.ContainsFunc(mechs, gss.OID.IsKerberos) {
		for _, k := range []gss.OID{gss.MechMSKRB5, gss.MechKRB5, gss.MechKRB5Old} {
			if !slices.Contains(mechs, k) {
				mechs = append(mechs, k)
			}
		}
	}
	return mechs
}

// init handles the NegTokenInit: pick the first offered mechanism we
// accept; use the optimistic token only if that is the initiator's first.
func (s *Server) init(t *Token) ([]byte, error) {
	if t.MechListMIC != nil {
		return nil, engineErr(ErrMICInvalid, "mic-before-mech-complete", "NegTokenInit carries a mechListMIC", nil)
	}
	s.setMechTypes(slices.Clone(t.MechTypes), slices.Clone(t.RawMechTypes))
	accept := s.acceptable()
	idx := slices.IndexFunc(s.mechTypes, func(m gss.OID) bool { return slices.Contains(accept, m) })
	if idx < 0 {
		return nil, engineErr(ErrNoCommonMech, "", "none of the offered mechanisms is accepted here", nil)
	}
	s.setSelected(idx)
	s.state = serverMore
	if err := s.startMech(); err != nil {
		return nil, err
	}
	if !s.selectedIsFirst() {
		// RFC 4178 §3.2: the optimistic token was for another mechanism;
		// ask for the MIC exchange that proves the list was not rewritten.
		s.micRequested = true
		return (&Token{Kind: KindResp, NegState: NegStateRequestMIC, SupportedMech: s.selected}).Marshal()
	}
	if t.MechToken == nil {
		return (&Token{Kind: KindResp, NegState: NegStateAcceptIncomplete, SupportedMech: s.selected}).Marshal()
	}
	s.optimisticUsed = true
	return s.absorb(&Token{ResponseToken: t.MechToken}, true)
}

func (s *Server) startMech() error {
	var opts []gss.AcceptSecContextOption
	if s.cfg.Credential != nil {
		opts = append(opts, gss.WithAcceptorCredential(s.cfg.Credential))
	}
	if s.cfg.ChannelBindings != nil {
		opts = append(opts, gss.WithAcceptorChannelBindings(s.cfg.ChannelBindings))
	}
	ctx, err := s.cfg.Provider.AcceptSecContext(opts...)
	if err != nil {
		return engineErr(ErrRejected, "", "start acceptor for "+s.selected.MechName(), err)
	}
	s.mech = ctx
	return nil
}

// absorb processes an initiator token (first: it is the optimistic token of
// the NegTokenInit, so the reply also carries supportedMech).
func (s *Server) absorb(t *Token, first bool) ([]byte, error) {
	var supported gss.OID
	if first {
		supported = s.selected
	}
	var out []byte
	if t.ResponseToken != nil {
		s.noteNTLM(t.ResponseToken)
		var err error
		out, err = s.feed(t.ResponseToken)
		if err != nil {
			if len(out) > 0 { // e.g. a KRB-ERROR for the initiator
				rej, _ := (&Token{Kind: KindResp, NegState: NegStateReject, SupportedMech: supported, ResponseToken: out}).Marshal()
				return rej, err
			}
			return nil, err
		}
		s.oneRound = first && s.mechDone
	}
	if err := s.receiveMIC(t); err != nil {
		return nil, err
	}
	if !s.mechDone {
		if len(out) == 0 {
			return nil, protocolErr("mechanism needs more but produced no token")
		}
		return (&Token{Kind: KindResp, NegState: NegStateAcceptIncomplete, SupportedMech: supported, ResponseToken: out}).Marshal()
	}
	rule, err := s.micDecision()
	if err != nil {
		return nil, err
	}
	// The initiator sent the last mechanism token, so it owed the first MIC.
	if out == nil && t.ResponseToken != nil && rule != "" && !s.micReceived {
		return nil, engineErr(ErrMICMissing, rule, "initiator sent its last token without its mechListMIC", nil)
	}
	mic, err := s.ownMIC()
	if err != nil {
		return nil, err
	}
	if s.needPeerMIC() {
		if mic == nil && out == nil {
			// We already sent our MIC and the initiator's token lacked its own.
			return nil, engineErr(ErrMICMissing, s.micRuleOr(s.micRule), "initiator sent no mechListMIC", nil)
		}
		return (&Token{Kind: KindResp, NegState: NegStateAcceptIncomplete, SupportedMech: supported, ResponseToken: out, MechListMIC: mic}).Marshal()
	}
	s.established = true
	s.state = serverDone
	if out == nil && mic == nil && supported == "" && !s.peerIncomplete {
		return nil, nil // the initiator completed with its MIC and expects nothing
	}
	return (&Token{Kind: KindResp, NegState: NegStateAcceptCompleted, SupportedMech: supported, ResponseToken: out, MechListMIC: mic}).Marshal()
}

// ContinueNeeded implements gss.SecContext.
func (s *Server) ContinueNeeded() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.established && s.failed == nil
}
