package kerberos

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jcmturner/gokrb5/v8/config"

	"github.com/gssnego/gssnego/gss"
)

// kdcAddr is one KDC to try: host:port, and the transport it serves. A kdc
// entry of krb5.conf serves both (proto ""); an SRV record names one.
type kdcAddr struct {
	addr  string
	proto string // "", "udp" or "tcp"
}

// locateKDCs is the realm's KDCs as MIT's locate_server finds them: the
// realm's kdc entries in krb5.conf order; when there are none and
// dns_lookup_kdc holds, the SRV records _kerberos._udp.REALM and
// _kerberos._tcp.REALM (in that order, each sorted by priority and
// weight as RFC 2782 says; a target of "." means the realm has no KDC of
// that transport). The lookups use the provider's resolver (SetResolver)
// and end at ctx's deadline.
func locateKDCs(ctx context.Context, c *config.Config, realm string) ([]kdcAddr, error) {
	var out []kdcAddr
	for _, r := range c.Realms {
		if r.Realm != realm {
			continue
		}
		for _, k := range r.KDC {
			if _, _, err := net.SplitHostPort(k); err != nil {
				k = net.JoinHostPort(strings.Trim(k, "[]"), "88")
			}
			out = append(out, kdcAddr{addr: k})
		}
	}
	if len(out) > 0 {
		return out, nil
	}
	const op = "KDC exchange"
	if !c.LibDefaults.DNSLookupKDC {
		return nil, kerr(op, gss.StatusFailure, minorRealmUnknown, "no KDC for realm %q in krb5.conf (KRB5_CONFIG), and dns_lookup_kdc is false", realm)
	}
	res := resolverOf(ctx)
	var lastErr error
	for _, proto := range []string{"udp", "tcp"} {
		// The realm as an absolute name: no search-domain guesses.
		_, srvs, err := res.LookupSRV(ctx, "kerberos", proto, strings.TrimSuffix(realm, ".")+".")
		if err != nil {
			lastErr = err
			continue
		}
		for _, s := range srvs {
			if s.Target == "." || s.Target == "" {
				continue
			}
			out = append(out, kdcAddr{addr: net.JoinHostPort(strings.TrimSuffix(s.Target, "."), strconv.Itoa(int(s.Port))), proto: proto})
		}
	}
	if len(out) == 0 {
		e := kerr(op, gss.StatusFailure, minorRealmUnknown, "no KDC for realm %q: krb5.conf lists none and DNS has no SRV record _kerberos._udp or _kerberos._tcp.%s (%v)", realm, realm, lastErr)
		if ctx.Err() != nil {
			return nil, &deadlineError{e, context.Cause(ctx)}
		}
		if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
			// The resolver's own deadline fired just before ctx's timer.
			return nil, &deadlineError{e, context.DeadlineExceeded}
		}
		return nil, e
	}
	return out, nil
}

// SetResolver makes p look up KDCs (dns_lookup_kdc's SRV records, and the
// host names of KDCs) with r instead of net.DefaultResolver: a resolver
// whose Dial reaches a given DNS server, for instance. Call it before p
// is used.
func (p *Provider) SetResolver(r *net.Resolver) {
	p.resolver.Store(r)
}

type resolverKey struct{}

// kdcContext carries p's resolver, if it has one, to the KDC exchanges
// ctx bounds.
func (p *Provider) kdcContext(ctx context.Context) context.Context {
	r := p.resolver.Load()
	if r == nil {
		return ctx
	}
	return context.WithValue(ctx, resolverKey{}, r)
}

func resolverOf(ctx context.Context) *net.Resolver {
	if r, ok := ctx.Value(resolverKey{}).(*net.Resolver); ok {
		return r
	}
	return net.DefaultResolver
}

// applyDNSDefaults gives dns_lookup_kdc MIT's default. gokrb5 reads the
// relation but defaults it to false; MIT defaults it to dns_fallback,
// which defaults to true. So unless the file sets one of the two, DNS is
// asked for the KDCs of a realm krb5.conf lists none for.
func applyDNSDefaults(c *config.Config, file []byte) {
	v, ok := libdefaultsBool(file, "dns_lookup_kdc")
	if !ok {
		v, ok = libdefaultsBool(file, "dns_fallback")
	}
	if !ok {
		v = true
	}
	c.LibDefaults.DNSLookupKDC = v
}

// libdefaultsBool finds key in krb5.conf's [libdefaults] section and
// parses it as MIT's profile does (y, yes, true, t, 1, on; n, no, false,
// nil, 0, off). ok is false when the key is absent or not a boolean.
func libdefaultsBool(file []byte, key string) (v, ok bool) {
	sc := bufio.NewScanner(bytes.NewReader(file))
	in := false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			in = strings.HasPrefix(line, "[libdefaults]")
			continue
		}
		if !in {
			continue
		}
		k, val, found := strings.Cut(line, "=")
		if !found || strings.TrimSpace(k) != key {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(val)) {
		case "y", "yes", "true", "t", "1", "on":
			return true, true
		case "n", "no", "false", "nil", "0", "off":
			return false, true
		}
	}
	return false, false
}

// readConfigFile is the krb5.conf text, for what gokrb5 does not keep.
func readConfigFile(path string) []byte {
	b, _ := os.ReadFile(path)
	return b
}
