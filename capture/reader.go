package capture

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"
)

// Link types this reader decodes (tcpdump LINKTYPE_ values).
const (
	linkNull     = 0   // BSD loopback: 4-byte host-order address family
	linkEthernet = 1   // Ethernet II, optional 802.1Q tags
	linkRaw      = 101 // raw IPv4/IPv6
	linkLoop     = 108 // OpenBSD loopback: 4-byte network-order family
	linkSLL      = 113 // Linux cooked capture v1 ("any" device)
	linkSLL2     = 276 // Linux cooked capture v2
)

// maxBlock bounds one pcap record or pcapng block: a hostile length field
// must not make the reader allocate gigabytes.
const maxBlock = 1 << 24

// Packet is one captured frame.
type Packet struct {
	Time     time.Time
	LinkType uint32
	Data     []byte // the captured bytes (may be shorter than OrigLen)
	OrigLen  int
	Index    int // 1-based frame number, as Wireshark counts
}

// Reader reads frames from a pcap or pcapng stream, one at a time, so that
// memory does not grow with the file.
type Reader struct {
	r     *bufio.Reader
	ng    bool
	order binary.ByteOrder
	// pcap
	link  uint32
	nanos bool
	// pcapng: per interface of the current section
	ifLink []uint32
	ifRes  []time.Duration
	n      int
	buf    []byte
}

// NewReader sniffs the format (pcap in either byte order and resolution,
// or pcapng) from the first bytes of r.
func NewReader(r io.Reader) (*Reader, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	head, err := br.Peek(4)
	if err != nil {
		return nil, fmt.Errorf("capture: reading the file header: %w", err)
	}
	rd := &Reader{r: br}
	switch m := binary.LittleEndian.Uint32(head); m {
	case 0xa1b2c3d4, 0xa1b23c4d:
		rd.order, rd.nanos = binary.LittleEndian, m == 0xa1b23c4d
	case 0xd4c3b2a1, 0x4d3cb2a1:
		rd.order, rd.nanos = binary.BigEndian, m == 0x4d3cb2a1
	case 0x0a0d0d0a:
		rd.ng = true
		return rd, nil
	default:
		return nil, fmt.Errorf("capture: file header at offset 0: magic %#08x is neither pcap nor pcapng", m)
	}
	var h [24]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return nil, fmt.Errorf("capture: pcap file header truncated: %w", err)
	}
	rd.link = rd.order.Uint32(h[20:]) & 0x0fffffff
	return rd, nil
}

// ErrTruncated says the capture file ends inside a record.
var ErrTruncated = errors.New("capture: file ends inside a record")

// Next returns the next frame, or io.EOF. The returned Data is valid until
// the following call.
func (rd *Reader) Next() (Packet, error) {
	if rd.ng {
		return rd.nextNG()
	}
	var h [16]byte
	if _, err := io.ReadFull(rd.r, h[:]); err != nil {
		if err == io.EOF {
			return Packet{}, io.EOF
		}
		return Packet{}, fmt.Errorf("%w: record header of frame %d", ErrTruncated, rd.n+1)
	}
	sec, frac := rd.order.Uint32(h[0:]), rd.order.Uint32(h[4:])
	capLen, orig := rd.order.Uint32(h[8:]), rd.order.Uint32(h[12:])
	if capLen > maxBlock {
		return Packet{}, fmt.Errorf("capture: frame %d: captured length %d exceeds %d; file corrupt", rd.n+1, capLen, maxBlock)
	}
	data, err := rd.read(int(capLen))
	if err != nil {
		return Packet{}, fmt.Errorf("%w: frame %d data", ErrTruncated, rd.n+1)
	}
	rd.n++
	ns := int64(frac) * 1000
	if rd.nanos {
		ns = int64(frac)
	}
	return Packet{Time: time.Unix(int64(sec), ns).UTC(), LinkType: rd.link, Data: data, OrigLen: int(orig), Index: rd.n}, nil
}

// read returns the next n bytes. It grows its buffer as bytes arrive, so a
// hostile length field costs no more memory than the file holds.
func (rd *Reader) read(n int) ([]byte, error) {
	rd.buf = rd.buf[:0]
	for len(rd.buf) < n {
		k := min(n-len(rd.buf), 1<<16)
		rd.buf = slices.Grow(rd.buf, k)
		m, err := io.ReadFull(rd.r, rd.buf[len(rd.buf):len(rd.buf)+k])
		rd.buf = rd.buf[:len(rd.buf)+m]
		if err != nil {
			return rd.buf, err
		}
	}
	return rd.buf, nil
}

