package kerberos

import (
	"fmt"
	"strings"

	"github.com/jcmturner/gokrb5/v8/messages"

	"github.com/gssnego/gssnego/gss"
)

// ServiceKeys are a service's keytab keys, loaded once to read the
// tickets of AP-REQs seen on the wire (gssnego inspect/audit -keytab):
// what a ticket tells its service without running an acceptor, so no
// clock, replay or authenticator checks.
type ServiceKeys struct {
	keys acceptorKeys
}

// LoadServiceKeys reads a FILE keytab (path, FILE:path or WRFILE:path).
func LoadServiceKeys(keytab string) (*ServiceKeys, error) {
	kt, err := loadKeytab(keytab)
	if err != nil {
		return nil, err
	}
	path, _ := keytabPath(keytab)
	return &ServiceKeys{keys: acceptorKeys{path: path, kt: kt}}, nil
}

// TicketInfo is what the service key reveals about one AP-REQ's ticket.
type TicketInfo struct {
	// Service is the ticket's sname@realm; KVNO and Etype its enc-part's
	// key version (0 when the ticket names none) and enctype.
	Service string      `json:"service"`
	KVNO    int         `json:"kvno"`
	Etype   gss.Enctype `json:"etype"`
	// Reason says why the ticket was not read (no key for the principal,
	// no key of that kvno or enctype, a key that does not decrypt it, a
	// token that is not an AP-REQ); empty when it was.
	Reason string `json:"reason,omitempty"`
	// Client is the ticket's cname@crealm.
	Client string `json:"client,omitempty"`
	// HasPAC says the ticket carries an AD-WIN2K-PAC.
	HasPAC bool `json:"hasPAC"`
	// Authz is the PAC decoded, Verified set when its server signature
	// matched the service key; nil without a PAC, or with a PAC that lists
	// no account (an MIT KDC's).
	Authz *gss.AuthzData `json:"authz,omitempty"`
	// PACError says why the PAC did not decode.
	PACError string `json:"pacError,omitempty"`
}

// ReadTicket decrypts the ticket of token, a Kerberos AP-REQ (GSS-framed
// as in SPNEGO's mechToken, or bare), with the matching key and reads its
// PAC as the acceptor does. It never fails: what could not be read is in
// the Reason.
func (s *ServiceKeys) ReadTicket(token []byte) *TicketInfo {
	ti := &TicketInfo{}
	msg := token
	if len(token) > 0 && token[0] == 0x60 {
		tokID, inner, err := unframe(token)
		if err != nil {
			ti.Reason = err.Error()
			return ti
		}
		if tokID != tokAPReq {
			ti.Reason = fmt.Sprintf("TOK_ID %04x is not an AP-REQ", tokID)
			return ti
		}
		msg = inner
	}
	var ap messages.APReq
	if err := guard(func() error { return ap.Unmarshal(msg) }); err != nil {
		ti.Reason = "AP-REQ does not decode: " + err.Error()
		return ti
	}
	t := ap.Ticket
	ti.Service = principalString(t.SName, t.Realm)
	ti.KVNO, ti.Etype = t.EncPart.KVNO, gss.Enctype(t.EncPart.EType)
	if len(t.SName.NameString) == 0 {
		ti.Reason = "ticket has no server name"
		return ti
	}
	key, err := s.keys.key(t.SName, t.Realm, t.EncPart.KVNO, t.EncPart.EType)
	if err != nil {
		if ge, ok := err.(*gss.Error); ok && ge.Message != "" {
			ti.Reason = strings.TrimPrefix(ge.Message, "kerberos: ")
		} else {
			ti.Reason = err.Error()
		}
		return ti
	}
	if err := guard(func() error { return t.Decrypt(key) }); err != nil {
		ti.Reason = fmt.Sprintf("ticket does not decrypt with the keytab's key (kvno %d, %s): %v", t.EncPart.KVNO, gss.Enctype(key.KeyType), err)
		return ti
	}
	enc := t.DecryptedEncPart
	ti.Client = principalString(enc.CName, enc.CRealm)
	raw, err := ticketPAC(enc.AuthorizationData)
	ti.HasPAC = raw != nil
	if err == nil {
		ti.Authz, err = ticketAuthz(enc.AuthorizationData, key, enc.CName, enc.AuthTime.Unix())
	}
	if err != nil {
		ti.PACError = err.Error()
	}
	return ti
}
