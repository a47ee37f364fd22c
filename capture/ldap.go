package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ldapCarrier reads LDAPMessages (RFC 4511) and lifts the SASL bind
// credentials (client) and serverSaslCreds (server). After a SASL bind that
// negotiated a security layer, each PDU is a 4-byte length and a GSS wrap
// token (RFC 4752 §3.3): counted as per-message traffic.
type ldapCarrier struct {
	mech [2]string // SASL mechanism of the bind in progress (client side sets it)
	// sawBind: a BindRequest was read; until then (a capture that began
	// mid-bind) the mechanism of serverSaslCreds is told from the token.
	sawBind bool
	wraps   int
	lost    [2]bool
}

// maxLDAPMessage bounds one message; larger length fields are hostile.
const maxLDAPMessage = 1 << 24

func looksLDAP(b []byte) bool {
	if len(b) < 2 || b[0] != 0x30 {
		return false
	}
	_, hl, ok := berLength(b[1:])
	return ok && len(b) > 1+hl && b[1+hl] == 0x02
}

func (c *ldapCarrier) name() string { return "ldap" }
func (c *ldapCarrier) wrapped() int { return c.wraps }

func (c *ldapCarrier) resync(fromClient bool) { c.lost[sideIdx(fromClient)] = true }

func (c *ldapCarrier) parse(fromClient bool, buf []byte) (int, []carried, error) {
	var toks []carried
	used := 0
	for used < len(buf) {
		rest := buf[used:]
		if c.lost[sideIdx(fromClient)] {
			// After a gap, look for the next byte that starts a message.
			i := 0
			for i < len(rest) && !looksLDAP(rest[i:]) {
				i++
			}
			used += i
			if i == len(rest) {
				return used, toks, nil
			}
			c.lost[sideIdx(fromClient)] = false
			continue
		}
		if rest[0] != 0x30 {
			// SASL security layer: 4-byte big-endian length, then a wrap token.
			if len(rest) < 4 {
				return used, toks, nil
			}
			n := int(binary.BigEndian.Uint32(rest))
			if n > maxLDAPMessage || n == 0 {
				c.lost[sideIdx(fromClient)] = true
				return used + 1, toks, fmt.Errorf("ldap: byte %#02x is neither an LDAPMessage nor a SASL buffer length (%d); resynchronising", rest[0], n)
			}
			if len(rest) < 4+n {
				return used, toks, nil
			}
			c.wraps++
			used += 4 + n
			continue
		}
		l, hl, ok := berLength(rest[1:])
		if !ok {
			if len(rest) < 6 {
				return used, toks, nil
			}
			c.lost[sideIdx(fromClient)] = true
			return used + 1, toks, errors.New("ldap: LDAPMessage length invalid; resynchronising")
		}
		if l > maxLDAPMessage {
			c.lost[sideIdx(fromClient)] = true
			return used + 1, toks, fmt.Errorf("ldap: LDAPMessage length %d exceeds %d; resynchronising", l, maxLDAPMessage)
		}
		if len(rest) < 1+hl+l {
			return used, toks, nil
		}
		msg := rest[1+hl : 1+hl+l]
		used += 1 + hl + l
		t, err := c.message(fromClient, msg)
		if err != nil {
			return used, toks, err
		}
		if t != nil {
			toks = append(toks, *t)
		}
	}
	return used, toks, nil
}

// message reads one LDAPMessage body: messageID, protocolOp.
func (c *ldapCarrier) message(fromClient bool, msg []byte) (*carried, error) {
	_, _, rest, ok := berTLV(msg) // messageID
	if !ok {
		return nil, errors.New("ldap: messageID unreadable")
	}
	tag, op, _, ok := berTLV(rest)
	if !ok {
		return nil, errors.New("ldap: protocolOp unreadable")
	}
	switch {
	case fromClient && tag == 0x60: // BindRequest
		return c.bindRequest(op)
	case !fromClient && tag == 0x61: // BindResponse
		return c.bindResponse(op)
	}
	return nil, nil
}

