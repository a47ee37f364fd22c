package capture

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// segment is one TCP segment lifted out of a frame.
type segment struct {
	src, dst netip.AddrPort
	seq      uint32
	syn, fin bool
	rst, ack bool
	payload  []byte
	// short says the frame was cut by the snaplen: the payload is incomplete.
	short bool
	// offload says the IPv4 total length was 0 (large-send offload) and
	// the captured bytes were taken as the datagram.
	offload bool
}

// decodeTCP finds the TCP segment in a frame; ok is false for anything
// that is not TCP (ARP, UDP, ...), err names what was malformed.
func decodeTCP(p Packet) (s segment, ok bool, err error) {
	b := p.Data
	var ethType uint16
	switch p.LinkType {
	case linkEthernet:
		if len(b) < 14 {
			return s, false, fmt.Errorf("ethernet header truncated (%d bytes)", len(b))
		}
		ethType, b = binary.BigEndian.Uint16(b[12:]), b[14:]
		for (ethType == 0x8100 || ethType == 0x88a8) && len(b) >= 4 {
			ethType, b = binary.BigEndian.Uint16(b[2:]), b[4:]
		}
	case linkSLL:
		if len(b) < 16 {
			return s, false, fmt.Errorf("linux cooked header truncated (%d bytes)", len(b))
		}
		ethType, b = binary.BigEndian.Uint16(b[14:]), b[16:]
	case linkSLL2:
		if len(b) < 20 {
			return s, false, fmt.Errorf("linux cooked v2 header truncated (%d bytes)", len(b))
		}
		ethType, b = binary.BigEndian.Uint16(b[0:]), b[20:]
	case linkNull, linkLoop:
		if len(b) < 4 {
			return s, false, fmt.Errorf("loopback header truncated (%d bytes)", len(b))
		}
		b = b[4:]
		ethType = ipVersionType(b)
	case linkRaw:
		ethType = ipVersionType(b)
	default:
		return s, false, fmt.Errorf("link type %d not supported", p.LinkType)
	}
	var proto uint8
	var src, dst netip.Addr
	wantIP := 0
	switch ethType {
	case 0x0800:
		if len(b) < 20 || b[0]>>4 != 4 {
			return s, false, fmt.Errorf("IPv4 header truncated or wrong version")
		}
		ihl := int(b[0]&0x0f) * 4
		total := int(binary.BigEndian.Uint16(b[2:]))
		if total == 0 && ihl >= 20 && ihl <= len(b) {
			// Large-send (TCP segmentation) offload: a capture taken on
			// the sending host sees the frame before the NIC splits it
			// and fills in each piece's length. As Wireshark does, take
			// the captured bytes as the datagram.
			total = len(b)
			s.offload = true
		}
		if ihl < 20 || ihl > len(b) || total < ihl {
			return s, false, fmt.Errorf("IPv4 header length %d / total %d invalid", ihl, total)
		}
		if off := binary.BigEndian.Uint16(b[6:]); off&0x3fff != 0 {
			return s, false, fmt.Errorf("IPv4 fragment: fragments are not reassembled")
		}
		proto = b[9]
		src, dst = netip.AddrFrom4([4]byte(b[12:16])), netip.AddrFrom4([4]byte(b[16:20]))
		wantIP = total - ihl
		b = b[ihl:]
	case 0x86dd:
		if len(b) < 40 || b[0]>>4 != 6 {
			return s, false, fmt.Errorf("IPv6 header truncated or wrong version")
		}
		proto = b[6]
		src, dst = netip.AddrFrom16([16]byte(b[8:24])), netip.AddrFrom16([16]byte(b[24:40]))
		wantIP = int(binary.BigEndian.Uint16(b[4:]))
		b = b[40:]
		// Extension headers are rare on TCP; hop-by-hop, routing and
		// destination options are skipped.
		for (proto == 0 || proto == 43 || proto == 60) && len(b) >= 8 {
			l := (int(b[1]) + 1) * 8
			if l > len(b) {
				break
			}
			proto, b, wantIP = b[0], b[l:], wantIP-l
		}
	default:
		return s, false, nil
	}
	if proto != 6 {
		return s, false, nil
	}
	if len(b) < 20 {
		return s, false, fmt.Errorf("TCP header truncated (%d bytes)", len(b))
	}
	doff := int(b[12]>>4) * 4
	if doff < 20 || doff > len(b) {
		return s, false, fmt.Errorf("TCP data offset %d invalid for %d bytes", doff, len(b))
	}
	s.src = netip.AddrPortFrom(src, binary.BigEndian.Uint16(b[0:]))
	s.dst = netip.AddrPortFrom(dst, binary.BigEndian.Uint16(b[2:]))
	s.seq = binary.BigEndian.Uint32(b[4:])
	fl := b[13]
	s.fin, s.syn, s.rst, s.ack = fl&0x01 != 0, fl&0x02 != 0, fl&0x04 != 0, fl&0x10 != 0
	payload := b[doff:]
	if want := wantIP - doff; want >= 0 {
		if want < len(payload) {
			payload = payload[:want] // Ethernet padding
		} else if want > len(payload) {
			s.short = true
		}
	}
	if s.offload && p.OrigLen > len(p.Data) {
		s.short = true // the length came from the capture, which the snaplen cut
	}
	s.payload = payload
	return s, true, nil
}

func ipVersionType(b []byte) uint16 {
	if len(b) == 0 {
		return 0
	}
	switch b[0] >> 4 {
	case 4:
		return 0x0800
	case 6:
		return 0x86dd
	}
	return 0
}
