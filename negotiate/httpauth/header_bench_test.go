package httpauth

import (
	"net/http"
	"testing"
)

// Header handling of a 48 000-byte token (AD's MaxTokenSize, a user in
// ~5 900 groups): one allocation of the header text to send, one of the
// decoded token on receipt.
//
//	go test -run '^$' -bench Header -benchmem ./negotiate/httpauth/
func BenchmarkHeaderValue48000(b *testing.B) {
	tok := make([]byte, 48000)
	b.ReportAllocs()
	b.SetBytes(int64(len(tok)))
	for i := 0; i < b.N; i++ {
		if len(headerValue(tok)) != 64010 {
			b.Fatal("wrong length")
		}
	}
}

func BenchmarkHeaderDecode48000(b *testing.B) {
	h := http.Header{"Authorization": {headerValue(make([]byte, 48000))}}
	b.ReportAllocs()
	b.SetBytes(48000)
	for i := 0; i < b.N; i++ {
		tok, ok, err := authorizationToken(h, DefaultMaxTokenBytes)
		if err != nil || !ok || len(tok) != 48000 {
			b.Fatal(err)
		}
	}
}
