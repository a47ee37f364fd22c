package negotiate

import "github.com/gssnego/gssnego/gss"

var _ gss.InitiatorNamer = (*conversation)(nil)

// InitiatorName implements gss.InitiatorNamer: the mechanism context's
// initiator name alone (gss.InitiatorName), for servers that need the
// client's principal and nothing else of Inquire's names.
func (c *conversation) InitiatorName() (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return "", gss.ErrNoContext
	}
	if c.mech == nil {
		return "", nil
	}
	return gss.InitiatorName(c.mech)
}
