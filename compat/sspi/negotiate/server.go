package negotiate

import (
	"errors"
	"fmt"
	"time"

	"github.com/gssnego/gssnego/compat/sspi"
	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/negotiate"
)

// ServerContext is used by the server to manage all steps of Negotiate
// negotiation. Once authentication is completed the context can be
// used to impersonate client.
type ServerContext struct {
	s secctx
}

// NewServerContext creates new server context. It uses server
// credentials created by AcquireServerCredentials and token from
// the client to start server Negotiate negotiation sequence.
// It also returns new token to be sent to the client.
//
// Complete (authDone) means the client was authenticated and every due
// mechListMIC verified; the token returned with it must still be sent
// (it carries the Kerberos AP-REP that authenticates the server).
func NewServerContext(cred *sspi.Credentials, token []byte) (sc *ServerContext, authDone bool, outputToken []byte, err error) {
	const op = "negotiate.NewServerContext"
	fail := func(err error) (*ServerContext, bool, []byte, error) {
		return nil, false, nil, &sspi.Error{Op: op, Token: 1, Status: sspi.StatusOf(err), Err: err}
	}
	switch {
	case cred == nil:
		return fail(fmt.Errorf("%w: nil credentials", gss.ErrNoCred))
	case cred.Released():
		return fail(fmt.Errorf("%w: credentials used after Release", gss.ErrNoCred))
	}
	p, err := provider()
	if err != nil {
		return fail(err)
	}
	eng, err := negotiate.NewServer(negotiate.Config{Provider: p, Mechs: cred.Mechs(), Credential: cred.Credential()})
	if err != nil {
		return fail(err)
	}
	c := &ServerContext{s: secctx{side: "ServerContext", eng: eng}}
	done, out, err := c.s.step(token)
	if err != nil {
		c.Release()
		var se *sspi.Error
		if errors.As(err, &se) {
			se.Op = op
		}
		return nil, false, nil, err
	}
	return c, done, out, nil
}

// Release free up resources associated with server context c.
func (c *ServerContext) Release() error {
	if c == nil {
		return nil
	}
	return c.s.release()
}

// Expiry returns c expiry time.
func (c *ServerContext) Expiry() time.Time {
	return c.s.expiry()
}

// Update advances server part of Negotiate negotiation c. It uses
// token received from the client and returns true if server part
// of authentication is complete. It also returns new token to be
// sent to the client.
func (c *ServerContext) Update(token []byte) (authCompleted bool, outputToken []byte, err error) {
	return c.s.step(token)
}

// GetUsername returns the username corresponding to the authenticated client
//
// It is the client's name as the mechanism gives it: "user@REALM" for
// Kerberos (as SSPI's SECPKG_ATTR_NATIVE_NAMES), "DOMAIN\user" for NTLM.
func (c *ServerContext) GetUsername() (name string, err error) {
	err = c.s.live("GetUsername", func(e engine) error {
		info, err := e.Inquire()
		if err != nil {
			return err
		}
		if !info.Established {
			return negotiate.ErrNotEstablished
		}
		if info.InitiatorName == "" {
			return fmt.Errorf("%w: %w", gss.ErrUnavailable, errNoName)
		}
		name = info.InitiatorName
		return nil
	})
	return name, err
}

// ImpersonateUser changes current OS thread user. New user is
// the user as specified by client credentials.
//
// Off Windows there is no logon token to take on: the call fails with
// SEC_E_UNSUPPORTED_FUNCTION wrapping sspi.ErrNotSupported. Use
// GetUsername and the operating system's own means (setuid, a
// privilege-separated helper) instead.
func (c *ServerContext) ImpersonateUser() error {
	return c.s.live("ImpersonateUser", impersonate)
}

// RevertToSelf stops impersonation. It changes current OS thread
// user to what it was before ImpersonateUser was executed.
//
// Off Windows it fails like ImpersonateUser.
func (c *ServerContext) RevertToSelf() error {
	return c.s.live("RevertToSelf", revert)
}

// Sizes queries the server context for the sizes used in per-message
// functions. It returns the maximum token size used in authentication
// exchanges, the maximum signature size, the preferred integral size of
// messages, the size of any security trailer, and any error.
func (c *ServerContext) Sizes() (uint32, uint32, uint32, uint32, error) {
	return c.s.sizes()
}

// MakeSignature uses the established server context to create a signature
// for the given message using the provided quality of protection flags and
// sequence number. It returns the signature token in addition to any error.
func (c *ServerContext) MakeSignature(msg []byte, qop, seqno uint32) ([]byte, error) {
	return c.s.makeSignature(msg, qop)
}

// VerifySignature uses the established server context and signature token
// to check that the provided message hasn't been tampered or received out
// of sequence. It returns any quality of protection flags and any error
// that occurred.
func (c *ServerContext) VerifySignature(msg, token []byte, seqno uint32) (uint32, error) {
	return c.s.verifySignature(msg, token)
}

// EncryptMessage uses the established server context to encrypt a message
// using the provided quality of protection flags and sequence number.
// It returns the signature token in addition to any error.
//
// The result is the GSS wrap token (see ClientContext.EncryptMessage);
// msg is not modified.
func (c *ServerContext) EncryptMessage(msg []byte, qop, seqno uint32) ([]byte, error) {
	return c.s.encryptMessage(msg, qop)
}

// DecryptMessage uses the established server context to decrypt a message
// using the provided sequence number.
// It returns the quality of protection flag and the decrypted message in addition to any error.
func (c *ServerContext) DecryptMessage(msg []byte, seqno uint32) (uint32, []byte, error) {
	return c.s.decryptMessage(msg)
}
