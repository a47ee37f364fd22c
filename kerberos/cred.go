package kerberos

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"

	"github.com/gssnego/gssnego/gss"
)

// Credential is a credential of the pure-Go mechanism: for an initiator a
// TGT (from a ccache, a client keytab or a password) and the service
// tickets got with it, kept in memory; for an acceptor the keys of a keytab,
// read once.
type Credential struct {
	cfg   *config.Config
	usage gss.CredUsage

	mu       sync.Mutex
	client   types.PrincipalName
	realm    string
	secret   *secret            // to renew the TGT by an AS exchange; nil for a ccache
	tgt      *ticket            // nil for an acceptor-only credential
	tickets  map[string]*ticket // service tickets by "sname@realm"
	acceptor *acceptorKeys      // nil for an initiator-only credential
	noRcache bool               // acceptor: replay cache "none:" (package replay checks instead)
	released bool
}

var _ gss.Credential = (*Credential)(nil)

// Inquire implements gss.Credential.
func (c *Credential) Inquire() (*gss.CredInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.released {
		return nil, kerr("Inquire", gss.StatusNoCred, 0, "credential used after Release")
	}
	info := &gss.CredInfo{Usage: c.usage, Mechs: []gss.OID{gss.MechKRB5}}
	if c.tgt != nil {
		info.Name = principalString(c.client, c.realm)
		info.ExpiresAt = c.tgt.end
	} else if c.acceptor != nil {
		info.Name = c.acceptor.display()
	}
	return info, nil
}

// Release implements gss.Credential: the credential is unusable after it
// (its keys stay in memory until it is garbage).
func (c *Credential) Release() error {
	c.mu.Lock()
	c.released = true
	c.mu.Unlock()
	return nil
}

// serviceTicket returns a ticket for sname@realm, from memory or by a TGS
// exchange bounded by ctx.
func (c *Credential) serviceTicket(ctx context.Context, sname types.PrincipalName, realm string) (*ticket, error) {
	key := principalString(sname, realm)
	c.mu.Lock()
	if t := c.tickets[key]; t != nil && t.valid(time.Now().Add(time.Minute)) {
		c.mu.Unlock()
		return t, nil
	}
	tgt, s, released := c.tgt, c.secret, c.released
	c.mu.Unlock()
	if released {
		return nil, kerr("InitSecContext", gss.StatusNoCred, 0, "credential used after Release")
	}
	if tgt == nil {
		return nil, kerr("InitSecContext", gss.StatusNoCred, minorCCNotFound, "the credential has no TGT (acceptor-only)")
	}
	if !tgt.valid(time.Now().Add(30*time.Second)) && s != nil {
		t, err := asExchange(ctx, c.cfg, c.client, c.realm, *s)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		c.tgt, tgt = t, t
		c.mu.Unlock()
	}
	t, err := c.crossRealmTicket(ctx, tgt, sname, realm)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.tickets[key] = t
	c.mu.Unlock()
	return t, nil
}

// ccachePath turns a ccache name into a file path: "FILE:/p" or "/p";
// other types (KCM, KEYRING, DIR, MEMORY, API) are not supported.
func ccachePath(name string) (string, error) {
	if name == "" {
		name = os.Getenv("KRB5CCNAME")
	}
	if name == "" {
		name = fmt.Sprintf("FILE:/tmp/krb5cc_%d", os.Getuid())
	}
	typ, rest, ok := strings.Cut(name, ":")
	if !ok || strings.HasPrefix(name, "/") {
		return name, nil
	}
	if typ != "FILE" {
		return "", fmt.Errorf("credential cache %q: only FILE caches are supported by the pure-Go provider", name)
	}
	return rest, nil
}

// keytabPath strips FILE: / WRFILE: from a keytab name.
func keytabPath(name string) (string, error) {
	typ, rest, ok := strings.Cut(name, ":")
	if !ok || strings.HasPrefix(name, "/") {
		return name, nil
	}
	if typ != "FILE" && typ != "WRFILE" {
		return "", fmt.Errorf("keytab %q: only FILE keytabs are supported", name)
	}
	return rest, nil
}

