package capture

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"testing"
	"time"
)

// Rewriting recorded captures into what other capture points see:
// large-send offload (segments merged, IPv4 total length 0), a capture
// begun mid-stream (frames dropped), a close the capture missed.

type rawFrame struct {
	t    time.Time
	data []byte
	orig int
}

// readFrames reads every frame of a pcap file and its link type.
func readFrames(t testing.TB, path string) (uint32, []rawFrame) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var link uint32
	var out []rawFrame
	for {
		p, err := rd.Next()
		if err == io.EOF {
			return link, out
		}
		if err != nil {
			t.Fatal(err)
		}
		link = p.LinkType
		out = append(out, rawFrame{t: p.Time, data: append([]byte(nil), p.Data...), orig: p.OrigLen})
	}
}

// writeFrames writes frames as a pcap file (microseconds).
func writeFrames(t *testing.T, path string, link uint32, frames []rawFrame) {
	t.Helper()
	var b bytes.Buffer
	var h [24]byte
	binary.LittleEndian.PutUint32(h[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], 262144)
	binary.LittleEndian.PutUint32(h[20:], link)
	b.Write(h[:])
	for _, f := range frames {
		var r [16]byte
		binary.LittleEndian.PutUint32(r[0:], uint32(f.t.Unix()))
		binary.LittleEndian.PutUint32(r[4:], uint32(f.t.Nanosecond()/1000))
		binary.LittleEndian.PutUint32(r[8:], uint32(len(f.data)))
		binary.LittleEndian.PutUint32(r[12:], uint32(max(f.orig, len(f.data))))
		b.Write(r[:])
		b.Write(f.data)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// ipv4Offsets finds the IPv4 header and TCP payload of an Ethernet frame.
func ipv4Offsets(f []byte) (ip, payload int, ok bool) {
	if len(f) < 14+20 || binary.BigEndian.Uint16(f[12:]) != 0x0800 {
		return 0, 0, false
	}
	ihl := int(f[14]&0x0f) * 4
	if f[14+9] != 6 || len(f) < 14+ihl+20 {
		return 0, 0, false
	}
	doff := int(f[14+ihl+12]>>4) * 4
	return 14, 14 + ihl + doff, true
}

// offloadMerge rewrites an Ethernet capture as the sending host's capture
// under large-send offload sees it: consecutive data segments of one
// direction (no data the other way between them) become one frame, every
// data frame's IPv4 total length is 0, and pure ACKs between merged
// segments are dropped. It returns the frames and how many merges it made.
func offloadMerge(t *testing.T, frames []rawFrame) ([]rawFrame, int) {
	t.Helper()
	var out []rawFrame
	last := -1 // index in out of the last data frame
	merges := 0
	for _, f := range frames {
		p := Packet{LinkType: linkEthernet, Data: f.data, OrigLen: f.orig}
		s, ok, err := decodeTCP(p)
		if err != nil || !ok {
			out = append(out, f)
			continue
		}
		if len(s.payload) == 0 {
			if !s.syn && !s.fin && !s.rst {
				continue // pure ACK: the merged frames' ACKs are not needed
			}
			out = append(out, f)
			last = -1
			continue
		}
		ipOff, plOff, _ := ipv4Offsets(f.data)
		if last >= 0 {
			prev, _, _ := decodeTCP(Packet{LinkType: linkEthernet, Data: out[last].data, OrigLen: len(out[last].data)})
			if prev.src == s.src && prev.seq+uint32(len(prev.payload)) == s.seq {
				m := append(append([]byte(nil), out[last].data...), s.payload...)
				out[last].data, out[last].orig = m, len(m)
				merges++
				continue
			}
		}
		d := append([]byte(nil), f.data[:plOff]...)
		d = append(d, s.payload...)
		binary.BigEndian.PutUint16(d[ipOff+2:], 0) // total length: filled in by the NIC
		out = append(out, rawFrame{t: f.t, data: d, orig: len(d)})
		last = len(out) - 1
	}
	return out, merges
}

// dataFrames lists the frame indexes (0-based) that carry TCP payload.
func dataFrames(frames []rawFrame) []int {
	var idx []int
	for i, f := range frames {
		s, ok, err := decodeTCP(Packet{LinkType: linkEthernet, Data: f.data, OrigLen: f.orig})
		if err == nil && ok && len(s.payload) > 0 {
			idx = append(idx, i)
		}
	}
	return idx
}

func writeRaw(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func auditFile(t *testing.T, path string) *Result {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := Audit(f, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}
