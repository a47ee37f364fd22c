package kerberos

import (
	"context"
	"strings"
	"time"

	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/types"

	"github.com/gssnego/gssnego/gss"
)

// maxHops bounds the chain of cross-realm TGTs and referrals one service
// ticket may take (MIT: KRB5_REFERRAL_MAXHOPS, 10).
const maxHops = 10

// crossRealmTicket gets a ticket for sname@realm with the client's TGT,
// across realms where it must, as MIT's krb5_get_credentials does in the
// cases Active Directory forests and MIT cross-realm trusts need:
//
//   - The target realm is another than the client's (domain_realm maps the
//     host there, or the name is qualified): the client asks its own KDC
//     for krbtgt/TARGET. The KDC answers with that TGT (a direct trust) or
//     with a TGT for the next realm on the way (krbtgt/NEXT, the KDC's
//     capaths or the realm hierarchy, AD's transit through a parent
//     domain); the client asks NEXT's KDC in turn, until it holds a TGT
//     for TARGET, and asks TARGET's KDC for the service.
//   - The KDC asked for the service answers with a TGT for another realm
//     instead (a referral: the request sets the canonicalize option, and
//     the KDC knows the host belongs elsewhere, as AD's KDC does for a
//     host of a trusted domain, and MIT's by its own domain_realm): the
//     client follows it and asks again there.
//
// The realms' KDCs are found as any realm's (krb5.conf, then SRV records).
// Cross-realm TGTs are kept with the service tickets, so the next service
// of that realm costs one exchange.
func (c *Credential) crossRealmTicket(ctx context.Context, tgt *ticket, sname types.PrincipalName, realm string) (*ticket, error) {
	const op = "InitSecContext"
	cur := c.realm
	seen := map[string]bool{cur: true}
	path := []string{cur}
	hop := func(next string) error {
		if seen[next] || len(path) > maxHops {
			return kerr(op, gss.StatusFailure, krb5Base+7, "cross-realm path to %s loops or is too long: %s → %s", realm, strings.Join(path, " → "), next)
		}
		seen[next] = true
		path = append(path, next)
		cur = next
		return nil
	}
	for cur != realm {
		want := tgsName(realm)
		t, err := c.cachedTGS(ctx, tgt, want, cur, false)
		if err != nil {
			return nil, err
		}
		next, ok := tgtRealm(t.tkt.SName)
		if !ok || next == cur {
			return nil, kerr(op, gss.StatusFailure, krb5Base+7, "KDC of %s answered a request for %s with a ticket for %s",
				cur, principalString(want, cur), principalString(t.tkt.SName, t.tkt.Realm))
		}
		if err := hop(next); err != nil {
			return nil, err
		}
		tgt = t
	}
	for {
		t, err := c.cachedTGS(ctx, tgt, sname, cur, true)
		if err != nil {
			return nil, err
		}
		next, ok := tgtRealm(t.tkt.SName)
		if !ok || isTGS(sname) {
			// The ticket, perhaps under the name the KDC canonicalized
			// (AD may rewrite the service name).
			return t, nil
		}
		if next == cur {
			// Active Directory may answer with a TGT for its own realm;
			// MIT then asks again without canonicalize, and so do we.
			return c.cachedTGS(ctx, tgt, sname, cur, false)
		}
		// A referral: a TGT for the realm the service is in.
		if err := hop(next); err != nil {
			return nil, err
		}
		tgt = t
	}
}

// cachedTGS is a TGS exchange at realm's KDC for sname@realm, or the
// ticket kept from an earlier one. Only cross-realm TGTs are kept here;
// serviceTicket keeps the final ticket under the name it was asked for.
func (c *Credential) cachedTGS(ctx context.Context, tgt *ticket, sname types.PrincipalName, realm string, canonicalize bool) (*ticket, error) {
	key := principalString(sname, realm)
	if isTGS(sname) {
		c.mu.Lock()
		t := c.tickets[key]
		c.mu.Unlock()
		if t != nil && t.valid(time.Now().Add(time.Minute)) {
			return t, nil
		}
	}
	t, err := tgsExchange(ctx, c.cfg, c.client, c.realm, tgt, sname, realm, canonicalize)
	if err != nil {
		return nil, err
	}
	if isTGS(sname) {
		c.mu.Lock()
		c.tickets[key] = t
		c.mu.Unlock()
	}
	return t, nil
}

func tgsName(realm string) types.PrincipalName {
	return types.PrincipalName{NameType: nametype.KRB_NT_SRV_INST, NameString: []string{"krbtgt", realm}}
}

func isTGS(n types.PrincipalName) bool {
	return len(n.NameString) == 2 && n.NameString[0] == "krbtgt"
}

// tgtRealm is the realm a TGT is for (krbtgt/REALM).
func tgtRealm(n types.PrincipalName) (string, bool) {
	if !isTGS(n) {
		return "", false
	}
	return n.NameString[1], true
}
