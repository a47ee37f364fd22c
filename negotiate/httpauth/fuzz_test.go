//go:build linux

package httpauth_test

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
	"github.com/gssnego/gssnego/platform"
)

// FuzzServerAuthorization feeds arbitrary Authorization values, and
// arbitrary bytes as Negotiate tokens, to the middleware over the real
// engine and provider: it must never panic, never authenticate, answer
// 400/401/503 only, and hold at most one incomplete exchange for the one
// connection.
func FuzzServerAuthorization(f *testing.F) {
	p, err := platform.Provider()
	if err != nil {
		f.Skip(err)
	}
	s := &httpauth.Server{Config: negotiate.Config{Provider: p}, MaxTokenBytes: 4096}
	h := s.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic("fuzz input authenticated: " + r.Header.Get("Authorization"))
	}))
	for _, seed := range []string{
		"", "Negotiate", "negotiate YA==", "Negotiate oQcwBaADCgEB", "Negotiate !!",
		"Negotiate YCgGBisGAQUFAqAeMBygGjAYBgoqhkiC9xIBAgIGCiqGSIb3EgECAgo=",
		"Basic eDp5", "Negotiate YIIBpAYGKwYBBQUC", "NEGOTIATE   oYIB",
	} {
		f.Add(seed, []byte(nil))
	}
	f.Add("", []byte{0x60, 0x84, 0xff, 0xff, 0xff, 0xff})
	f.Add("", []byte{0xa1, 0x03, 0x30, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, header string, token []byte) {
		for _, v := range []string{header, "Negotiate " + base64.StdEncoding.EncodeToString(token)} {
			req := httptest.NewRequest("GET", "http://localhost/", nil)
			req.RemoteAddr = "192.0.2.1:1234"
			if v != "" {
				req.Header.Set("Authorization", v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			switch rec.Code {
			case http.StatusBadRequest, http.StatusUnauthorized, http.StatusServiceUnavailable:
			default:
				t.Fatalf("Authorization %q: status %d", v, rec.Code)
			}
			if n := s.Pending(); n > 1 {
				t.Fatalf("%d incomplete exchanges held for one connection", n)
			}
		}
	})
}
