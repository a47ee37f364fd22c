package sspi

import (
	winsspi "github.com/alexbrainman/sspi"
)

const (
	opImpersonateSecurityContext = "ImpersonateSecurityContext"
	opRevertSecurityContext      = "RevertSecurityContext"
)

// ImpersonateSecurityContext makes the calling OS thread act as the
// authenticated client of an established acceptor context. Lock the
// goroutine to its thread (runtime.LockOSThread) first and call
// RevertSecurityContext on the same thread.
func (c *SecContext) ImpersonateSecurityContext() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.live(opImpersonateSecurityContext); err != nil {
		return err
	}
	if ret := winsspi.ImpersonateSecurityContext(&c.h.h); ret != winsspi.SEC_E_OK {
		return newError(opImpersonateSecurityContext, uint32(ret), c.mech)
	}
	return nil
}

// RevertSecurityContext ends ImpersonateSecurityContext on this thread.
func (c *SecContext) RevertSecurityContext() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.live(opRevertSecurityContext); err != nil {
		return err
	}
	if ret := winsspi.RevertSecurityContext(&c.h.h); ret != winsspi.SEC_E_OK {
		return newError(opRevertSecurityContext, uint32(ret), c.mech)
	}
	return nil
}
