package negotiate

import (
	"errors"
	"slices"

	"github.com/gssnego/gssnego/gss"
)

// Native is the opt-in native mode: the provider's own SPNEGO (MIT's or
// Heimdal's spnego mech, SSPI's "Negotiate" package) makes the tokens, and
// this wrapper passes every token through the inspector and enforces the
// mechListMIC presence rules of the profile. It cannot check a MIC's
// validity — the keys stay inside the native SPNEGO, which checks it
// itself — so the transcript shows those MICs as unchecked.
type Native struct {
	perMessage
	ctx        gss.SecContext
	initiator  bool
	transcript *Transcript
	failed     error
	closed     bool
}

// NewNativeClient starts an initiator over the provider's SPNEGO mech.
// Config.Mechs, NoOptimisticToken and Credential are the provider's
// business in this mode; Flags and ChannelBindings are passed on.
func NewNativeClient(target gss.Name, cfg Config) (*Native, error) {
	if cfg.Provider == nil {
		return nil, errors.New("negotiate: Config.Provider is nil")
	}
	opts := []gss.InitSecContextOption{gss.WithMech(gss.MechSPNEGO), gss.WithFlags(cfg.Flags | gss.FlagMutual | gss.FlagInteg)}
	if cfg.Credential != nil {
		opts = append(opts, gss.WithInitiatorCredential(cfg.Credential))
	}
	if cfg.ChannelBindings != nil {
		opts = append(opts, gss.WithInitiatorChannelBindings(cfg.ChannelBindings))
	}
	ctx, err := cfg.Provider.InitSecContext(target, opts...)
	if err != nil {
		return nil, err
	}
	return newNative(ctx, true, cfg), nil
}

// NewNativeServer starts an acceptor over the provider's SPNEGO.
func NewNativeServer(cfg Config) (*Native, error) {
	if cfg.Provider == nil {
		return nil, errors.New("negotiate: Config.Provider is nil")
	}
	var opts []gss.AcceptSecContextOption
	if cfg.Credential != nil {
		opts = append(opts, gss.WithAcceptorCredential(cfg.Credential))
	}
	if cfg.ChannelBindings != nil {
		opts = append(opts, gss.WithAcceptorChannelBindings(cfg.ChannelBindings))
	}
	ctx, err := cfg.Provider.AcceptSecContext(opts...)
	if err != nil {
		return nil, err
	}
	return newNative(ctx, false, cfg), nil
}

func newNative(ctx gss.SecContext, initiator bool, cfg Config) *Native {
	n := &Native{ctx: ctx, initiator: initiator, transcript: NewTranscript(Policy{Profile: cfg.Profile})}
	n.ready = n.readyLocked
	return n
}

func (n *Native) record(sent bool, b []byte) { addToken(n.transcript, n.initiator, sent, b) }

// Continue implements gss.SecContext. When the native context completes,
// the transcript must pass the policy, or the context is failed.
func (n *Native) Continue(in []byte) ([]byte, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil, gss.ErrNoContext
	}
	if n.failed != nil {
		return nil, n.failed
	}
	n.record(false, in)
	out, err := n.ctx.Continue(in)
	if err != nil {
		n.failed = err
		return out, err
	}
	n.record(true, out)
	if n.ctx.ContinueNeeded() {
		return out, nil
	}
	if info, err := gss.InquireMech(n.ctx); err == nil {
		n.transcript.Policy.SessionEnctype = info.SessionKeyEnctype
	}
	v := n.transcript.Evaluate()
	if v.Result == ResultIncomplete && v.Complete {
		v.Result = ResultOK // nothing owed that the native side could still send
	}
	if v.Result != ResultOK && v.Result != ResultIncomplete {
		n.failed = &Error{Op: "native SPNEGO completed, but the transcript fails the policy: " + v.Reason, Rule: v.Result, Kind: ResultKind(v.Result)}
		return out, n.failed
	}
	return out, nil
}

// ContinueNeeded implements gss.SecContext.
func (n *Native) ContinueNeeded() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.failed == nil && n.ctx.ContinueNeeded()
}

// Transcript implements Session: the inspector's view of the exchange;
// MICs are unchecked in native mode.
func (n *Native) Transcript() Transcript {
	n.mu.Lock()
	defer n.mu.Unlock()
	t := *n.transcript
	t.Reports = slices.Clone(n.transcript.Reports)
	return t
}

func (n *Native) readyLocked() (gss.SecContext, error) {
	switch {
	case n.closed:
		return nil, gss.ErrNoContext
	case n.failed != nil:
		return nil, n.failed
	case n.ctx.ContinueNeeded():
		return nil, ErrNotEstablished
	}
	return n.ctx, nil
}

// Inquire implements gss.SecContext.
func (n *Native) Inquire() (*gss.SecContextInfo, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil, gss.ErrNoContext
	}
	info, err := n.ctx.Inquire()
	if err == nil && n.failed != nil {
		info.Established = false
	}
	return info, err
}

// Close implements gss.SecContext.
func (n *Native) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil
	}
	n.closed = true
	return n.ctx.Close()
}
