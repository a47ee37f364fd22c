package capture

import (
	"encoding/binary"
	"errors"

	"github.com/gssnego/gssnego/gss"
)

// dnsCarrier reads DNS messages over TCP (RFC 1035 §4.2.2: each behind a
// two-octet length) and lifts the GSS tokens of TKEY records in GSS-API
// mode (RFC 3645 §3.1: the client's in a TKEY query, the server's in the
// answer). Messages carrying a TSIG record signed with the negotiated
// context are counted as per-message traffic, like LDAP's wrap tokens.
// Only DNS that negotiates or signs is recognised: plain queries are
// not an authentication.
type dnsCarrier struct {
	signed int
}

// DNS record types and the TKEY mode this carrier looks for.
const (
	dnsTypeTKEY    = 249
	dnsTypeTSIG    = 250
	dnsModeGSSAPI  = 3
	dnsOpcodeQuery = 0
	dnsOpcodeUpd   = 5
)

// dnsSummary is what one message holds that the carrier cares about.
type dnsSummary struct {
	response bool
	tokens   [][]byte // GSS-API mode TKEY key data, in order
	tkey     bool     // a TKEY record (or question) at all
	tsig     bool
}

// looksDNS: the first message of a side is a DNS message over TCP that
// holds a TKEY question or record or a TSIG record.
func looksDNS(b []byte) bool {
	s, ok := firstDNS(b)
	return ok && (s.tkey || s.tsig)
}

// looksDNSResponse: the same, sent by the server.
func looksDNSResponse(b []byte) bool {
	s, ok := firstDNS(b)
	return ok && (s.tkey || s.tsig) && s.response
}

func firstDNS(b []byte) (*dnsSummary, bool) {
	if len(b) < 2 {
		return nil, false
	}
	n := int(binary.BigEndian.Uint16(b))
	if n < 12 || len(b) < 2+n {
		return nil, false
	}
	s, err := parseDNSMessage(b[2 : 2+n])
	return s, err == nil
}

func (c *dnsCarrier) name() string { return "dns" }
func (c *dnsCarrier) wrapped() int { return c.signed }
func (c *dnsCarrier) resync(bool)  {}

func (c *dnsCarrier) parse(fromClient bool, buf []byte) (int, []carried, error) {
	var toks []carried
	used := 0
	for len(buf)-used >= 2 {
		n := int(binary.BigEndian.Uint16(buf[used:]))
		if len(buf)-used < 2+n {
			break
		}
		msg := buf[used+2 : used+2+n]
		used += 2 + n
		s, err := parseDNSMessage(msg)
		if err != nil {
			return used, toks, errors.New("dns: " + err.Error() + "; message skipped")
		}
		for _, t := range s.tokens {
			toks = append(toks, carried{tok: t, fromClient: fromClient, mech: dnsMechLabel(t)})
		}
		if s.tsig && len(s.tokens) == 0 {
			c.signed++
		}
	}
	return used, toks, nil
}

// dnsMechLabel: SPNEGO tokens carry no label (the transcript reads them);
// anything else in a TKEY is the raw mechanism, Kerberos in practice
// (nsupdate -g, BIND).
func dnsMechLabel(tok []byte) string {
	if len(tok) > 0 && (tok[0] == 0xa1 || tok[0] == 0x60 && isSPNEGOFramed(tok)) {
		return ""
	}
	return "gss-tsig-krb5"
}

// isSPNEGOFramed: an RFC 2743 §3.1 token whose OID is SPNEGO's.
func isSPNEGOFramed(tok []byte) bool {
	mech, _, err := gss.ParseFraming(tok)
	return err == nil && mech == gss.MechSPNEGO
}

// parseDNSMessage walks the header, the questions and every record,
// noting TKEY and TSIG records; names may be compressed.
func parseDNSMessage(msg []byte) (*dnsSummary, error) {
	if len(msg) < 12 {
		return nil, errors.New("message shorter than its header")
	}
	flags := binary.BigEndian.Uint16(msg[2:])
	s := &dnsSummary{response: flags&0x8000 != 0}
	switch int(flags>>11) & 0xf {
	case dnsOpcodeQuery, dnsOpcodeUpd:
	default:
		return nil, errors.New("not a query or update")
	}
	qd := int(binary.BigEndian.Uint16(msg[4:]))
	rrs := int(binary.BigEndian.Uint16(msg[6:])) + int(binary.BigEndian.Uint16(msg[8:])) + int(binary.BigEndian.Uint16(msg[10:]))
	off := 12
	for i := 0; i < qd; i++ {
		end, ok := skipDNSName(msg, off)
		if !ok || end+4 > len(msg) {
			return nil, errors.New("question truncated")
		}
		if binary.BigEndian.Uint16(msg[end:]) == dnsTypeTKEY {
			s.tkey = true
		}
		off = end + 4
	}
	for i := 0; i < rrs; i++ {
		end, ok := skipDNSName(msg, off)
		if !ok || end+10 > len(msg) {
			return nil, errors.New("record truncated")
		}
		typ := binary.BigEndian.Uint16(msg[end:])
		rdlen := int(binary.BigEndian.Uint16(msg[end+8:]))
		rd := end + 10
		if rd+rdlen > len(msg) {
			return nil, errors.New("record data truncated")
		}
		switch typ {
		case dnsTypeTKEY:
			s.tkey = true
			tok, err := tkeyToken(msg, rd, rd+rdlen)
			if err != nil {
				return nil, err
			}
			if tok != nil {
				s.tokens = append(s.tokens, tok)
			}
		case dnsTypeTSIG:
			s.tsig = true
		}
		off = rd + rdlen
	}
	return s, nil
}

// tkeyToken returns the key data of a GSS-API mode TKEY RDATA (RFC 2930
// §2): algorithm name, inception, expiration, mode, error, key size, key,
// other size, other data. A TKEY of another mode, or without key data (an
// error answer), has none.
func tkeyToken(msg []byte, start, end int) ([]byte, error) {
	off, ok := skipDNSName(msg, start)
	if !ok || off+14 > end {
		return nil, errors.New("TKEY record truncated")
	}
	mode := binary.BigEndian.Uint16(msg[off+8:])
	size := int(binary.BigEndian.Uint16(msg[off+12:]))
	if off+14+size > end {
		return nil, errors.New("TKEY key data longer than its record")
	}
	if mode != dnsModeGSSAPI || size == 0 {
		return nil, nil
	}
	return msg[off+14 : off+14+size], nil
}

// skipDNSName returns the offset after the name at off: labels, ending
// with the root label or a compression pointer (RFC 1035 §4.1.4).
func skipDNSName(msg []byte, off int) (int, bool) {
	for n := 0; n < 128; n++ {
		if off >= len(msg) {
			return 0, false
		}
		l := int(msg[off])
		switch {
		case l == 0:
			return off + 1, true
		case l&0xc0 == 0xc0:
			if off+2 > len(msg) {
				return 0, false
			}
			return off + 2, true
		case l&0xc0 != 0:
			return 0, false
		}
		off += 1 + l
	}
	return 0, false
}
