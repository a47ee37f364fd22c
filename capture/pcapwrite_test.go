package capture

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"time"
)

// pcapWriter writes a classic pcap (Ethernet) file of TCP connections, so
// that tests can embed known tokens in each carrier.
type pcapWriter struct {
	buf bytes.Buffer
	t   time.Time
}

func newPcapWriter() *pcapWriter {
	w := &pcapWriter{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	var h [24]byte
	binary.LittleEndian.PutUint32(h[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], 262144)
	binary.LittleEndian.PutUint32(h[20:], linkEthernet)
	w.buf.Write(h[:])
	return w
}

// frame writes one Ethernet/IPv4/TCP frame; snap > 0 cuts it.
func (w *pcapWriter) frame(src, dst netip.AddrPort, seq uint32, flags byte, payload []byte, snap int) {
	f := make([]byte, 14+20+20+len(payload))
	binary.BigEndian.PutUint16(f[12:], 0x0800)
	ip := f[14:]
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(40+len(payload)))
	ip[8], ip[9] = 64, 6
	s4, d4 := src.Addr().As4(), dst.Addr().As4()
	copy(ip[12:], s4[:])
	copy(ip[16:], d4[:])
	tcp := ip[20:]
	binary.BigEndian.PutUint16(tcp[0:], src.Port())
	binary.BigEndian.PutUint16(tcp[2:], dst.Port())
	binary.BigEndian.PutUint32(tcp[4:], seq)
	tcp[12] = 5 << 4
	tcp[13] = flags
	copy(tcp[20:], payload)
	orig := len(f)
	if snap > 0 && snap < len(f) {
		f = f[:snap]
	}
	w.t = w.t.Add(time.Millisecond)
	var h [16]byte
	binary.LittleEndian.PutUint32(h[0:], uint32(w.t.Unix()))
	binary.LittleEndian.PutUint32(h[4:], uint32(w.t.Nanosecond()/1000))
	binary.LittleEndian.PutUint32(h[8:], uint32(len(f)))
	binary.LittleEndian.PutUint32(h[12:], uint32(orig))
	w.buf.Write(h[:])
	w.buf.Write(f)
}

// conn is one synthetic TCP connection.
type conn struct {
	w              *pcapWriter
	client, server netip.AddrPort
	cseq, sseq     uint32
}

const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpACK = 0x10
	tcpPSH = 0x08
)

func (w *pcapWriter) open(client, server netip.AddrPort) *conn {
	c := &conn{w: w, client: client, server: server, cseq: 1000, sseq: 5000}
	w.frame(client, server, c.cseq, tcpSYN, nil, 0)
	w.frame(server, client, c.sseq, tcpSYN|tcpACK, nil, 0)
	c.cseq++
	c.sseq++
	return c
}

// send writes data from one side in segments of at most mss bytes.
func (c *conn) send(fromClient bool, data []byte, mss int) {
	src, dst, seq := c.client, c.server, &c.cseq
	if !fromClient {
		src, dst, seq = c.server, c.client, &c.sseq
	}
	for len(data) > 0 {
		n := min(mss, len(data))
		c.w.frame(src, dst, *seq, tcpACK|tcpPSH, data[:n], 0)
		*seq += uint32(n)
		data = data[n:]
	}
}

func (c *conn) close() {
	c.w.frame(c.client, c.server, c.cseq, tcpFIN|tcpACK, nil, 0)
	c.w.frame(c.server, c.client, c.sseq, tcpFIN|tcpACK, nil, 0)
}
