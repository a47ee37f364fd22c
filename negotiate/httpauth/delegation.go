package httpauth

import (
	"errors"
	"sync"

	"github.com/gssnego/gssnego/gss"
)

// Delegation says whether a Transport delegates the user's credential to the
// server (Transport.Delegate).
type Delegation uint8

const (
	// DelegateNone (the default) delegates nothing: the server can act only
	// as itself.
	DelegateNone Delegation = iota
	// DelegateByPolicy asks for delegation with gss.FlagDelegPolicy: the
	// TGT is forwarded only when the KDC marked the service ok-as-delegate
	// ("trusted for delegation"), so the realm's administrators, not every
	// client, decide which services may act as their users. What Windows
	// clients (Internet Explorer, Edge, Chrome with
	// AuthNegotiateDelegateByKdcPolicy) do; the choice to make when asked.
	DelegateByPolicy
	// DelegateAlways asks with gss.FlagDeleg: the TGT goes to any service
	// that gets a forwardable ticket, as curl --delegation always does.
	DelegateAlways
)

// flags are the context flags d adds.
func (d Delegation) flags() gss.Flags {
	switch d {
	case DelegateByPolicy:
		return gss.FlagDelegPolicy
	case DelegateAlways:
		return gss.FlagDeleg
	}
	return 0
}

// String names d as curl's --delegation does ("none", "policy", "always").
func (d Delegation) String() string {
	switch d {
	case DelegateByPolicy:
		return "policy"
	case DelegateAlways:
		return "always"
	}
	return "none"
}

// ErrNoDelegation is the error of Identity.DelegatedCredential when the
// client delegated nothing.
var ErrNoDelegation = errors.New("httpauth: the client delegated no credential (it did not ask for delegation, " +
	"its TGT is not forwardable, it asked by policy and the KDC does not mark this service ok-as-delegate, " +
	"or the mechanism was NTLM); the server can reach back ends only as itself or through constrained delegation (S4U2Proxy)")

// delegated holds a request's delegated credential until the handler takes
// it or the middleware releases it.
type delegated struct {
	mu    sync.Mutex
	cred  gss.Credential
	taken bool
}

// DelegatedCredential returns the credential the client delegated with
// this request's authentication: an initiator credential for the client's
// principal, to reach back ends as the user (the double hop; see the
// package doc). It belongs to the request: the Server releases it when the
// handler returns, so a handler that needs it longer (a background job)
// calls TakeDelegatedCredential instead. Without one, the error is
// ErrNoDelegation (also for an identity reused under ConnectionAuth: a
// credential is never kept beyond its request).
func (id *Identity) DelegatedCredential() (gss.Credential, error) {
	if id == nil || id.deleg == nil {
		return nil, ErrNoDelegation
	}
	id.deleg.mu.Lock()
	defer id.deleg.mu.Unlock()
	if id.deleg.cred == nil {
		return nil, ErrNoDelegation
	}
	return id.deleg.cred, nil
}

// TakeDelegatedCredential is DelegatedCredential that also takes ownership:
// the Server no longer releases the credential; the caller must Release it.
func (id *Identity) TakeDelegatedCredential() (gss.Credential, error) {
	if id == nil || id.deleg == nil {
		return nil, ErrNoDelegation
	}
	if testHookTake != nil {
		testHookTake()
	}
	// One locked section: a release between the check and the mark would
	// hand the caller a credential the middleware has already released.
	id.deleg.mu.Lock()
	defer id.deleg.mu.Unlock()
	if id.deleg.cred == nil {
		return nil, ErrNoDelegation
	}
	id.deleg.taken = true
	return id.deleg.cred, nil
}

// testHookTake, when set by a test, runs inside TakeDelegatedCredential
// before it locks: where a concurrent release interleaves.
var testHookTake func()

// takeDelegation moves ctx's delegated credential, if any, into id; a
// backend that cannot hand one over leaves none.
func (id *Identity) takeDelegation(ctx gss.SecContext) {
	if cred, err := gss.DelegatedCredential(ctx); err == nil && cred != nil {
		id.deleg = &delegated{cred: cred}
	}
}

// releaseDelegation releases the request's credential unless the handler
// took it; later calls of DelegatedCredential get ErrNoDelegation.
func (id *Identity) releaseDelegation() {
	if id == nil || id.deleg == nil {
		return
	}
	id.deleg.mu.Lock()
	defer id.deleg.mu.Unlock()
	if id.deleg.cred != nil && !id.deleg.taken {
		id.deleg.cred.Release()
	}
	id.deleg.cred = nil
}
