package capture

import (
	"encoding/binary"
	"fmt"
)

// smb2Carrier reads SMB2/3 over direct TCP (a 4-byte NetBIOS session
// header per message) and lifts the NEGOTIATE response's security buffer
// (NegTokenInit2) and the SESSION_SETUP request/response security buffers.
// Compound messages are followed through NextCommand; encrypted messages
// (transform header 0xFD 'SMB') cannot be read and are counted. SMB1
// messages (0xFF 'SMB') give the security blobs of an extended-security
// NEGOTIATE response and of SESSION_SETUP_ANDX (smb1.go); other SMB1
// commands, and a client's multi-protocol NEGOTIATE, carry none.
//
// Over NetBIOS (TCP 139) a session request and its response (NBSS packet
// types 0x81-0x85, RFC 1002 §4.3) precede SMB; they are skipped. A client
// that answers the server's SPNEGO offer with bare NTLMSSP has its tokens
// labelled "smb-ntlmssp"; an SMB1 session setup without extended security
// is reported as an event (smb1.go). DCE/RPC on named pipes (WRITE and
// READ, IOCTL FSCTL_PIPE_TRANSCEIVE) is read by a DCE/RPC carrier per
// pipe (smbpipe.go).
type smb2Carrier struct {
	encrypted, smb1 int
	sawSMB2         bool
	pipes           smbPipes
}

const (
	smb2Negotiate    = 0
	smb2SessionSetup = 1
	smb2HeaderLen    = 64
	maxSMBMessage    = 1 << 24
)

func looksSMB(b []byte) bool {
	if len(b) < 8 || b[0] != 0 {
		return false
	}
	p := string(b[5:8])
	return p == "SMB" && (b[4] == 0xfe || b[4] == 0xff || b[4] == 0xfd)
}

// name is "smb1" for a connection that has spoken only SMB1 so far (a
// client's multi-protocol NEGOTIATE answered in SMB2 makes it "smb2").
func (c *smb2Carrier) name() string {
	if c.smb1 > 0 && !c.sawSMB2 {
		return "smb1"
	}
	return "smb2"
}

// wrapped counts the encrypted messages: per-message traffic.
func (c *smb2Carrier) wrapped() int { return c.encrypted }

func (c *smb2Carrier) resync(bool) {}

func (c *smb2Carrier) parse(fromClient bool, buf []byte) (int, []carried, error) {
	var toks []carried
	used := 0
	for len(buf)-used >= 4 {
		rest := buf[used:]
		if rest[0] >= nbssSessionRequest && rest[0] <= nbssKeepAlive {
			// NetBIOS session service control packet: 17-bit length.
			n := int(rest[1]&1)<<16 | int(rest[2])<<8 | int(rest[3])
			if len(rest) < 4+n {
				return used, toks, nil
			}
			used += 4 + n
			continue
		}
		if rest[0] != 0 {
			// Lost framing (after a gap): look for the next header.
			i := 1
			for i < len(rest) && !looksSMB(rest[i:]) {
				i++
			}
			return used + i, toks, fmt.Errorf("smb2: byte %#02x does not start a NetBIOS session message; skipped %d bytes", rest[0], i)
		}
		n := int(rest[1])<<16 | int(rest[2])<<8 | int(rest[3])
		if n > maxSMBMessage {
			return used + 1, toks, fmt.Errorf("smb2: message length %d too large; resynchronising", n)
		}
		if len(rest) < 4+n {
			return used, toks, nil
		}
		msg := rest[4 : 4+n]
		used += 4 + n
		t, err := c.message(fromClient, msg)
		toks = append(toks, t...)
		if err != nil {
			return used, toks, err
		}
	}
	return used, toks, nil
}

// message reads one NetBIOS message: one SMB2 header chain.
func (c *smb2Carrier) message(fromClient bool, msg []byte) ([]carried, error) {
	if len(msg) < 4 {
		return nil, nil
	}
	switch string(msg[:4]) {
	case "\xfdSMB":
		c.encrypted++
		return nil, nil
	case "\xffSMB":
		c.smb1++
		tok, legacy, err := smb1SecurityBlob(msg)
		if legacy {
			return []carried{{fromClient: fromClient, event: OfferLegacy}}, nil
		}
		if err != nil || tok == nil {
			return nil, err
		}
		return []carried{{tok: tok, fromClient: fromClient, mech: rawNTLMSSPLabel(tok)}}, nil
	case "\xfeSMB":
		c.sawSMB2 = true
	default:
		return nil, fmt.Errorf("smb2: message starts % x, not an SMB header", msg[:4])
	}
	var toks []carried
	for off := 0; ; {
		h := msg[off:]
		if len(h) < smb2HeaderLen || string(h[:4]) != "\xfeSMB" {
			return toks, fmt.Errorf("smb2: compound header at offset %d truncated or bad", off)
		}
		cmd := binary.LittleEndian.Uint16(h[12:])
		resp := binary.LittleEndian.Uint32(h[16:])&1 != 0
		next := int(binary.LittleEndian.Uint32(h[20:]))
		if next != 0 && (next < smb2HeaderLen || next%8 != 0 || off+next >= len(msg)) {
			return toks, fmt.Errorf("smb2: NextCommand %d at offset %d invalid", next, off)
		}
		end := len(h)
		if next != 0 {
			end = next
		}
		if tok, err := securityBuffer(h[:end], cmd, resp); err != nil {
			return toks, fmt.Errorf("smb2: %w", err)
		} else if tok != nil && resp != fromClient {
			toks = append(toks, carried{tok: tok, fromClient: fromClient, mech: rawNTLMSSPLabel(tok)})
		}
		if resp != fromClient {
			t, err := c.pipes.message(h[:end], cmd, resp)
			toks = append(toks, t...)
			if err != nil {
				return toks, fmt.Errorf("smb2: %w", err)
			}
		}
		if next == 0 {
			return toks, nil
		}
		off += next
	}
}

