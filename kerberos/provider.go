package kerberos

import (
	"context"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jcmturner/gokrb5/v8/config"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/replay"
)

// ProviderName is what Provider.Name returns.
const ProviderName = "Go Kerberos"

// Provider is the pure-Go Kerberos V5 gss.Provider. It keeps krb5.conf,
// the default acceptor keytab, the default initiator credential (with its
// service tickets) and the replay cache in memory; the zero value is not
// usable, call NewProvider.
type Provider struct {
	cfgMu     sync.Mutex
	cfg       *config.Config
	cfgErr    error
	cfgKey    string // configKey when cfg was read
	cfgEnv    string // KRB5_CONFIG when cfgKey was taken
	cfgStat   time.Time
	cfgLoaded bool
	cfgPinned bool // tests only: cfg as set, never read

	mu       sync.Mutex
	acceptor *Credential // default acceptor credential, by keytab path
	accPath  string
	accMod   time.Time
	accSize  int64
	initDef  *Credential // default initiator credential, by ccache path
	initPath string
	initMod  time.Time

	resolver atomic.Pointer[net.Resolver] // SetResolver; nil: net.DefaultResolver

	rcache      replayCache
	clockOffset time.Duration // tests only
}

// SetReplayStore makes s the acceptor's replay cache (by default an
// in-memory replay.Memory of this provider): a replay/redisstore shares it
// across the instances of a fleet. Wrapping the provider with replay.New
// instead adds that store's check to this provider's own.
func (p *Provider) SetReplayStore(s replay.Store) { p.rcache.set(s) }

func (p *Provider) now() time.Time { return time.Now().Add(p.clockOffset) }

var _ gss.Provider = (*Provider)(nil)

// NewProvider returns a pure-Go Kerberos provider. It reads its
// configuration (KRB5_CONFIG, KRB5CCNAME, KRB5_KTNAME) when first used,
// and krb5.conf again when KRB5_CONFIG or the file changes. A change of
// KRB5_CONFIG is seen at the next call, a change of the file itself
// within about a second (statInterval), or at once after Reload. The
// default keytab is read again when the file changes (it is looked at
// only when a context is made without a credential).
func NewProvider() *Provider { return &Provider{} }

// statInterval is how long the provider trusts its last look at
// krb5.conf: a server's every request needs the configuration (its clock
// skew), and a stat per request is a system call MIT's acceptor makes but
// a server need not.
const statInterval = time.Second

// Reload makes the next call read krb5.conf again if it changed, without
// waiting for statInterval: for tools and tests that rewrite the file in
// place.
func (p *Provider) Reload() {
	p.cfgMu.Lock()
	p.cfgStat = time.Time{}
	p.cfgMu.Unlock()
}

func (p *Provider) config() (*config.Config, error) {
	p.cfgMu.Lock()
	defer p.cfgMu.Unlock()
	if p.cfgPinned {
		return p.cfg, p.cfgErr
	}
	env := os.Getenv("KRB5_CONFIG")
	now := time.Now()
	if p.cfgLoaded && env == p.cfgEnv && !p.cfgStat.IsZero() && now.Sub(p.cfgStat) < statInterval && now.After(p.cfgStat) {
		return p.cfg, p.cfgErr
	}
	key := configKey()
	p.cfgEnv, p.cfgStat = env, now
	if p.cfgLoaded && key == p.cfgKey {
		return p.cfg, p.cfgErr
	}
	p.cfg, p.cfgErr = loadConfig()
	if p.cfgErr != nil {
		p.cfgErr = kerr("krb5.conf", gss.StatusFailure, 0, "%v", p.cfgErr)
	}
	p.cfgKey, p.cfgLoaded = key, true
	return p.cfg, p.cfgErr
}

func (p *Provider) clockSkew() time.Duration {
	if c, err := p.config(); err == nil && c != nil && c.LibDefaults.Clockskew > 0 {
		return c.LibDefaults.Clockskew
	}
	return 5 * time.Minute
}

// Name implements gss.Provider.
func (p *Provider) Name() string { return ProviderName }

// IndicateMechs implements gss.Provider: Kerberos V5 only.
func (p *Provider) IndicateMechs() ([]gss.OID, error) { return []gss.OID{gss.MechKRB5}, nil }

// ImportName implements gss.Provider.
func (p *Provider) ImportName(s string, t gss.NameType) (gss.Name, error) {
	c, err := p.config()
	if err != nil {
		return nil, err
	}
	return parseName(s, t, c.LibDefaults.DefaultRealm)
}

