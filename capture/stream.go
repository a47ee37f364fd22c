package capture

import (
	"fmt"
	"net/netip"
)

// Reassembly limits: what one half-connection may hold while it waits for
// a missing segment, and how much undelivered stream a carrier may keep.
// Beyond them the gap is declared lost and the carrier resynchronises, so
// memory is bounded by open streams, not by the file.
const (
	maxPendingBytes = 1 << 20
	maxBuffered     = 1 << 20
)

// half is one direction of a TCP connection.
type half struct {
	next    uint32 // next expected sequence number
	synced  bool
	pending map[uint32][]byte // out-of-order segments by sequence number
	pendLen int
	buf     []byte // in-order bytes not yet consumed by the carrier
	gap     bool   // bytes were lost before buf
	finned  bool
	lost    bool   // bytes were lost at some point (sticky, unlike gap)
	finSeq  uint32 // sequence number after the last byte, from the FIN
	hasFin  bool
	isn     uint32 // initial sequence number, from this direction's SYN
	sawSYN  bool
}

// missing says whether bytes of this direction never reached the carrier:
// lost, still waiting out of order, or sent before a FIN but not captured.
func (h *half) missing() bool {
	return h.lost || len(h.pending) > 0 || h.hasFin && h.synced && h.finSeq != h.next
}

// seqLess compares sequence numbers modulo 2^32 (RFC 1982).
func seqLess(a, b uint32) bool { return int32(a-b) < 0 }

// add takes one segment and appends what becomes in-order to h.buf; it
// drops retransmissions and trims overlaps.
func (h *half) add(s segment) (warn string) {
	seq := s.seq
	if s.syn {
		seq++
		if !h.sawSYN { // a retransmitted SYN must not rewind the stream
			h.isn, h.sawSYN = s.seq, true
			h.next, h.synced = seq, true
		}
	}
	data := s.payload
	if s.fin {
		h.finSeq, h.hasFin = seq+uint32(len(data)), true
	}
	if len(data) == 0 {
		return ""
	}
	if !h.synced { // capture began mid-stream: start here
		h.next, h.synced, h.gap, h.lost = seq, true, true, true
	}
	if s.short { // snaplen cut this segment: what follows is lost
		warn = fmt.Sprintf("segment cut by snaplen (%d bytes kept)", len(data))
	}
	if seqLess(seq, h.next) {
		skip := h.next - seq
		if uint32(len(data)) <= skip {
			return warn // pure retransmission
		}
		data, seq = data[skip:], h.next
	}
	if seq != h.next {
		if h.pending == nil {
			h.pending = map[uint32][]byte{}
		}
		if _, dup := h.pending[seq]; !dup {
			h.pending[seq] = append([]byte(nil), data...)
			h.pendLen += len(data)
		}
		if h.pendLen > maxPendingBytes {
			h.skipGap()
			return "missing segment: bytes lost, stream resynchronised"
		}
		return warn
	}
	h.deliver(data)
	if s.short {
		h.next += uint32(len(data)) // the cut bytes are gone for good
		h.gap, h.lost = true, true
	}
	h.drain()
	return warn
}

func (h *half) deliver(data []byte) {
	h.buf = append(h.buf, data...)
	h.next += uint32(len(data))
	if len(h.buf) > maxBuffered {
		h.buf, h.gap, h.lost = h.buf[:0], true, true
	}
}

// drain moves pending segments that have become in order.
func (h *half) drain() {
	for len(h.pending) > 0 {
		progressed := false
		for seq, d := range h.pending {
			if seqLess(seq, h.next) || seq == h.next {
				delete(h.pending, seq)
				h.pendLen -= len(d)
				if end := seq + uint32(len(d)); seqLess(h.next, end) {
					h.deliver(d[h.next-seq:])
				}
				progressed = true
			}
		}
		if !progressed {
			return
		}
	}
}

// skipGap gives up on the missing bytes: continue at the lowest pending
// segment, telling the carrier that the stream has a hole.
func (h *half) skipGap() {
	first, ok := uint32(0), false
	for seq := range h.pending {
		if !ok || seqLess(seq, first) {
			first, ok = seq, true
		}
	}
	if !ok {
		return
	}
	h.buf, h.gap, h.lost, h.next = h.buf[:0], true, true, first
	h.drain()
}

// flowKey names a connection independent of direction.
type flowKey struct{ a, b netip.AddrPort }

func keyOf(s segment) (flowKey, bool) {
	if s.src.Compare(s.dst) < 0 {
		return flowKey{s.src, s.dst}, true
	}
	return flowKey{s.dst, s.src}, false
}
