package replay

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/gssnego/gssnego/gss"
)

// DefaultTimeout bounds one Store check when Provider.Timeout is 0.
const DefaultTimeout = 2 * time.Second

// NativeCacheDisabler is implemented by a provider that can turn its own
// acceptor replay cache off for one credential (gssapi_unix with MIT:
// cred store "rcache" = "none:"). ok is false when it has nothing to turn
// off or cannot (Heimdal keeps none; SSPI cannot).
type NativeCacheDisabler interface {
	ReplayCacheOff() (opts []gss.CredOption, ok bool)
}

// Provider wraps a gss.Provider so that its acceptor contexts check each
// accepted AP-REQ against Store. Everything else passes through. Build it
// with New; its fields must not change once it is in use.
type Provider struct {
	gss.Provider
	// Store is the replay cache; New puts a NewMemory(0) here for nil.
	Store Store
	// ClockSkew is the acceptor's allowed skew; 0: DefaultClockSkew. The
	// entries live TTL(ClockSkew).
	ClockSkew time.Duration
	// Timeout bounds each check; 0: DefaultTimeout. A check that takes
	// longer fails closed like an unreachable store.
	Timeout time.Duration

	credMu  sync.Mutex
	cred    gss.Credential // default Kerberos acceptor credential with the native cache off
	anyCred gss.Credential // default acceptor credential for every mechanism
}

// New wraps p with store (nil: an in-memory store).
func New(p gss.Provider, store Store) *Provider {
	if store == nil {
		store = NewMemory(0)
	}
	return &Provider{Provider: p, Store: store}
}

// StoreName is how the errors name a store: its String method when it has
// one, else its type.
func StoreName(s Store) string {
	if n, ok := s.(fmt.Stringer); ok {
		return n.String()
	}
	return fmt.Sprintf("%T", s)
}

// String implements fmt.Stringer for the memory store.
func (m *Memory) String() string { return "memory" }

// AcquireCredential acquires through the wrapped provider. An acceptor
// credential for the Kerberos mechanisms only gets the native replay cache
// off (NativeCacheDisabler) unless the caller chose a replay cache itself.
// One for all mechanisms (mechs nil) keeps it: MIT's cred store reaches
// every mechanism of the credential, and gss-ntlmssp 1.2 cannot accept
// with a credential acquired from a cred store (its contexts are refused;
// with an "rcache" element the process crashes).
func (p *Provider) AcquireCredential(name gss.Name, mechs []gss.OID, usage gss.CredUsage, opts ...gss.CredOption) (gss.Credential, error) {
	if usage != gss.CredInitiateOnly && kerberosOnly(mechs) {
		opts = p.offOptions(opts)
	}
	return p.Provider.AcquireCredential(name, mechs, usage, opts...)
}

func kerberosOnly(mechs []gss.OID) bool {
	for _, m := range mechs {
		if !m.IsKerberos() {
			return false
		}
	}
	return len(mechs) > 0
}

func (p *Provider) offOptions(opts []gss.CredOption) []gss.CredOption {
	d, ok := p.Provider.(NativeCacheDisabler)
	if !ok {
		return opts
	}
	var cfg gss.CredConfig
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.ReplayCache != "" || cfg.Password != nil {
		return opts
	}
	off, ok := d.ReplayCacheOff()
	if !ok {
		return opts
	}
	return append(append([]gss.CredOption(nil), opts...), off...)
}

// AcceptSecContext starts an acceptor context of the wrapped provider whose
// Continue checks the AP-REQ it accepts. Without a credential in opts, and
// when the provider can turn its own cache off, the wrapped context is
// started by the first Continue: for a Kerberos token with a Kerberos-only
// default acceptor credential acquired once with the native cache off, for
// any other token (NTLM, the provider's own SPNEGO) with the provider's
// default credential, whose native cache stays on under ours.
func (p *Provider) AcceptSecContext(opts ...gss.AcceptSecContextOption) (gss.SecContext, error) {
	if _, ok := p.Provider.(NativeCacheDisabler); ok && gss.NewAcceptSecContextConfig(opts...).Credential == nil {
		return &acceptor{SecContext: notStarted{}, p: p, opts: opts}, nil
	}
	sc, err := p.Provider.AcceptSecContext(opts...)
	if err != nil {
		return nil, err
	}
	return &acceptor{SecContext: sc, p: p}, nil
}

