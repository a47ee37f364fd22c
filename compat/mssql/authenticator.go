package mssqlgss

import (
	"github.com/microsoft/go-mssqldb/integratedauth"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/negotiate"
)

// Authenticator is the integratedauth.IntegratedAuthenticator (and
// AuthenticatorWithEPA) the provider hands to go-mssqldb for one login:
// InitialBytes makes the SPNEGO NegTokenInit for the LOGIN7 message,
// NextBytes answers each SSPI message from the server, Free releases
// everything. The driver uses it from one goroutine.
type Authenticator struct {
	spn, user, password string
	ccache, keytab      string
	mechs               []gss.OID
	cb                  *gss.ChannelBindings

	target            gss.Name
	releaseNTLMTarget func()
	cred              gss.Credential
	client            *negotiate.Client
	tokens            int  // server tokens seen
	failed            bool // a step failed: the context is unusable
	freed             bool
}

var (
	_ integratedauth.IntegratedAuthenticator = (*Authenticator)(nil)
	_ integratedauth.AuthenticatorWithEPA    = (*Authenticator)(nil)
)

// SPN returns the service principal name the authenticator logs in to.
func (a *Authenticator) SPN() string { return a.spn }

// SetChannelBinding implements integratedauth.AuthenticatorWithEPA:
// go-mssqldb calls it before InitialBytes with the TLS channel binding of
// the login's TLS session. An "empty" binding (go-mssqldb's
// EmptyChannelBindings) means none.
func (a *Authenticator) SetChannelBinding(cb *integratedauth.ChannelBindings) {
	if cb == nil || cb.Type == integratedauth.ChannelBindingsTypeEmpty {
		a.cb = nil
		return
	}
	a.cb = &gss.ChannelBindings{
		InitiatorAddrType: cb.InitiatorAddrType,
		InitiatorAddress:  cb.InitiatorAddress,
		AcceptorAddrType:  cb.AcceptorAddrType,
		AcceptorAddress:   cb.AcceptorAddress,
		ApplicationData:   cb.ApplicationData,
	}
}

// InitialBytes implements integratedauth.IntegratedAuthenticator: the
// SPNEGO token that goes into LOGIN7's SSPI field.
func (a *Authenticator) InitialBytes() ([]byte, error) {
	if a.freed {
		return nil, &Error{Step: StepInitiate, Target: a.spn, Err: ErrFreed}
	}
	if a.client != nil {
		return nil, &Error{Step: StepInitiate, Target: a.spn, Err: errTwice}
	}
	if err := a.start(); err != nil {
		return nil, err
	}
	out, err := a.client.Continue(nil)
	if err != nil {
		a.failed = true
		return nil, &Error{Step: StepInitiate, Target: a.spn, Err: err}
	}
	return out, nil
}

// NextBytes implements integratedauth.IntegratedAuthenticator: it feeds
// the server's SSPI message to the initiator and returns the answer,
// empty when there is nothing left to send.
func (a *Authenticator) NextBytes(in []byte) ([]byte, error) {
	a.tokens++
	fail := func(err error) error { return &Error{Step: StepContinue, Target: a.spn, Token: a.tokens, Err: err} }
	switch {
	case a.freed:
		return nil, fail(ErrFreed)
	case a.client == nil:
		return nil, fail(errNotStarted)
	}
	out, err := a.client.Continue(in)
	if err != nil {
		a.failed = true
		return nil, fail(err)
	}
	return out, nil
}

// Established reports whether the exchange completed: the server proved
// itself (Kerberos mutual authentication) and every due mechListMIC was
// verified.
func (a *Authenticator) Established() bool {
	return a.client != nil && !a.freed && !a.failed && !a.client.ContinueNeeded()
}

// Record returns what the SPNEGO engine saw: the selected mechanism and the
// mechListMIC decisions.
func (a *Authenticator) Record() negotiate.Record {
	if a.client == nil {
		return negotiate.Record{}
	}
	return a.client.Record()
}

// Free implements integratedauth.IntegratedAuthenticator: it deletes the
// security context and releases the credential and name. It is safe to
// call more than once.
func (a *Authenticator) Free() {
	if a.freed {
		return
	}
	a.freed = true
	if a.client != nil {
		a.client.Close()
	}
	if a.cred != nil {
		a.cred.Release()
	}
	if a.target != nil {
		a.target.Release()
	}
	if a.releaseNTLMTarget != nil {
		a.releaseNTLMTarget()
	}
}