// nextNG reads pcapng blocks until an enhanced or simple packet block.
func (rd *Reader) nextNG() (Packet, error) {
	for {
		var h [8]byte
		if _, err := io.ReadFull(rd.r, h[:]); err != nil {
			if err == io.EOF {
				return Packet{}, io.EOF
			}
			return Packet{}, fmt.Errorf("%w: pcapng block header", ErrTruncated)
		}
		typ := binary.LittleEndian.Uint32(h[0:])
		if typ == 0x0a0d0d0a { // section header: byte order follows
			var bom [4]byte
			if _, err := io.ReadFull(rd.r, bom[:]); err != nil {
				return Packet{}, fmt.Errorf("%w: pcapng section header", ErrTruncated)
			}
			switch binary.LittleEndian.Uint32(bom[:]) {
			case 0x1a2b3c4d:
				rd.order = binary.LittleEndian
			case 0x4d3c2b1a:
				rd.order = binary.BigEndian
			default:
				return Packet{}, fmt.Errorf("capture: pcapng section header: bad byte-order magic % x", bom)
			}
			rd.ifLink, rd.ifRes = nil, nil
			l := rd.order.Uint32(h[4:])
			if l < 16 || l > maxBlock || l%4 != 0 {
				return Packet{}, fmt.Errorf("capture: pcapng section header: block length %d invalid", l)
			}
			if _, err := rd.read(int(l) - 12); err != nil {
				return Packet{}, fmt.Errorf("%w: pcapng section header body", ErrTruncated)
			}
			continue
		}
		if rd.order == nil {
			return Packet{}, errors.New("capture: pcapng: block before the first section header")
		}
		typ = rd.order.Uint32(h[0:])
		l := rd.order.Uint32(h[4:])
		if l < 12 || l > maxBlock || l%4 != 0 {
			return Packet{}, fmt.Errorf("capture: pcapng block type %#x: length %d invalid", typ, l)
		}
		body, err := rd.read(int(l) - 8)
		if err != nil {
			return Packet{}, fmt.Errorf("%w: pcapng block type %#x", ErrTruncated, typ)
		}
		body = body[:len(body)-4] // trailing length copy
		switch typ {
		case 1: // interface description
			if len(body) < 8 {
				return Packet{}, errors.New("capture: pcapng interface block too short")
			}
			rd.ifLink = append(rd.ifLink, uint32(rd.order.Uint16(body[0:])))
			rd.ifRes = append(rd.ifRes, ngResolution(rd.order, body[8:]))
		case 6: // enhanced packet
			if len(body) < 20 {
				return Packet{}, errors.New("capture: pcapng enhanced packet block too short")
			}
			ifc := rd.order.Uint32(body[0:])
			if int(ifc) >= len(rd.ifLink) {
				return Packet{}, fmt.Errorf("capture: pcapng packet names interface %d, only %d described", ifc, len(rd.ifLink))
			}
			ts := uint64(rd.order.Uint32(body[4:]))<<32 | uint64(rd.order.Uint32(body[8:]))
			capLen, orig := rd.order.Uint32(body[12:]), rd.order.Uint32(body[16:])
			if int(capLen) > len(body)-20 {
				return Packet{}, fmt.Errorf("capture: pcapng packet: captured length %d exceeds block", capLen)
			}
			rd.n++
			res := rd.ifRes[ifc]
			t := time.Unix(0, 0).Add(time.Duration(ts) * res).UTC()
			return Packet{Time: t, LinkType: rd.ifLink[ifc], Data: body[20 : 20+capLen], OrigLen: int(orig), Index: rd.n}, nil
		case 3: // simple packet
			if len(rd.ifLink) == 0 || len(body) < 4 {
				return Packet{}, errors.New("capture: pcapng simple packet without interface")
			}
			rd.n++
			orig := int(rd.order.Uint32(body[0:]))
			d := body[4:]
			if orig < len(d) {
				d = d[:orig]
			}
			return Packet{LinkType: rd.ifLink[0], Data: d, OrigLen: orig, Index: rd.n}, nil
		}
	}
}

// ngResolution reads if_tsresol (option 9) from interface options; the
// default is microseconds.
func ngResolution(order binary.ByteOrder, opts []byte) time.Duration {
	for len(opts) >= 4 {
		code, l := order.Uint16(opts[0:]), int(order.Uint16(opts[2:]))
		if code == 0 || 4+l > len(opts) {
			break
		}
		if code == 9 && l >= 1 {
			v := opts[4]
			var d float64 = 1e9
			if v&0x80 != 0 {
				for i := 0; i < int(v&0x7f) && d > 0; i++ {
					d /= 2
				}
			} else {
				for i := 0; i < int(v); i++ {
					d /= 10
				}
			}
			if d < 1 {
				return 1
			}
			return time.Duration(d)
		}
		opts = opts[4+(l+3)&^3:]
	}
	return time.Microsecond
}
