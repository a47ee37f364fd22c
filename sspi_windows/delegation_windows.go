package sspi

import (
	"runtime"

	winsspi "github.com/alexbrainman/sspi"

	"github.com/gssnego/gssnego/gss"
)

var _ gss.Delegated = (*SecContext)(nil)

// DelegatedCredential implements gss.Delegated the way SSPI allows. SSPI
// never gives an acceptor a handle for a forwarded TGT: the Kerberos
// package puts it into the logon session it creates for the client, which
// the acceptor reaches by impersonating the context. So this, on a locked
// OS thread, impersonates the context (ImpersonateSecurityContext),
// acquires an outbound credentials handle of the context's package for the
// impersonated logon session (AcquireCredentialsHandle with no principal),
// and reverts (RevertSecurityContext). The handle is bound to the client's
// logon session, not to the thread, and lasts until Release. Without
// ASC_RET_DELEGATE there is nothing to hand over: nil, nil (the same
// handle would then carry only the client's identity, good for local
// access checks, not for a second hop).
//
// Not verified here: Wine 8.0's Kerberos package does delegate (it passes
// the flag to MIT, and the acceptor reports ASC_RET_DELEGATE), but its
// ImpersonateSecurityContext returns SEC_E_UNSUPPORTED_FUNCTION
// (TestKerberosDelegation skips there with that reason; on a domain member,
// sspi_windows/README.md, it runs). On
// Windows the initiator's ISC_REQ_DELEGATE honours the KDC's ok-as-delegate
// ("trusted for delegation") mark, so gss.FlagDeleg behaves there as
// gss.FlagDelegPolicy does on MIT and Heimdal. Storing a credential into a
// ccache (gss.StoreCredential) and S4U (gss.AcquireImpersonatedCredential:
// an S4U logon through LsaLogonUser with KERB_S4U_LOGON, which needs the
// TCB privilege for a token that can impersonate) are not implemented: both
// report gss.ErrUnavailable.
func (c *SecContext) DelegatedCredential() (gss.Credential, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	const op = "ImpersonateSecurityContext"
	switch {
	case c.h == nil || !c.h.valid:
		return nil, gss.NewError(op, gss.StatusNoContext, 0, c.mech, "context closed or not started")
	case c.initiator:
		return nil, gss.NewError(op, gss.StatusNoCred, 0, c.mech, "an initiator context receives no delegated credential")
	case !c.established:
		return nil, gss.NewError(op, gss.StatusNoContext, 0, c.mech, "context not established yet")
	case c.delegTaken || c.retFlags&ascRetDelegate == 0:
		return nil, nil
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if ret := winsspi.ImpersonateSecurityContext(&c.h.h); ret != winsspi.SEC_E_OK {
		return nil, newError(op, uint32(ret), c.mech)
	}
	cred, err := acquire(c.pkg, c.mech, "", gss.CredInitiateOnly, nil)
	if ret := winsspi.RevertSecurityContext(&c.h.h); ret != winsspi.SEC_E_OK {
		// The thread still carries the client's token: lock it once more so
		// that it stays locked after the deferred unlock and Go ends the
		// thread with the goroutine instead of reusing it.
		runtime.LockOSThread()
		if cred != nil {
			cred.Release()
		}
		return nil, newError("RevertSecurityContext", uint32(ret), c.mech)
	}
	if err != nil {
		return nil, err
	}
	c.delegTaken = true
	return cred, nil
}
