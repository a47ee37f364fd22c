//go:build linux

package main

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/kerberos"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
	"github.com/gssnego/gssnego/platform"
)

// BenchmarkPuregoServer is the pure-Go server's middleware alone, one
// fresh token per op (made before the timer runs; the replay cache is
// on), for -benchmem, -cpuprofile and strace: what one request costs
// without the other variants of BenchmarkServerCost around it.
//
//	cd bench && go test -run '^$' -bench PuregoServer -benchmem -benchtime 2000x ./capacity
func BenchmarkPuregoServer(b *testing.B) {
	realm := testrealm.Start(b)
	realm.Setenv(b)
	b.Setenv("KRB5RCACHEDIR", b.TempDir())
	p, err := platform.Provider()
	if err != nil {
		b.Fatal(err)
	}
	srv := &httpauth.Server{Config: negotiate.Config{Provider: kerberos.NewProvider()}}
	h := srv.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(httpauth.Principal(r)))
	}))
	pool, err := makeTokens(p, "HTTP@localhost", b.N+1)
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest("GET", "http://localhost/", nil)
	serve := func(tok []byte) {
		req.Header.Set("Authorization", string(tok))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("status %d", rec.Code)
		}
	}
	serve(pool.headers[b.N]) // the credential and krb5.conf, once
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		serve(pool.headers[i])
	}
}