func asName(n gss.Name) (*name, error) {
	if n == nil {
		return nil, nil
	}
	if k, ok := n.(*name); ok {
		return k, nil
	}
	return nil, kerr("AcquireCredential", gss.StatusBadName, 0, "name %q was not imported by the pure-Go provider", n.String())
}

// AcquireCredential implements gss.Provider. An initiator credential comes
// from gss.WithPassword, gss.WithClientKeytab, or a FILE ccache
// (gss.WithCCache, KRB5CCNAME, /tmp/krb5cc_UID); an acceptor credential
// from gss.WithKeytab or KRB5_KTNAME (default /etc/krb5.keytab).
func (p *Provider) AcquireCredential(n gss.Name, mechs []gss.OID, usage gss.CredUsage, opts ...gss.CredOption) (gss.Credential, error) {
	return p.AcquireCredentialContext(context.Background(), n, mechs, usage, opts...)
}

// AcquireCredentialContext is AcquireCredential with the AS exchange of a
// password or client-keytab login bounded by ctx.
func (p *Provider) AcquireCredentialContext(ctx context.Context, n gss.Name, mechs []gss.OID, usage gss.CredUsage, opts ...gss.CredOption) (gss.Credential, error) {
	const op = "AcquireCredential"
	ctx = p.kdcContext(ctx)
	for _, m := range mechs {
		if !m.IsKerberos() {
			return nil, kerr(op, gss.StatusBadMech, 0, "mechanism %s not supported", m.MechName())
		}
	}
	cfg, err := p.config()
	if err != nil {
		return nil, err
	}
	who, err := asName(n)
	if err != nil {
		return nil, err
	}
	cc := gss.NewCredConfig(opts...)
	switch usage {
	case gss.CredAcceptOnly:
		c, err := p.acceptorCred(cc.Keytab, who)
		if err == nil && cc.ReplayCache == replayCacheNone {
			c.(*Credential).noRcache = true
		}
		return c, err
	case gss.CredInitiateOnly:
		return p.initiatorCred(ctx, cfg, cc, who)
	}
	// Both usages: as MIT, whichever elements can be had (the initiator's
	// error when neither).
	ic, ierr := p.initiatorCred(ctx, cfg, cc, who)
	ac, aerr := p.acceptorCred(cc.Keytab, who)
	switch {
	case ierr != nil && aerr != nil:
		return nil, ierr
	case ierr != nil:
		return ac, nil
	case aerr != nil:
		return ic, nil
	}
	both := ic.(*Credential)
	both.usage = gss.CredInitiateAndAccept
	both.acceptor = ac.(*Credential).acceptor
	return both, nil
}

func (p *Provider) initiatorCred(ctx context.Context, cfg *config.Config, cc gss.CredConfig, who *name) (gss.Credential, error) {
	const op = "AcquireCredential"
	switch {
	case cc.Password != nil:
		if who == nil {
			return nil, kerr(op, gss.StatusBadName, 0, "a password login needs the user's name")
		}
		return fromSecret(ctx, cfg, who, secret{password: cc.Password})
	case cc.ClientKeytab != "":
		kt, err := loadKeytab(cc.ClientKeytab)
		if err != nil {
			return nil, kerr(op, gss.StatusNoCred, minorKTNotFound, "%v", err)
		}
		w, err := clientFromKeytab(kt, who)
		if err != nil {
			return nil, kerr(op, gss.StatusNoCred, minorKTNotFound, "%v", err)
		}
		return fromSecret(ctx, cfg, w, secret{kt: kt})
	}
	return fromCCache(cfg, cc.CCache, who)
}

