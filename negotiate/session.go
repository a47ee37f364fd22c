package negotiate

import (
	"slices"

	"github.com/gssnego/gssnego/gss"
)

// The per-message calls of an established SPNEGO context go to the selected
// mechanism's context, after the mechListMIC exchange has taken the first
// sequence number in each direction (RFC 4178 §5, PROTOCOL.md §3.7).

func (c *conversation) ready() (gss.SecContext, error) {
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

// GetMIC implements gss.SecContext.
func (c *conversation) GetMIC(msg []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m, err := c.ready()
	if err != nil {
		return nil, err
	}
	return m.GetMIC(msg)
}

// VerifyMIC implements gss.SecContext.
func (c *conversation) VerifyMIC(msg, mic []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	m, err := c.ready()
	if err != nil {
		return err
	}
	return m.VerifyMIC(msg, mic)
}

// Wrap implements gss.SecContext.
func (c *conversation) Wrap(msg []byte, conf bool) ([]byte, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m, err := c.ready()
	if err != nil {
		return nil, false, err
	}
	return m.Wrap(msg, conf)
}

// Unwrap implements gss.SecContext.
func (c *conversation) Unwrap(token []byte) ([]byte, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m, err := c.ready()
	if err != nil {
		return nil, false, err
	}
	return m.Unwrap(token)
}

// WrapSizeLimit implements gss.SecContext.
func (c *conversation) WrapSizeLimit(conf bool, maxToken int) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m, err := c.ready()
	if err != nil {
		return 0, err
	}
	return m.WrapSizeLimit(conf, maxToken)
}

// Export implements gss.SecContext: it exports the selected mechanism's
// context (SPNEGO has nothing left to say once established).
func (c *conversation) Export() ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m, err := c.ready()
	if err != nil {
		return nil, err
	}
	return m.Export()
}

// Inquire implements gss.SecContext. Mech is the selected mechanism as the
// initiator listed it (e.g. the Microsoft Kerberos OID).
func (c *conversation) Inquire() (*gss.SecContextInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, gss.ErrNoContext
	}
	info := &gss.SecContextInfo{LocallyInitiated: c.initiator}
	if c.mech != nil {
		mi, err := c.mech.Inquire()
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

// Record returns what the engine knows about the exchange so far.
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
