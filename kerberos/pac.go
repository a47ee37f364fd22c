package kerberos

import (
	"errors"
	"strings"

	"github.com/jcmturner/gokrb5/v8/types"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/mspac"
)

// adWin2kPAC is the authorization-data type of the PAC (MS-KILE 3.1.5.10).
const adWin2kPAC = 128

var _ gss.AuthzInquirer = (*secContext)(nil)

// ticketPAC finds the AD-WIN2K-PAC element inside the ticket's
// AD-IF-RELEVANT containers (where AD KDCs put it). nil when there is
// none; an error when a container does not decode or holds two PACs.
func ticketPAC(ad types.AuthorizationData) ([]byte, error) {
	var pac []byte
	for _, e := range ad {
		if e.ADType != adIfRelevant {
			continue
		}
		s := cryptobyte.String(e.ADData)
		var seq cryptobyte.String
		if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !s.Empty() {
			return nil, errors.New("AD-IF-RELEVANT is not a SEQUENCE OF AuthorizationData")
		}
		for !seq.Empty() {
			var elem, typ, data cryptobyte.String
			var t int64
			var octets []byte
			if !seq.ReadASN1(&elem, cbasn1.SEQUENCE) ||
				!elem.ReadASN1(&typ, cbasn1.Tag(0).Constructed().ContextSpecific()) ||
				!typ.ReadASN1Integer(&t) || !typ.Empty() ||
				!elem.ReadASN1(&data, cbasn1.Tag(1).Constructed().ContextSpecific()) ||
				!data.ReadASN1Bytes(&octets, cbasn1.OCTET_STRING) || !data.Empty() || !elem.Empty() {
				return nil, errors.New("AD-IF-RELEVANT element does not decode")
			}
			if t != adWin2kPAC {
				continue
			}
			if pac != nil {
				return nil, errors.New("ticket carries two PACs")
			}
			pac = octets
		}
	}
	return pac, nil
}

// ticketAuthz decodes the ticket's PAC and checks its server signature
// with key, the service key that decrypted the ticket; client and
// authTime are the ticket's, which PAC_CLIENT_INFO must repeat. A PAC
// that does not decode is an error; one whose signature does not verify
// is returned unverified.
func ticketAuthz(ad types.AuthorizationData, key types.EncryptionKey, client types.PrincipalName, authTime int64) (*gss.AuthzData, error) {
	raw, err := ticketPAC(ad)
	if err != nil || raw == nil {
		return nil, err
	}
	p, err := mspac.Parse(raw)
	if err != nil {
		return nil, err
	}
	a := p.Authz()
	if a == nil {
		return nil, nil // an MIT KDC's PAC: no account, no groups
	}
	a.Source = "gssnego kerberos: the ticket's AD-WIN2K-PAC"
	if err := p.VerifyServerSignature(key.KeyType, key.KeyValue); err != nil {
		return a, nil
	}
	if ci := p.ClientInfo; ci == nil || ci.ClientID.Unix() != authTime ||
		!strings.EqualFold(ci.Name, strings.Join(client.NameString, "/")) {
		// A PAC copied from another ticket: its signature is the KDC's,
		// but it is not about this client.
		return a, nil
	}
	a.Verified, a.VerifiedBy = true, "gssnego kerberos (server signature, service key)"
	return a, nil
}

// InquireAuthz implements gss.AuthzInquirer for an established acceptor:
// the PAC of the ticket it accepted, nil without one.
func (c *secContext) InquireAuthz() (*gss.AuthzData, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed:
		return nil, kerr("InquireAuthz", gss.StatusNoContext, 0, "security context used after Close")
	case c.initiator || !c.established:
		return nil, kerr("InquireAuthz", gss.StatusNoContext, 0, "authorization data exists only on an established acceptor")
	case c.authzErr != nil:
		return nil, kerr("InquireAuthz", gss.StatusDefectiveToken, 0, "ticket's PAC: %v", c.authzErr)
	}
	return c.authz, nil
}