// NetBIOS session service packet types (RFC 1002 §4.3.1); 0 is a
// session message, which carries SMB.
const (
	nbssSessionRequest = 0x81
	nbssKeepAlive      = 0x85
)

// looksNBSSRequest: a NetBIOS session request (two encoded NetBIOS names
// of 34 bytes each) opens an SMB connection to TCP 139.
func looksNBSSRequest(b []byte) bool {
	if len(b) < 5 || b[0] != nbssSessionRequest || b[1]&0xfe != 0 {
		return false
	}
	n := int(b[1]&1)<<16 | int(b[2])<<8 | int(b[3])
	return n >= 68 && n <= 512 && b[4] == 0x20
}

// smbFromClient orients a connection by its first SMB bytes: a NetBIOS
// session request comes from the client, a session response from the
// server; SMB1 and SMB2 headers carry a reply flag.
func smbFromClient(b []byte) (fromClient, ok bool) {
	if len(b) < 4 {
		return false, false
	}
	switch b[0] {
	case nbssSessionRequest:
		return true, true
	case 0x82, 0x83, 0x84:
		return false, true
	case 0:
	default:
		return false, false
	}
	m := b[4:]
	switch {
	case len(m) >= 16+4 && string(m[:4]) == "\xfeSMB":
		return binary.LittleEndian.Uint32(m[16:])&1 == 0, true
	case len(m) >= 10 && string(m[:4]) == "\xffSMB":
		return m[9]&smb1FlagReply == 0, true
	}
	return false, false
}

// findSMBStart returns the offset of the first plausible NetBIOS session
// message holding an SMB1 or SMB2 header in b, -1 if there is none: a
// zero type byte, a length that can hold the header, then 0xFE or 0xFF
// and "SMB".
func findSMBStart(b []byte) int {
	for i := 0; i+8 <= len(b); i++ {
		if b[i] != 0 || !looksSMB(b[i:]) {
			continue
		}
		n := int(b[i+1])<<16 | int(b[i+2])<<8 | int(b[i+3])
		if n >= smb1HeaderLen && n <= maxSMBMessage {
			return i
		}
	}
	return -1
}

// rawNTLMSSPLabel is "smb-ntlmssp" for a security blob that is a bare
// NTLMSSP message rather than SPNEGO: SMB clients may answer the server's
// NegTokenInit2 that way, and Windows and Samba servers accept it. It is
// not a SPNEGO exchange, so the mechListMIC policy does not apply (as with
// DCE/RPC auth type 10).
func rawNTLMSSPLabel(tok []byte) string {
	if len(tok) >= 8 && string(tok[:8]) == "NTLMSSP\x00" {
		return "smb-ntlmssp"
	}
	return ""
}

// securityBuffer returns the security buffer of a NEGOTIATE response or a
// SESSION_SETUP request/response; offsets count from the SMB2 header.
func securityBuffer(h []byte, cmd uint16, resp bool) ([]byte, error) {
	body := h[smb2HeaderLen:]
	var at int
	switch {
	case cmd == smb2Negotiate && resp:
		at = 56
	case cmd == smb2SessionSetup && !resp:
		at = 12
	case cmd == smb2SessionSetup && resp:
		at = 4
	default:
		return nil, nil
	}
	if len(body) < at+4 {
		if len(body) == 9 && resp { // error response body (STATUS_* with no buffer)
			return nil, nil
		}
		return nil, fmt.Errorf("command %d body truncated (%d bytes)", cmd, len(body))
	}
	off, l := int(binary.LittleEndian.Uint16(body[at:])), int(binary.LittleEndian.Uint16(body[at+2:]))
	if l == 0 {
		return nil, nil
	}
	if off < smb2HeaderLen || off+l > len(h) {
		return nil, fmt.Errorf("command %d security buffer %d+%d outside the %d-byte message", cmd, off, l, len(h))
	}
	return h[off : off+l], nil
}