// start starts the wrapped context for the first token in.
func (a *acceptor) start(in []byte) error {
	opts := a.opts
	cred := a.p.defaultCred()
	if isKerberos(in) {
		if k := a.p.kerberosCred(); k != nil {
			cred = k
		}
	}
	if cred != nil {
		opts = append(append([]gss.AcceptSecContextOption(nil), opts...), gss.WithAcceptorCredential(cred))
	}
	sc, err := a.p.Provider.AcceptSecContext(opts...)
	if err != nil {
		return err
	}
	a.SecContext, a.opts = sc, nil
	return nil
}

// isKerberos: a framed token of a Kerberos mechanism or a raw AP-REQ.
func isKerberos(tok []byte) bool {
	if len(tok) == 0 {
		return false
	}
	if tok[0] == 0x6e {
		return true
	}
	if tok[0] != gss.TagFraming {
		return false
	}
	mech, _, err := gss.ParseFraming(tok)
	return err == nil && mech.IsKerberos()
}

// defaultCred is the provider's default acceptor credential for every
// mechanism, acquired once (without it MIT acquires one inside every
// accept); nil when that fails.
func (p *Provider) defaultCred() gss.Credential {
	p.credMu.Lock()
	defer p.credMu.Unlock()
	if p.anyCred == nil {
		p.anyCred, _ = p.Provider.AcquireCredential(nil, nil, gss.CredAcceptOnly)
	}
	return p.anyCred
}

// kerberosCred is the default Kerberos acceptor credential with the native
// cache off, acquired once (nil when that fails: the provider's default).
func (p *Provider) kerberosCred() gss.Credential {
	p.credMu.Lock()
	defer p.credMu.Unlock()
	if p.cred == nil {
		if off := p.offOptions(nil); len(off) > 0 {
			p.cred, _ = p.Provider.AcquireCredential(nil, []gss.OID{gss.MechKRB5}, gss.CredAcceptOnly, off...)
		}
	}
	return p.cred
}

// Check records the AP-REQ in tok (see TokenKey) and reports a replay or an
// unavailable store. It is what an acceptor context runs after its
// mechanism accepted tok; a server that steps contexts of its own (not
// made by AcceptSecContext) may call it the same way. A token without an
// AP-REQ passes.
func (p *Provider) Check(tok []byte) error {
	key, ok := TokenKey(tok)
	if !ok {
		return nil
	}
	return p.CheckKey(key)
}

// CheckKey is Check for a key already computed.
func (p *Provider) CheckKey(key Key) error {
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := p.Store.CheckAndInsert(ctx, key, TTL(p.ClockSkew))
	switch {
	case err == nil:
		return nil
	case err == ErrReplay:
		return &ReplayedError{Store: StoreName(p.Store)}
	}
	if _, ok := err.(*UnavailableError); ok {
		return err
	}
	if _, ok := err.(*ReplayedError); ok {
		return err
	}
	return &UnavailableError{Store: StoreName(p.Store), Err: err}
}

// ReplayedError is an acceptor's error for a replayed AP-REQ. It matches
// ErrReplay and gss.ErrDuplicateToken (a *gss.Error with GSS_S_FAILURE and
// the duplicate-token bit, as MIT reports its own cache's refusals).
type ReplayedError struct {
	Store string // the store that had seen it
}

func (e *ReplayedError) Error() string {
	return "gss: request is a replay (its authenticator was already accepted; replay cache " + e.Store + ")"
}

// Unwrap exposes ErrReplay and the *gss.Error.
func (e *ReplayedError) Unwrap() []error {
	return []error{ErrReplay, gss.NewError("replay cache", gss.StatusFailure|gss.StatusDuplicateToken, 0, gss.MechKRB5, "request is a replay")}
}

// acceptor is an acceptor context whose Continue checks the AP-REQ it
// accepted.
type acceptor struct {
	gss.SecContext
	p *Provider

	opts []gss.AcceptSecContextOption // until start (SecContext is notStarted)

	mu      sync.Mutex
	checked bool // an AP-REQ was checked: later legs carry none
	failed  bool // refused: the context is closed and never established
}

