package pgxgss

import (
	"fmt"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/platform"
)

// DefaultService is the Kerberos service name PostgreSQL clients use when
// the connection string has no krbsrvname (libpq's PG_KRB_SRVNAM).
const DefaultService = "postgres"

// Option configures New and Register.
type Option func(*config)

type config struct {
	provider    gss.Provider
	cred        gss.Credential
	flags       gss.Flags
	established func(*gss.SecContextInfo)
}

// WithProvider uses p instead of the platform's provider
// (platform.Provider(): MIT or Heimdal on Unix, SSPI on Windows).
func WithProvider(p gss.Provider) Option { return func(c *config) { c.provider = p } }

// WithCredential authenticates with cred (e.g. one acquired from a
// particular ccache or keytab, or a delegated or impersonated credential)
// instead of the default one. The caller keeps ownership: it must outlive
// every connection attempt and is never released here.
func WithCredential(cred gss.Credential) Option { return func(c *config) { c.cred = cred } }

// WithFlags adds context flags to the mutual authentication that is always
// requested; gss.FlagDeleg forwards the ticket (PostgreSQL 16's
// gss_accept_delegation uses it; 15 ignores it).
func WithFlags(f gss.Flags) Option { return func(c *config) { c.flags |= f } }

// WithEstablished calls f with the description of every context that
// completes (mechanism, flags granted, names), before pgx goes on; for
// logging and auditing.
func WithEstablished(f func(*gss.SecContextInfo)) Option {
	return func(c *config) { c.established = f }
}

// Register makes every pgx connection in the program authenticate with
// gssnego when a server asks for gss: pgconn.RegisterGSSProvider with New.
// Like pgx's registry it is process-wide; the last call wins.
func Register(opts ...Option) {
	pgconn.RegisterGSSProvider(func() (pgconn.GSS, error) { return New(opts...) })
}

// GSS is one connection attempt's Kerberos exchange, a pgconn.GSS. pgx
// calls GetInitToken (or GetInitTokenFromSPN when krbspn is set) once,
// then Continue with each AuthenticationGSSContinue payload until done.
type GSS struct {
	cfg    config
	target string

	mu    sync.Mutex // pgx uses a GSS from one goroutine; this keeps misuse safe
	ctx   gss.SecContext
	state state
}

// state is where a GSS is in its one exchange.
type state int

const (
	stateNew         state = iota
	stateStarted           // the AP-REQ was made; ctx is live
	stateEstablished       // done; ctx was released
	stateFailed            // an error ended it; ctx was released
)

var _ pgconn.GSS = (*GSS)(nil)

// New returns a GSS for one connection attempt.
func New(opts ...Option) (*GSS, error) {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.provider == nil {
		p, err := platform.Provider()
		if err != nil {
			return nil, &Error{Step: StepInitiate, Err: fmt.Errorf("no GSS provider: %w", err)}
		}
		cfg.provider = p
	}
	return &GSS{cfg: cfg}, nil
}

// GetInitToken starts the exchange towards service@host, the host-based
// name libpq uses (service is krbsrvname, by default "postgres"), and
// returns the AP-REQ to send.
func (g *GSS) GetInitToken(host, service string) ([]byte, error) {
	if service == "" {
		service = DefaultService
	}
	// pgx passes its configured host, which for a Unix socket is a path:
	// PostgreSQL never offers gss there, but a name built from it would only
	// fail later at the KDC with a confusing "server not found".
	if host == "" || strings.HasPrefix(host, "/") {
		return nil, &Error{Step: StepInitiate, Target: service + "@" + host, Err: fmt.Errorf("%w: host %q", ErrNoTarget, host)}
	}
	return g.start(service+"@"+host, gss.NameHostBasedService)
}

// GetInitTokenFromSPN is GetInitToken for an explicit name (pgx's krbspn):
// "postgres/db.example.com[@REALM]" is a Kerberos principal,
// "postgres@db.example.com" a host-based service name.
func (g *GSS) GetInitTokenFromSPN(spn string) ([]byte, error) {
	return g.start(spn, gss.GuessNameType(spn))
}

func (g *GSS) start(target string, nameType gss.NameType) ([]byte, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.target = target
	if g.state != stateNew {
		return nil, g.fail(StepInitiate, fmt.Errorf("%w: the exchange was already started", ErrUnexpectedToken))
	}
	name, err := g.cfg.provider.ImportName(target, nameType)
	if err != nil {
		return nil, g.fail(StepInitiate, err)
	}
	defer name.Release()
	// Raw krb5, as libpq sends (GSS_C_NO_OID, the krb5 default; its SSPI
	// build the "kerberos" package): see the package doc. Mutual
	// authentication is what makes the server answer with
	// AuthenticationGSSContinue (the AP-REP), which pgx waits for.
	opts := []gss.InitSecContextOption{
		gss.WithMech(gss.MechKRB5),
		gss.WithFlags(g.cfg.flags | gss.FlagMutual),
	}
	if g.cfg.cred != nil {
		opts = append(opts, gss.WithInitiatorCredential(g.cfg.cred))
	}
	ctx, err := g.cfg.provider.InitSecContext(name, opts...)
	if err != nil {
		return nil, g.fail(StepInitiate, err)
	}
	g.ctx, g.state = ctx, stateStarted
	out, err := ctx.Continue(nil)
	if err != nil {
		return nil, g.fail(StepInitiate, err)
	}
	return out, nil
}

// Continue feeds the server's token (the AP-REP) to the context; done is
// true once it is established, and then outToken is empty (pgx sends
// nothing more).
func (g *GSS) Continue(inToken []byte) (done bool, outToken []byte, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case g.state == stateEstablished:
		return false, nil, g.fail(StepContinue, fmt.Errorf("%w: a token after the context was established", ErrUnexpectedToken))
	case g.state != stateStarted:
		return false, nil, g.fail(StepContinue, fmt.Errorf("%w: Continue without a started exchange", ErrUnexpectedToken))
	case len(inToken) == 0:
		return false, nil, g.fail(StepContinue, fmt.Errorf("%w: an empty AuthenticationGSSContinue", ErrUnexpectedToken))
	}
	out, err := g.ctx.Continue(inToken)
	if err != nil {
		return false, nil, g.fail(StepContinue, err)
	}
	if g.ctx.ContinueNeeded() {
		return false, out, nil
	}
	if g.cfg.established != nil {
		info, err := g.ctx.Inquire()
		if err != nil {
			return false, nil, g.fail(StepContinue, err)
		}
		g.cfg.established(info)
	}
	// pgx keeps no reference to the context (it has no GSS encryption), so
	// the native one is freed now rather than by a cleanup later.
	_ = g.ctx.Close()
	g.ctx, g.state = nil, stateEstablished
	return true, out, nil
}

// fail releases the context (an exchange never resumes after an error) and
// builds the Error for step.
func (g *GSS) fail(step Step, err error) error {
	if g.ctx != nil {
		_ = g.ctx.Close()
		g.ctx = nil
	}
	g.state = stateFailed
	return &Error{Step: step, Target: g.target, Err: err}
}
