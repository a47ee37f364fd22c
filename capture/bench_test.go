package capture

import (
	"bytes"
	"fmt"
	"github.com/gssnego/gssnego/internal/pcapsynth"
	"testing"

	"github.com/gssnego/gssnego/negotiate"
)

// BenchmarkAudit measures throughput (MB/s of capture file) on a synthetic
// capture: 2000 HTTP connections, each a recorded two-token exchange
// followed by a 64 KiB response body in 1448-byte segments, 40 connections
// open at a time.
func BenchmarkAudit(b *testing.B) {
	var set vectorSet
	for _, s := range loadVectors(b) {
		if s.name == "mit/mit-a-default-aes256" {
			set = s
		}
	}
	if set.toks == nil {
		b.Skip("vector mit/mit-a-default-aes256 not found")
	}
	body := bytes.Repeat([]byte("x"), 64<<10)
	w := pcapsynth.NewWriter()
	for batch := 0; batch < 50; batch++ {
		var conns []*pcapsynth.Conn
		for i := 0; i < 40; i++ {
			conns = append(conns, w.Open(addr(fmt.Sprintf("10.2.%d.%d:40000", batch, i+1)), addr("10.3.0.1:80")))
		}
		for _, c := range conns {
			c.Send(true, httpMessage(negotiate.InitiatorToAcceptor, set.toks[0]), 1448)
		}
		for _, c := range conns {
			resp := append(bytes.Replace(httpMessage(negotiate.AcceptorToInitiator, set.toks[1]), []byte("401 Unauthorized"), []byte("200 OK"), 1), body...)
			resp = bytes.Replace(resp, []byte("Content-Length: 26"), []byte(fmt.Sprintf("Content-Length: %d", 26+len(body))), 1)
			c.Send(false, resp, 1448)
			c.Close()
		}
	}
	file := w.Buf.Bytes()
	b.SetBytes(int64(len(file)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := Audit(bytes.NewReader(file), Options{})
		if err != nil || len(res.Exchanges) != 2000 || len(res.Warnings) != 0 {
			b.Fatalf("err %v, %d exchanges, warnings %v", err, len(res.Exchanges), res.Warnings)
		}
	}
}
