package negotiate

import (
	"slices"
	"sync"

	"github.com/gssnego/gssnego/gss"
)

// perMessage implements the per-message half of gss.SecContext, with every
// call serialised by mu and sent to the context that ready returns (ready
// runs with mu held and refuses a closed, failed or unfinished context).
type perMessage struct {
	mu    sync.Mutex
	ready func() (gss.SecContext, error)
}

// GetMIC implements gss.SecContext.
func (p *perMessage) GetMIC(msg []byte) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	m, err := p.ready()
	if err != nil {
		return nil, err
	}
	return m.GetMIC(msg)
}

// VerifyMIC implements gss.SecContext.
func (p *perMessage) VerifyMIC(msg, mic []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	m, err := p.ready()
	if err != nil {
		return err
	}
	return m.VerifyMIC(msg, mic)
}

// Wrap implements gss.SecContext.
func (p *perMessage) Wrap(msg []byte, conf bool) ([]byte, bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	m, err := p.ready()
	if err != nil {
		return nil, false, err
	}
	return m.Wrap(msg, conf)
}

// Unwrap implements gss.SecContext.
func (p *perMessage) Unwrap(token []byte) ([]byte, bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	m, err := p.ready()
	if err != nil {
		return nil, false, err
	}
	return m.Unwrap(token)
}

// WrapSizeLimit implements gss.SecContext.
func (p *perMessage) WrapSizeLimit(conf bool, maxToken int) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	m, err := p.ready()
	if err != nil {
		return 0, err
	}
	return m.WrapSizeLimit(conf, maxToken)
}

// Export implements gss.SecContext: it exports the mechanism's context
// (SPNEGO has nothing left to say once established).
func (p *perMessage) Export() ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	m, err := p.ready()
	if err != nil {
		return nil, err
	}
	return m.Export()
}

// readyLocked is the engines' ready: the selected mechanism's context, once
// the MIC exchange has taken the first sequence number in each direction.
func (c *conversation) readyLocked() (gss.SecContext, error) {
	if c.closed {
		return nil, gss.ErrNoContext
	}
	if c.failed != nil {
		return nil, c.failed
	}
	if !c.established {
		return nil, ErrNotEstablished
	}
	return c.mech, nil
}

// Inquire implements gss.SecContext. Mech is the selected mechanism as the
// initiator listed it (e.g. the Microsoft Kerberos OID).
func (c *conversation) Inquire() (*gss.SecContextInfo, error) { return c.inquire(true) }

// InquireMech implements gss.MechInquirer: Inquire without the names.
func (c *conversation) InquireMech() (*gss.SecContextInfo, error) { return c.inquire(false) }

func (c *conversation) inquire(names bool) (*gss.SecContextInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, gss.ErrNoContext
	}
	info := &gss.SecContextInfo{LocallyInitiated: c.initiator}
	if c.mech != nil {
		inq := c.mech.Inquire
		if !names {
			inq = func() (*gss.SecContextInfo, error) {
				if m := c.mechInfoCache; m != nil {
					// The completed mechanism's answer, already asked for
					// by the engine (mechInfo): no second library call.
					cp := *m
					return &cp, nil
				}
				return gss.InquireMech(c.mech)
			}
		}
		mi, err := inq()
		if err != nil {
			return nil, err
		}
		*info = *mi
	}
	info.Mech = c.selected
	info.Established = c.established
	if !c.established {
		info.Flags &^= gss.FlagProtReady // RFC 4178 §3.1: not before the MICs are done
	}
	return info, nil
}

// Record implements Recorder: what the engine knows about the exchange so
// far.
func (c *conversation) Record() Record {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.record
	if c.transcript != nil {
		r.Transcript = *c.transcript
		r.Transcript.Reports = slices.Clone(c.transcript.Reports)
	}
	return r
}

// Close implements gss.SecContext.
func (c *conversation) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	if c.mech != nil {
		return c.mech.Close()
	}
	return nil
}