// acceptorCred returns the keytab's keys; the default keytab is read once
// and again only when the file changes (a key rotation without restart).
func (p *Provider) acceptorCred(ktName string, who *name) (gss.Credential, error) {
	const op = "AcquireCredential"
	if ktName == "" {
		ktName = os.Getenv("KRB5_KTNAME")
	}
	if ktName == "" {
		ktName = "/etc/krb5.keytab"
		if c, err := p.config(); err == nil && c.LibDefaults.DefaultKeytabName != "" {
			ktName = c.LibDefaults.DefaultKeytabName
		}
	}
	path, err := keytabPath(ktName)
	if err != nil {
		return nil, kerr(op, gss.StatusNoCred, minorKTNotFound, "%v", err)
	}
	st, statErr := os.Stat(path)
	if who == nil && statErr == nil {
		p.mu.Lock()
		if p.acceptor != nil && p.accPath == path && p.accMod.Equal(st.ModTime()) && p.accSize == st.Size() {
			// A credential of its own (Release is per credential) over the
			// shared keys.
			c := &Credential{cfg: p.acceptor.cfg, usage: gss.CredAcceptOnly, acceptor: p.acceptor.acceptor}
			p.mu.Unlock()
			return c, nil
		}
		p.mu.Unlock()
	}
	kt, err := loadKeytab(path)
	if err != nil {
		return nil, kerr(op, gss.StatusNoCred, minorKTNotFound, "%v", err)
	}
	cfg, _ := p.config()
	c := &Credential{cfg: cfg, usage: gss.CredAcceptOnly, acceptor: &acceptorKeys{path: path, kt: kt, only: who}}
	if who == nil && statErr == nil {
		p.mu.Lock()
		p.acceptor, p.accPath, p.accMod, p.accSize = c, path, st.ModTime(), st.Size()
		p.mu.Unlock()
		c = &Credential{cfg: cfg, usage: gss.CredAcceptOnly, acceptor: c.acceptor}
	}
	return c, nil
}

// defaultInitiator is the default ccache's credential, kept while the file
// is unchanged so its service tickets are reused.
func (p *Provider) defaultInitiator() (*Credential, error) {
	cfg, err := p.config()
	if err != nil {
		return nil, err
	}
	path, err := ccachePath("")
	if err == nil {
		if st, serr := os.Stat(path); serr == nil {
			p.mu.Lock()
			if p.initDef != nil && p.initPath == path && p.initMod.Equal(st.ModTime()) {
				c := p.initDef
				p.mu.Unlock()
				return c, nil
			}
			p.mu.Unlock()
			c, err := fromCCache(cfg, "", nil)
			if err != nil {
				return nil, err
			}
			p.mu.Lock()
			p.initDef, p.initPath, p.initMod = c, path, st.ModTime()
			p.mu.Unlock()
			return c, nil
		}
	}
	return fromCCache(cfg, "", nil)
}

// InitSecContext implements gss.Provider for the Kerberos mechanism.
func (p *Provider) InitSecContext(target gss.Name, opts ...gss.InitSecContextOption) (gss.SecContext, error) {
	const op = "InitSecContext"
	cfg := gss.NewInitSecContextConfig(opts...)
	if cfg.Mech != "" && !cfg.Mech.IsKerberos() {
		return nil, kerr(op, gss.StatusBadMech, 0, "mechanism %s not supported by the pure-Go provider", cfg.Mech.MechName())
	}
	t, err := asName(target)
	if err != nil || t == nil {
		return nil, kerr(op, gss.StatusBadName, 0, "target name missing or not imported by the pure-Go provider")
	}
	var cred *Credential
	if cfg.Credential != nil {
		c, ok := cfg.Credential.(*Credential)
		if !ok || c.tgt == nil {
			return nil, kerr(op, gss.StatusNoCred, 0, "credential is not a pure-Go initiator credential")
		}
		cred = c
	} else if cred, err = p.defaultInitiator(); err != nil {
		return nil, err
	}
	return &secContext{p: p, initiator: true, cred: cred, target: t, cb: cfg.ChannelBindings, req: cfg.Flags}, nil
}

// AcceptSecContext implements gss.Provider for the Kerberos mechanism.
func (p *Provider) AcceptSecContext(opts ...gss.AcceptSecContextOption) (gss.SecContext, error) {
	const op = "AcceptSecContext"
	cfg := gss.NewAcceptSecContextConfig(opts...)
	var cred *Credential
	if cfg.Credential != nil {
		c, ok := cfg.Credential.(*Credential)
		if !ok || c.acceptor == nil {
			return nil, kerr(op, gss.StatusNoCred, 0, "credential is not a pure-Go acceptor credential")
		}
		cred = c
	} else {
		c, err := p.acceptorCred("", nil)
		if err != nil {
			return nil, err
		}
		cred = c.(*Credential)
	}
	return &secContext{p: p, cred: cred, cb: cfg.ChannelBindings, req: cfg.Flags}, nil
}

// ImportSecContext implements gss.Provider; not built yet.
func (p *Provider) ImportSecContext([]byte) (gss.SecContext, error) {
	return nil, kerr("ImportSecContext", gss.StatusUnavailable, 0, "importing a context is not supported by the pure-Go provider yet")
}
