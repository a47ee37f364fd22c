package capture

import (
	"bytes"
	"fmt"
	"github.com/gssnego/gssnego/internal/pcapsynth"
)

// ExampleAudit audits a capture holding one HTTP Negotiate exchange (built
// here from recorded tokens; a file from tcpdump reads the same way).
func ExampleAudit() {
	w := pcapsynth.NewWriter()
	c := w.Open(addr("192.0.2.10:50000"), addr("192.0.2.80:80"))
	c.Send(true, []byte("GET / HTTP/1.1\r\nHost: www\r\nAuthorization: Negotiate "+
		"YBwGBisGAQUFAqASMBCgDjAMBgorBgEEAYI3AgIK\r\n\r\n"), 1400) // NegTokenInit offering NTLM, no token
	c.Send(false, []byte("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n"+
		"WWW-Authenticate: Negotiate oQcwBaADCgEC\r\n\r\n"), 1400) // reject
	c.Close()

	res, err := Audit(bytes.NewReader(w.Buf.Bytes()), Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range res.Exchanges {
		fmt.Println(e.Client, "->", e.Server, e.Carrier, len(e.Tokens), "tokens:", e.Verdict().Result)
	}
	// Output:
	// 192.0.2.10:50000 -> 192.0.2.80:80 http 2 tokens: rejected
}
