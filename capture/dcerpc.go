package capture

import (
	"encoding/binary"
	"fmt"
)

// dcerpcCarrier reads connection-oriented DCE/RPC PDUs (C706 §12.6, MS-RPCE
// §2.2.2.11) and lifts the auth_value of bind, bind_ack, alter_context,
// alter_context_resp and rpc_auth_3. Auth type 9 is SPNEGO; 10 (raw
// NTLMSSP) and 16 (raw Kerberos) are reported under their own mech label,
// where no SPNEGO MIC rules apply. Requests and responses that carry a
// verifier (signed or sealed calls) are per-message traffic, counted.
type dcerpcCarrier struct {
	wraps int
}

// DCE/RPC packet types that carry authentication legs.
const (
	rpcRequest       = 0
	rpcResponse      = 2
	rpcBind          = 11
	rpcBindAck       = 12
	rpcAlterContext  = 14
	rpcAlterResponse = 15
	rpcAuth3         = 16
	rpcHeaderLen     = 16
	rpcTrailerLen    = 8
)

func looksDCERPC(b []byte) bool {
	return len(b) >= rpcHeaderLen && b[0] == 5 && b[1] == 0 &&
		(b[2] == rpcBind || b[2] == rpcAlterContext || b[2] == rpcBindAck || b[2] == rpcAlterResponse)
}

func (c *dcerpcCarrier) name() string { return "dcerpc" }
func (c *dcerpcCarrier) wrapped() int { return c.wraps }
func (c *dcerpcCarrier) resync(bool)  {}

func (c *dcerpcCarrier) parse(fromClient bool, buf []byte) (int, []carried, error) {
	var toks []carried
	used := 0
	for len(buf)-used >= rpcHeaderLen {
		p := buf[used:]
		if p[0] != 5 || p[1] != 0 {
			// Lost framing: look for the next plausible header.
			i := 1
			for i < len(p) && !(p[i] == 5 && i+1 < len(p) && p[i+1] == 0) {
				i++
			}
			return used + i, toks, fmt.Errorf("dcerpc: bytes % x are not a PDU header; skipped %d bytes", p[:2], i)
		}
		order := binary.ByteOrder(binary.BigEndian)
		if p[4]&0x10 != 0 {
			order = binary.LittleEndian
		}
		fragLen, authLen := int(order.Uint16(p[8:])), int(order.Uint16(p[10:]))
		if fragLen < rpcHeaderLen {
			return used + 1, toks, fmt.Errorf("dcerpc: frag_length %d shorter than the header", fragLen)
		}
		if len(p) < fragLen {
			return used, toks, nil
		}
		pdu := p[:fragLen]
		used += fragLen
		if authLen == 0 {
			continue
		}
		if authLen+rpcTrailerLen > fragLen-rpcHeaderLen {
			return used, toks, fmt.Errorf("dcerpc: auth_length %d does not fit a %d-byte PDU", authLen, fragLen)
		}
		switch p[2] {
		case rpcRequest, rpcResponse:
			c.wraps++
			continue
		case rpcBind, rpcBindAck, rpcAlterContext, rpcAlterResponse, rpcAuth3:
		default:
			continue
		}
		trailer := pdu[fragLen-authLen-rpcTrailerLen:]
		mech := ""
		switch trailer[0] {
		case 9:
		case 10:
			mech = "dcerpc-ntlmssp"
		case 16:
			mech = "dcerpc-krb5"
		default:
			mech = fmt.Sprintf("dcerpc-auth-%d", trailer[0])
		}
		toks = append(toks, carried{tok: trailer[rpcTrailerLen:], fromClient: fromClient, mech: mech})
	}
	return used, toks, nil
}