// fromCCache reads the TGT and service tickets of a FILE ccache.
func fromCCache(cfg *config.Config, name string, want *name) (*Credential, error) {
	const op = "AcquireCredential"
	path, err := ccachePath(name)
	if err != nil {
		return nil, kerr(op, gss.StatusNoCred, minorCCNotFound, "%v", err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, kerr(op, gss.StatusNoCred, minorFCCNoFile, "no credentials cache found (filename: %s)", path)
		}
		return nil, kerr(op, gss.StatusNoCred, minorFCCNoFile, "%v", err)
	}
	cc, err := parseCCache(b)
	if err != nil {
		return nil, kerr(op, gss.StatusNoCred, minorCCFormat, "credentials cache %s: %v", path, err)
	}
	c := &Credential{cfg: cfg, usage: gss.CredInitiateOnly, tickets: map[string]*ticket{},
		client: cc.def.name, realm: cc.def.realm}
	if want != nil && (!samePrincipal(want.princ, c.client) || want.realm != c.realm) {
		return nil, kerr(op, gss.StatusNoCred, minorCCNotFound, "credentials cache %s is for %s, not %s", path, principalString(c.client, c.realm), want.display)
	}
	for _, e := range cc.entries {
		if e.isConfigEntry() {
			continue
		}
		var tkt messages.Ticket
		if err := guard(func() error { return tkt.Unmarshal(e.ticket) }); err != nil {
			continue
		}
		start := e.start
		if start.IsZero() {
			start = e.auth
		}
		t := &ticket{tkt: tkt, key: e.key, start: start, end: e.end, flags: binary.BigEndian.AppendUint32(nil, e.flags)}
		sn := e.server.name
		if len(sn.NameString) == 2 && sn.NameString[0] == "krbtgt" && sn.NameString[1] == c.realm && e.server.realm == c.realm {
			c.tgt = t
			continue
		}
		c.tickets[principalString(sn, e.server.realm)] = t
	}
	if c.tgt == nil {
		return nil, kerr(op, gss.StatusNoCred, minorCCNotFound, "credentials cache %s holds no TGT for %s", path, principalString(c.client, c.realm))
	}
	return c, nil
}

// unmarshalKeytab guards gokrb5's keytab parser the same way.
func unmarshalKeytab(kt *keytab.Keytab, b []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("malformed keytab: %v", r)
		}
	}()
	return kt.Unmarshal(b)
}

func loadKeytab(name string) (*keytab.Keytab, error) {
	path, err := keytabPath(name)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	kt := keytab.New()
	if err := unmarshalKeytab(kt, b); err != nil {
		return nil, fmt.Errorf("keytab %s: %w", path, err)
	}
	return kt, nil
}

// fromSecret gets a TGT by an AS exchange.
func fromSecret(ctx context.Context, cfg *config.Config, who *name, s secret) (*Credential, error) {
	t, err := asExchange(ctx, cfg, who.princ, who.realm, s)
	if err != nil {
		return nil, err
	}
	return &Credential{cfg: cfg, usage: gss.CredInitiateOnly, tickets: map[string]*ticket{},
		client: who.princ, realm: who.realm, secret: &s, tgt: t}, nil
}

// clientFromKeytab picks the client principal of a client keytab: who, or
// the first entry's principal (MIT uses the first entry too).
func clientFromKeytab(kt *keytab.Keytab, who *name) (*name, error) {
	if who != nil {
		return who, nil
	}
	if len(kt.Entries) == 0 {
		return nil, errors.New("client keytab is empty")
	}
	p := kt.Entries[0].Principal
	n := &name{typ: gss.NameKerberosPrincipal, princ: types.PrincipalName{NameType: p.NameType, NameString: p.Components}, realm: p.Realm}
	n.display = n.principalString()
	return n, nil
}
