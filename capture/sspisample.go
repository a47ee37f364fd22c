package capture

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/gssnego/gssnego/gss"
)

// sampleCarrier reads the MSDN "SSPI with Windows Sockets" sample protocol
// (docs/protocol.md, internal/sspisample): every authentication token is
// a frame of a 4-byte little-endian length and the token; after the last
// one the server sends, unframed, [LE32 tlen][trailer][ciphertext] and
// closes. The sample has no port of its own worth trusting (2000 by
// default, anything in practice), so it is found by content: a frame whose
// length is exactly the DER length of the SPNEGO token inside it.
//
// A frame that does not hold a SPNEGO token (the server's sealed message)
// ends the authentication for that direction: the rest is per-message
// traffic, counted as wrapped.
type sampleCarrier struct {
	done  [2]bool
	lost  [2]bool // bytes were lost: continue only at a frame that looks like one
	wraps int
	// mech is the kind of the first token: "" SPNEGO (package Negotiate),
	// or the raw mechanism of package Kerberos / NTLM, where no SPNEGO
	// MIC rules apply. Every later token must be of the same kind.
	mech  string
	known bool
}

// maxSampleFrame is the largest token frame read: the sample's own cap
// (sspisample.DefaultMaxToken); Windows' largest cbMaxToken is 48256.
const maxSampleFrame = 64 << 10

// spnegoOIDTLV is the DER OBJECT IDENTIFIER of SPNEGO, and krb5OID the
// content octets of krb5's (the user-to-user mech is under it): what the
// first bytes of a possibly incomplete frame are sniffed for.
var (
	spnegoOIDTLV = append([]byte{0x06, byte(len(gss.MechSPNEGO))}, gss.MechSPNEGO...)
	krb5OID      = []byte(gss.MechKRB5)
	ntlmSig      = []byte("NTLMSSP\x00")
)

// Mechanism labels of the sample's raw (non-SPNEGO) packages.
const (
	sampleKrb5 = "sample-krb5"
	sampleNTLM = "sample-ntlmssp"
)

// looksSample says whether b starts with a sample frame holding a SPNEGO
// token: a framed NegTokenInit (client, 0x60 + SPNEGO OID) or, when the
// capture began after it, a NegTokenResp (0xa1 + SEQUENCE), whose DER
// length accounts for exactly the frame's length. Other carriers' first
// bytes (ASCII, 0x30, 0x00 'SMB', 0x05 0x00) never satisfy all of it.
func looksSample(b []byte) bool {
	if len(b) < 4+2 {
		return false
	}
	n := int(binary.LittleEndian.Uint32(b))
	if n < 8 || n > maxSampleFrame {
		return false
	}
	t := b[4:]
	if bytes.HasPrefix(t, ntlmSig[:min(len(t), len(ntlmSig))]) {
		// Package NTLM: NEGOTIATE (client) or CHALLENGE (partial capture).
		return n >= 32 && len(t) >= 12 && (t[8] == 1 || t[8] == 2) && t[9] == 0 && t[10] == 0 && t[11] == 0
	}
	if t[0] != 0x60 && t[0] != 0xa1 {
		return false
	}
	l, hl, ok := berLength(t[1:])
	if !ok || 1+hl+l != n {
		return false
	}
	inner := t[1+hl:]
	if t[0] == 0x60 {
		return bytes.HasPrefix(inner, spnegoOIDTLV) || isKrb5Framed(inner)
	}
	if len(inner) < 2 || inner[0] != 0x30 {
		return false
	}
	sl, shl, ok := berLength(inner[1:])
	return ok && 1+shl+sl == l
}

// isSPNEGOToken says whether a frame holds a SPNEGO token rather than the
// server's sealed message (Kerberos wrap 05 04 …, NTLM signature 01 00 …).
func isSPNEGOToken(tok []byte) bool {
	m, ok := tokenMech(tok)
	return ok && m == ""
}