func (c *ldapCarrier) bindRequest(op []byte) (*carried, error) {
	c.sawBind = true
	_, _, rest, ok1 := berTLV(op)   // version
	_, _, rest, ok2 := berTLV(rest) // name
	tag, auth, _, ok3 := berTLV(rest)
	if !ok1 || !ok2 || !ok3 {
		return nil, errors.New("ldap: BindRequest fields unreadable")
	}
	if tag != 0xa3 { // simple bind, or other
		c.mech[0] = ""
		return nil, nil
	}
	_, mech, rest, ok := berTLV(auth)
	if !ok {
		return nil, errors.New("ldap: SaslCredentials.mechanism unreadable")
	}
	c.mech[0] = string(mech)
	if len(rest) == 0 {
		return nil, nil
	}
	_, cred, _, ok := berTLV(rest)
	if !ok {
		return nil, errors.New("ldap: SaslCredentials.credentials unreadable")
	}
	if !ldapCarriesGSS(c.mech[0]) || len(cred) == 0 {
		return nil, nil
	}
	return &carried{tok: cred, fromClient: true, mech: ldapMechLabel(c.mech[0])}, nil
}

func (c *ldapCarrier) bindResponse(op []byte) (*carried, error) {
	rest := op
	for i := 0; i < 3; i++ { // resultCode, matchedDN, diagnosticMessage
		var ok bool
		if _, _, rest, ok = berTLV(rest); !ok {
			return nil, errors.New("ldap: BindResponse fields unreadable")
		}
	}
	for len(rest) > 0 {
		tag, v, r, ok := berTLV(rest)
		if !ok {
			return nil, errors.New("ldap: BindResponse optional field unreadable")
		}
		if tag == 0x87 && !c.sawBind && c.mech[0] == "" {
			c.mech[0] = guessSASLMech(v)
		}
		if tag == 0x87 && ldapCarriesGSS(c.mech[0]) && len(v) > 0 {
			return &carried{tok: v, fromClient: false, mech: ldapMechLabel(c.mech[0])}, nil
		}
		rest = r
	}
	return nil, nil
}

// guessSASLMech names the SASL mechanism of serverSaslCreds whose
// BindRequest the capture missed: SPNEGO tokens (and the raw NTLMSSP that
// Windows sends under GSS-SPNEGO) are GSS-SPNEGO, a framed krb5 token is
// GSSAPI; anything else is not a GSS mechanism.
func guessSASLMech(tok []byte) string {
	switch m, ok := tokenMech(tok); {
	case !ok:
		return ""
	case m == sampleKrb5:
		return "GSSAPI"
	}
	return "GSS-SPNEGO"
}

func ldapCarriesGSS(mech string) bool { return mech == "GSS-SPNEGO" || mech == "GSSAPI" }

// ldapMechLabel is "" for SPNEGO and the SASL name for raw GSSAPI.
func ldapMechLabel(mech string) string {
	if mech == "GSSAPI" {
		return "sasl-gssapi"
	}
	return ""
}

// berLength reads a BER definite length (short form or up to 4 long-form
// octets, as Windows always uses 0x84); it tolerates non-minimal forms.
func berLength(b []byte) (l, n int, ok bool) {
	if len(b) == 0 {
		return 0, 0, false
	}
	if b[0] < 0x80 {
		return int(b[0]), 1, true
	}
	k := int(b[0] & 0x7f)
	if k == 0 || k > 4 || len(b) < 1+k {
		return 0, 0, false
	}
	for _, x := range b[1 : 1+k] {
		l = l<<8 | int(x)
	}
	if l < 0 || l > maxLDAPMessage {
		return 0, 0, false
	}
	return l, 1 + k, true
}

// berTLV splits one single-octet-tag TLV off b.
func berTLV(b []byte) (tag byte, val, rest []byte, ok bool) {
	if len(b) < 2 {
		return 0, nil, nil, false
	}
	l, hl, ok := berLength(b[1:])
	if !ok || len(b) < 1+hl+l {
		return 0, nil, nil, false
	}
	return b[0], b[1+hl : 1+hl+l], b[1+hl+l:], true
}
