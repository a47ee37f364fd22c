// Package pcapsynth writes small synthetic pcap files of TCP connections,
// so that tests can embed known tokens in each carrier of gssnego audit.
package pcapsynth

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"time"
)

// Writer writes a classic pcap (Ethernet) file of TCP connections, so
// that tests can embed known tokens in each carrier.
type Writer struct {
	Buf bytes.Buffer
	t   time.Time
}

// NewWriter starts a pcap file (Ethernet, microseconds).
func NewWriter() *Writer {
	w := &Writer{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	var h [24]byte
	binary.LittleEndian.PutUint32(h[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], 262144)
	binary.LittleEndian.PutUint32(h[20:], 1) // Ethernet
	w.Buf.Write(h[:])
	return w
}

// Frame writes one Ethernet/IPv4/TCP frame; snap > 0 cuts it.
func (w *Writer) Frame(src, dst netip.AddrPort, seq uint32, flags byte, payload []byte, snap int) {
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
	w.Buf.Write(h[:])
	w.Buf.Write(f)
}

// Conn is one synthetic TCP connection.
type Conn struct {
	w              *Writer
	Client, Server netip.AddrPort
	CSeq, SSeq     uint32
}

// TCP flags for Frame.
const (
	FIN = 0x01
	SYN = 0x02
	ACK = 0x10
	PSH = 0x08
)

// Open writes a connection's SYN and SYN-ACK.
func (w *Writer) Open(client, server netip.AddrPort) *Conn {
	c := &Conn{w: w, Client: client, Server: server, CSeq: 1000, SSeq: 5000}
	w.Frame(client, server, c.CSeq, SYN, nil, 0)
	w.Frame(server, client, c.SSeq, SYN|ACK, nil, 0)
	c.CSeq++
	c.SSeq++
	return c
}

// OpenSeq is Open with the initial sequence numbers given, so that a test
// can open the same address pair again as a new connection (port reuse).
func (w *Writer) OpenSeq(client, server netip.AddrPort, cisn, sisn uint32) *Conn {
	c := &Conn{w: w, Client: client, Server: server, CSeq: cisn, SSeq: sisn}
	w.Frame(client, server, c.CSeq, SYN, nil, 0)
	w.Frame(server, client, c.SSeq, SYN|ACK, nil, 0)
	c.CSeq++
	c.SSeq++
	return c
}

// Send writes data from one side in segments of at most mss bytes.
func (c *Conn) Send(fromClient bool, data []byte, mss int) {
	src, dst, seq := c.Client, c.Server, &c.CSeq
	if !fromClient {
		src, dst, seq = c.Server, c.Client, &c.SSeq
	}
	for len(data) > 0 {
		n := min(mss, len(data))
		c.w.Frame(src, dst, *seq, ACK|PSH, data[:n], 0)
		*seq += uint32(n)
		data = data[n:]
	}
}

// Close writes FIN from both sides.
func (c *Conn) Close() {
	c.w.Frame(c.Client, c.Server, c.CSeq, FIN|ACK, nil, 0)
	c.w.Frame(c.Server, c.Client, c.SSeq, FIN|ACK, nil, 0)
}