// tokenMech classifies a whole frame: a SPNEGO token (""), a framed raw
// krb5 token, an NTLMSSP message; ok false for anything else (sealed data).
func tokenMech(tok []byte) (mech string, ok bool) {
	switch {
	case len(tok) < 2:
		return "", false
	case tok[0] == 0x60:
		m, _, err := gss.ParseFraming(tok)
		switch {
		case err != nil:
			return "", false
		case m == gss.MechSPNEGO:
			return "", true
		case m == gss.MechKRB5 || m == gss.MechKRB5U2U:
			return sampleKrb5, true
		}
		return "", false
	case tok[0] == 0xa1 || tok[0] == 0xa0: // NegTokenResp, or an unframed NegTokenInit
		l, hl, ok := berLength(tok[1:])
		return "", ok && 1+hl+l == len(tok)
	case bytes.HasPrefix(tok, ntlmSig):
		return sampleNTLM, true
	}
	return "", false
}

func (c *sampleCarrier) name() string { return "sspi-sample" }
func (c *sampleCarrier) wrapped() int { return c.wraps }

// resync: frames have no marker to search for, so after lost bytes the
// direction continues only if the next bytes are a token frame (as when
// the capture began between two frames); otherwise it is given up.
func (c *sampleCarrier) resync(fromClient bool) { c.lost[sideIdx(fromClient)] = true }

func (c *sampleCarrier) parse(fromClient bool, buf []byte) (int, []carried, error) {
	side := sideIdx(fromClient)
	if c.lost[side] {
		if len(buf) < 4+2+5 {
			return 0, nil, nil
		}
		c.lost[side] = false
		if !looksSample(buf) && !isNTLMAuthenticateFrame(buf) {
			c.done[side] = true
			return len(buf), nil, fmt.Errorf("sspi-sample: bytes lost and the stream does not continue at a token frame; rest of the direction skipped")
		}
	}
	if c.done[side] {
		return len(buf), nil, nil
	}
	var toks []carried
	used := 0
	for len(buf)-used >= 4 {
		rest := buf[used:]
		n := int(binary.LittleEndian.Uint32(rest))
		if n == 0 || n > maxSampleFrame {
			c.done[sideIdx(fromClient)] = true
			return len(buf), toks, fmt.Errorf("sspi-sample: frame length %d at stream offset +%d outside 1..%d; rest of the direction skipped", n, used, maxSampleFrame)
		}
		// The sealed message is [LE32 tlen][trailer] and then unframed
		// ciphertext: decide from the first bytes, before waiting for n.
		sealed := len(rest) >= 4+1 && !isTokenPrefix(rest[4:])
		mech, ok := "", false
		if !sealed && len(rest) >= 4+n {
			mech, ok = tokenMech(rest[4 : 4+n])
			sealed = !ok || c.known && mech != c.mech
		}
		if sealed {
			c.done[sideIdx(fromClient)] = true
			c.wraps++
			return len(buf), toks, nil
		}
		if len(rest) < 4+n {
			return used, toks, nil
		}
		c.mech, c.known = mech, true
		toks = append(toks, carried{tok: rest[4 : 4+n], fromClient: fromClient, mech: mech})
		used += 4 + n
	}
	return used, toks, nil
}

// isTokenPrefix checks what the first byte of a frame can tell.
func isTokenPrefix(b []byte) bool {
	return b[0] == 0x60 || b[0] == 0xa1 || b[0] == 0xa0 || b[0] == 'N'
}

// isKrb5Framed says whether the inner part of an RFC 2743 framed token
// starts with the krb5 OID or one under it (user-to-user 1.2.840.113554.1.2.2.3).
func isKrb5Framed(inner []byte) bool {
	return len(inner) >= 2 && inner[0] == 0x06 && int(inner[1]) >= len(krb5OID) && bytes.HasPrefix(inner[2:], krb5OID)
}

// isNTLMAuthenticateFrame: a frame holding an NTLM AUTHENTICATE, which a
// capture that began mid-exchange may show first on the client's side.
func isNTLMAuthenticateFrame(b []byte) bool {
	n := int(binary.LittleEndian.Uint32(b))
	t := b[4:]
	return n >= 64 && n <= maxSampleFrame && len(t) >= 12 && bytes.HasPrefix(t, ntlmSig) && t[8] == 3 && t[9] == 0 && t[10] == 0 && t[11] == 0
}
