package capture

import (
	"path/filepath"
	"testing"
)

// Fuzz targets for the SMB carrier's newer parsing: NetBIOS session
// packets (TCP 139) and DCE/RPC on SMB2 named pipes. Their seeds are the
// TCP payloads of the recorded captures in testdata/corpus.

// corpusRecords returns, for each corpus capture whose name matches
// pattern, its data segments in order as records: a direction byte (1:
// from the side that sent the SYN) followed by the payload.
func corpusRecords(tb testing.TB, pattern string) [][][]byte {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "corpus", pattern))
	if err != nil {
		tb.Fatal(err)
	}
	var out [][][]byte
	for _, f := range files {
		link, frames := readFrames(tb, f)
		var client string
		var recs [][]byte
		for _, fr := range frames {
			s, ok, err := decodeTCP(Packet{LinkType: link, Data: fr.data, OrigLen: fr.orig})
			if err != nil || !ok {
				continue
			}
			if s.syn && !s.ack && client == "" {
				client = s.src.String()
			}
			if len(s.payload) == 0 {
				continue
			}
			dir := byte(0)
			if s.src.String() == client {
				dir = 1
			}
			recs = append(recs, append([]byte{dir}, s.payload...))
		}
		out = append(out, recs)
	}
	return out
}

// feedRecords runs records through one SMB carrier, buffering each
// direction as the auditor does, and checks it never claims more bytes
// than it was given.
func feedRecords(t *testing.T, recs [][]byte) {
	c := &smb2Carrier{}
	var buf [2][]byte
	for _, r := range recs {
		if len(r) == 0 {
			continue
		}
		fromClient := r[0]&1 == 1
		i := sideIdx(fromClient)
		buf[i] = append(buf[i], r[1:]...)
		orientByContent(buf[i])
		for k := 0; k < 1000 && len(buf[i]) > 0; k++ {
			n, _, _ := c.parse(fromClient, buf[i])
			if n < 0 || n > len(buf[i]) {
				t.Fatalf("consumed %d of %d bytes", n, len(buf[i]))
			}
			if n == 0 {
				break
			}
			buf[i] = buf[i][n:]
		}
		if len(buf[i]) > 1<<20 {
			buf[i] = nil
		}
	}
}

// splitRecords reverses joinRecords: each record is a 2-byte big-endian
// length, then its bytes.
func splitRecords(b []byte) [][]byte {
	var recs [][]byte
	for len(b) >= 2 {
		n := int(b[0])<<8 | int(b[1])
		b = b[2:]
		if n > len(b) {
			n = len(b)
		}
		recs = append(recs, b[:n])
		b = b[n:]
	}
	return recs
}

func joinRecords(recs [][]byte) []byte {
	var b []byte
	for _, r := range recs {
		if len(r) > 0xffff {
			r = r[:0xffff]
		}
		b = append(b, byte(len(r)>>8), byte(len(r)))
		b = append(b, r...)
	}
	return b
}

// FuzzNBSS: SMB over NetBIOS (session request and response, then session
// messages), seeded with the recorded smbclient sessions to TCP 139.
func FuzzNBSS(f *testing.F) {
	for _, recs := range corpusRecords(f, "smb2-netbios139-*.pcap") {
		f.Add(joinRecords(recs))
	}
	f.Add(joinRecords([][]byte{append([]byte{1, 0x81, 0, 0, 68, 0x20}, make([]byte, 67)...), {0, 0x82, 0, 0, 0}}))
	f.Fuzz(func(t *testing.T, b []byte) { feedRecords(t, splitRecords(b)) })
}

// FuzzSMB2Pipe: SMB2 CREATE, WRITE, READ and IOCTL on named pipes and the
// DCE/RPC PDUs inside them, seeded with the recorded rpcclient sessions
// (Kerberos, NTLM and SPNEGO binds, signed and sealed).
func FuzzSMB2Pipe(f *testing.F) {
	for _, recs := range corpusRecords(f, "dcerpc-smb2pipe-*.pcap") {
		f.Add(joinRecords(recs))
	}
	f.Fuzz(func(t *testing.T, b []byte) { feedRecords(t, splitRecords(b)) })
}