func (a *acceptor) Continue(in []byte) ([]byte, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.failed {
		return nil, gss.NewError("replay cache", gss.StatusNoContext, 0, "", "context refused as a replay")
	}
	if _, ok := a.SecContext.(notStarted); ok {
		if err := a.start(in); err != nil {
			return nil, err
		}
	}
	out, err := a.SecContext.Continue(in)
	if err != nil || a.checked {
		return out, err
	}
	key, ok := TokenKey(in)
	if !ok {
		return out, nil
	}
	a.checked = true
	if err := a.p.CheckKey(key); err != nil {
		a.failed = true
		a.SecContext.Close()
		return nil, err
	}
	return out, nil
}

func (a *acceptor) ContinueNeeded() bool {
	a.mu.Lock()
	failed, sc := a.failed, a.SecContext
	a.mu.Unlock()
	return !failed && sc.ContinueNeeded()
}

func (a *acceptor) Inquire() (*gss.SecContextInfo, error) {
	sc, err := a.established()
	if err != nil {
		return nil, err
	}
	return sc.Inquire()
}

// The optional interfaces of the wrapped context pass through: the
// engine's NTLM crypto reset, the name-less inquiry, the initiator-only
// inquiry, delegation and the PAC. A new optional interface of gss must be
// added here too, or a server behind the replay cache silently loses it
// (TestAcceptorPassesOptionalInterfaces).
var (
	_ gss.ContextOptionSetter = (*acceptor)(nil)
	_ gss.MechInquirer        = (*acceptor)(nil)
	_ gss.InitiatorNamer      = (*acceptor)(nil)
	_ gss.Delegated           = (*acceptor)(nil)
	_ gss.AuthzInquirer       = (*acceptor)(nil)
)

// Inner returns the wrapped provider's context, for calls gss.SecContext
// lacks (gssapi_unix's WrapIOV …).
func (a *acceptor) Inner() gss.SecContext { return a.SecContext }

func (a *acceptor) SetOption(option gss.OID, value []byte) error {
	if o, ok := a.SecContext.(gss.ContextOptionSetter); ok {
		return o.SetOption(option, value)
	}
	return fmt.Errorf("gss: %T has no context options: %w", a.SecContext, gss.ErrUnavailable)
}

func (a *acceptor) InquireMech() (*gss.SecContextInfo, error) {
	sc, err := a.established()
	if err != nil {
		return nil, err
	}
	return gss.InquireMech(sc)
}

func (a *acceptor) InitiatorName() (string, error) {
	sc, err := a.established()
	if err != nil {
		return "", err
	}
	return gss.InitiatorName(sc)
}

func (a *acceptor) InquireAuthz() (*gss.AuthzData, error) {
	sc, err := a.established()
	if err != nil {
		return nil, err
	}
	return gss.InquireAuthz(sc)
}

// established is the wrapped context, or the error of one refused as a
// replay (whose answers must not be trusted).
func (a *acceptor) established() (gss.SecContext, error) {
	a.mu.Lock()
	failed, sc := a.failed, a.SecContext
	a.mu.Unlock()
	if failed {
		return nil, gss.NewError("replay cache", gss.StatusNoContext, 0, "", "context refused as a replay")
	}
	return sc, nil
}

func (a *acceptor) DelegatedCredential() (gss.Credential, error) {
	return gss.DelegatedCredential(a.SecContext)
}

// notStarted stands for the wrapped context until the first token.
type notStarted struct{}

func errNotStarted() error {
	return gss.NewError("replay cache", gss.StatusNoContext, 0, "", "acceptor context not started: no token yet")
}

func (notStarted) Continue([]byte) ([]byte, error)         { return nil, errNotStarted() }
func (notStarted) ContinueNeeded() bool                    { return true }
func (notStarted) Inquire() (*gss.SecContextInfo, error)   { return nil, errNotStarted() }
func (notStarted) GetMIC([]byte) ([]byte, error)           { return nil, errNotStarted() }
func (notStarted) VerifyMIC([]byte, []byte) error          { return errNotStarted() }
func (notStarted) Wrap([]byte, bool) ([]byte, bool, error) { return nil, false, errNotStarted() }
func (notStarted) Unwrap([]byte) ([]byte, bool, error)     { return nil, false, errNotStarted() }
func (notStarted) WrapSizeLimit(bool, int) (int, error)    { return 0, errNotStarted() }
func (notStarted) Export() ([]byte, error)                 { return nil, errNotStarted() }
func (notStarted) Close() error                            { return nil }
