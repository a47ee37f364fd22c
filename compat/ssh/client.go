package sshgss

import (
	"sync"

	"github.com/gssnego/gssnego/gss"
	"golang.org/x/crypto/ssh"
)

// Client is an ssh.GSSAPIClient over a gss.Provider: raw Kerberos V5, as
// RFC 4462 gssapi-with-mic and OpenSSH's sshd expect, with mutual
// authentication and integrity requested (and delegation when asked).
//
// x/crypto/ssh calls a GSSAPIClient without saying which connection a call
// belongs to, so a Client serves one connection at a time: use one per
// ssh.Dial. A second exchange started before the first was deleted fails
// with ErrBusy rather than mixing contexts. It is safe for use by several
// goroutines (calls are serialised).
type Client struct {
	cfg config

	mu     sync.Mutex
	ctx    gss.SecContext
	target string
	info   *gss.SecContextInfo // of the last context that completed
}

var _ ssh.GSSAPIClient = (*Client)(nil)

// NewClient returns a Client using the platform's provider and the default
// credential (KRB5CCNAME on Unix, the logged-on user on Windows) unless
// options say otherwise.
func NewClient(opts ...Option) (*Client, error) {
	cfg, err := newConfig(sideClient, opts)
	if err != nil {
		return nil, err
	}
	return &Client{cfg: cfg}, nil
}

// InitSecContext implements ssh.GSSAPIClient. target is what x/crypto/ssh
// makes of GSSAPIWithMICAuthMethod's target: "host@" + target. The first
// call (token nil) starts a Kerberos V5 context with mutual authentication
// and integrity, and delegation if isGSSDelegCreds or WithDelegation; later
// calls feed the server's tokens. A completed context must grant integrity
// (for the MIC) and mutual authentication (the server proved its key).
func (c *Client) InitSecContext(target string, token []byte, isGSSDelegCreds bool) ([]byte, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	step := StepContinue
	if c.ctx == nil {
		step = StepInitiate
		if token != nil {
			return nil, false, stepErr(StepInitiate, target, detail(ErrUnexpectedToken, "a server token (%d bytes) before the context started", len(token)))
		}
		if err := c.start(target, isGSSDelegCreds); err != nil {
			return nil, false, err
		}
	} else if token == nil || target != c.target {
		return nil, false, stepErr(StepInitiate, target, ErrBusy)
	} else if !c.ctx.ContinueNeeded() {
		return nil, false, stepErr(StepContinue, target, detail(ErrUnexpectedToken, "%d bytes after the context completed", len(token)))
	}
	out, err := c.ctx.Continue(token)
	if err != nil {
		c.drop()
		return nil, false, stepErr(step, target, err)
	}
	if c.ctx.ContinueNeeded() {
		return out, true, nil
	}
	if err := c.complete(); err != nil {
		c.drop()
		return nil, false, stepErr(step, target, err)
	}
	return out, false, nil
}

func (c *Client) start(target string, deleg bool) error {
	name, err := importTarget(c.cfg.provider, target)
	if err != nil {
		return stepErr(StepImportName, target, err)
	}
	defer name.Release()
	flags := gss.FlagMutual | gss.FlagInteg
	if deleg || c.cfg.delegate {
		flags |= gss.FlagDeleg
	}
	opts := []gss.InitSecContextOption{gss.WithMech(gss.MechKRB5), gss.WithFlags(flags)}
	if c.cfg.cred != nil {
		opts = append(opts, gss.WithInitiatorCredential(c.cfg.cred))
	}
	ctx, err := c.cfg.provider.InitSecContext(name, opts...)
	if err != nil {
		return stepErr(StepInitiate, target, err)
	}
	c.ctx, c.target = ctx, target
	return nil
}

// complete checks what the established context granted.
func (c *Client) complete() error {
	info, err := c.ctx.Inquire()
	if err != nil {
		return err
	}
	if !isKRB5(info.Mech) {
		return detail(ErrWrongMech, "mechanism %s", info.Mech.MechName())
	}
	if info.Flags&gss.FlagInteg == 0 {
		return detail(ErrNoIntegrity, "granted flags %v", info.Flags)
	}
	if info.Flags&gss.FlagMutual == 0 {
		return detail(gss.ErrUnauthorized, "the server did not authenticate itself (granted flags %v)", info.Flags)
	}
	c.info = info
	return nil
}

// GetMIC implements ssh.GSSAPIClient: it signs the RFC 4462 §3.5 message
// (session identifier, user, service, method) that binds the login to this
// SSH session.
func (c *Client) GetMIC(micField []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ctx == nil || c.ctx.ContinueNeeded() {
		return nil, stepErr(StepGetMIC, c.target, ErrNotEstablished)
	}
	mic, err := c.ctx.GetMIC(micField)
	if err != nil {
		return nil, stepErr(StepGetMIC, c.target, err)
	}
	return mic, nil
}

// DeleteSecContext implements ssh.GSSAPIClient: it deletes the context,
// complete or half-built, so the Client can serve the next login.
// x/crypto/ssh calls it at the end of every gssapi-with-mic attempt.
func (c *Client) DeleteSecContext() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.drop()
}

func (c *Client) drop() error {
	if c.ctx == nil {
		return nil
	}
	err := c.ctx.Close()
	c.ctx, c.target = nil, ""
	return err
}

// ContextInfo describes the last context this Client completed (flags
// granted, e.g. gss.FlagDeleg when the TGT was forwarded; names; session
// key enctype), or nil if none has. It stays available after
// DeleteSecContext.
func (c *Client) ContextInfo() *gss.SecContextInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.info
}

func isKRB5(m gss.OID) bool {
	return m == gss.MechKRB5 || m == gss.MechMSKRB5 || m == gss.MechKRB5Old
}
