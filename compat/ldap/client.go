package ldapgss

import (
	"errors"
	"fmt"
	"sync"

	"github.com/go-ldap/ldap/v3"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/gss/tlsbinding"
	"github.com/gssnego/gssnego/platform"
)

// Client is go-ldap's ldap.GSSAPIClient over gssnego: SASL GSSAPI (RFC
// 4752) with the raw Kerberos mechanism. One Client runs one bind at a
// time; after a bind (go-ldap calls DeleteSecContext at its end) it can run
// another.
type Client struct {
	cfg config

	mu       sync.Mutex
	ctx      *sharedCtx
	spn      string
	step     Step
	sent     int // tokens handed to go-ldap in this bind
	tlsKnown bool
	offer    layerOffer // the server's last offer, for tests and docs
}

var _ ldap.GSSAPIClient = (*Client)(nil)

// NewClient returns a Client using the platform's provider
// (platform.Provider) and the default credential (KRB5CCNAME on Unix, the
// logged-on user on Windows) unless options say otherwise; its error is
// the provider's absence. Like sshgss.NewClient and pgxgss.New it returns
// (value, error); the ticket is only needed when a bind starts, so its
// absence comes from the bind, as a *BindError.
func NewClient(opts ...Option) (*Client, error) {
	c := &Client{cfg: config{maxBuf: DefaultMaxBuffer}}
	for _, o := range opts {
		o(&c.cfg)
	}
	if c.cfg.provider == nil {
		p, err := platform.Provider()
		if err != nil {
			return nil, fmt.Errorf("ldapgss: no GSS provider: %w", err)
		}
		c.cfg.provider = p
	}
	return c, nil
}

// Bind runs l.GSSAPIBindRequest for spn ("ldap/host", "ldap/host@REALM" or
// "ldap@host") with this Client and returns a *BindError naming the step
// for every failure, also those go-ldap reports (the server closed the
// connection or refused the bind: StepServerReply).
func (c *Client) Bind(l *ldap.Conn, spn, authzid string, controls ...ldap.Control) error {
	err := l.GSSAPIBindRequest(c, &ldap.GSSAPIBindRequest{ServicePrincipalName: spn, AuthZID: authzid, Controls: controls})
	if err == nil {
		return nil
	}
	var be *BindError
	if errors.As(err, &be) {
		return err
	}
	c.mu.Lock()
	sent := c.sent
	c.mu.Unlock()
	return &BindError{Step: StepServerReply, Token: sent, Target: spn, Err: err}
}

// InitSecContext implements ldap.GSSAPIClient.
func (c *Client) InitSecContext(target string, token []byte) ([]byte, bool, error) {
	return c.InitSecContextWithOptions(target, token, nil)
}

// InitSecContextWithOptions implements ldap.GSSAPIClient. The AP options
// (gokrb5 flags) are ignored: mutual authentication is always requested.
func (c *Client) InitSecContextWithOptions(target string, token []byte, _ []int) ([]byte, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ctx == nil {
		c.spn, c.step, c.sent = target, StepInitiate, 0
		ctx, err := c.newContext(target)
		if err != nil {
			return nil, false, c.fail(err)
		}
		c.ctx = newSharedCtx(ctx)
		token = nil
	} else {
		c.step = StepContinue
		if len(token) == 0 {
			return nil, false, c.fail(errors.New("the server answered without a GSS token before the context was established"))
		}
	}
	out, err := c.ctx.ctx.Continue(token)
	if err != nil {
		return nil, false, c.fail(err)
	}
	c.sent++
	return out, c.ctx.ctx.ContinueNeeded(), nil
}

func (c *Client) fail(err error) error {
	return &BindError{Step: c.step, Token: c.sent, Target: c.spn, Err: err}
}

// newContext starts a krb5 initiator context towards target.
func (c *Client) newContext(target string) (gss.SecContext, error) {
	p := c.cfg.provider
	cb, err := c.channelBindings()
	if err != nil {
		return nil, err
	}
	name, err := p.ImportName(target, gss.GuessNameType(target))
	if err != nil {
		return nil, err
	}
	defer name.Release()
	// Integrity and confidentiality are requested whatever layer follows:
	// Samba checks the integrity flag even when TLS carries the session.
	opts := []gss.InitSecContextOption{
		gss.WithMech(gss.MechKRB5),
		gss.WithFlags(gss.FlagMutual | gss.FlagSequence | gss.FlagReplay | gss.FlagInteg | gss.FlagConf | c.cfg.flags),
	}
	if c.cfg.cred != nil {
		opts = append(opts, gss.WithInitiatorCredential(c.cfg.cred))
	}
	if cb != nil {
		opts = append(opts, gss.WithInitiatorChannelBindings(cb))
	}
	return p.InitSecContext(name, opts...)
}

// channelBindings picks the bindings: explicit ones, else the server
// certificate of a TLS connection the Client was told about.
func (c *Client) channelBindings() (*gss.ChannelBindings, error) {
	cs := c.cfg.tlsState
	if cs == nil && c.cfg.conn != nil {
		var err error
		if cs, err = c.cfg.conn.tlsState(); err != nil {
			return nil, err
		}
	}
	c.tlsKnown = cs != nil
	if c.cfg.cb != nil || cs == nil {
		return c.cfg.cb, nil
	}
	return tlsbinding.ServerEndPointOf(cs)
}

// NegotiateSaslAuth implements ldap.GSSAPIClient: it unwraps the server's
// security-layer offer, chooses a layer, arms the Conn for it and returns
// the wrapped answer (layer, our maximum buffer, authzid).
func (c *Client) NegotiateSaslAuth(token []byte, authzid string) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.step = StepSecurityLayer
	if c.ctx == nil || c.ctx.ctx.ContinueNeeded() {
		return nil, c.fail(errors.New("the security-layer exchange started before the context was established"))
	}
	msg, _, err := c.ctx.ctx.Unwrap(token)
	if err != nil {
		return nil, c.fail(fmt.Errorf("unwrap the server's offer: %w", err))
	}
	offer, err := parseLayerOffer(msg)
	if err != nil {
		return nil, c.fail(err)
	}
	c.offer = offer
	layer, err := chooseLayer(offer.layers, c.cfg.layer, c.cfg.conn != nil, c.tlsKnown)
	if err != nil {
		return nil, c.fail(err)
	}
	if c.cfg.forceLayer != 0 {
		layer = c.cfg.forceLayer
	}
	if authzid == "" {
		authzid = c.cfg.authzid
	}
	out, _, err := c.ctx.ctx.Wrap(marshalLayerChoice(layer, c.cfg.maxBuf, authzid), false)
	if err != nil {
		return nil, c.fail(fmt.Errorf("wrap our answer: %w", err))
	}
	if layer != LayerNone {
		if err := c.cfg.conn.arm(c.ctx, layer, offer.maxBuf, c.cfg.maxBuf); err != nil {
			return nil, c.fail(err)
		}
	}
	c.sent++
	return out, nil
}

// DeleteSecContext implements ldap.GSSAPIClient; go-ldap calls it when a
// bind ends. A Conn carrying the layer keeps the context until it closes.
func (c *Client) DeleteSecContext() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ctx != nil {
		c.ctx.release()
		c.ctx = nil
	}
	return nil
}
