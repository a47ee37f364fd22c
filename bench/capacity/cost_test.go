//go:build linux

package main

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/gssapi_unix"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/kerberos"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
	"github.com/gssnego/gssnego/platform"
)

// BenchmarkServerCost splits what our server spends per request, in one
// process and one goroutine, without HTTP connections. b.N rounds; each
// round sends perRound fresh tokens (made before the timer runs; the replay
// cache is on) through each variant back to back, so that the machine's
// drift falls on all of them. Reported: each variant's median µs per
// request over the rounds (us-NAME) and the median of the per-round ratios
// to the middleware (x-NAME).
//
//	accept       negotiate.Server.Continue on the initial token: the engine
//	             and MIT's gss_accept_sec_context (AP-REQ, replay cache, AP-REP)
//	names        accept plus Inquire (the principal httpauth needs)
//	middleware   httpauth.Server.Middleware with a default Config (the
//	             benchmark's server; it acquires the acceptor credential once)
//	credperaccept  the middleware with contexts made without a credential,
//	             so that MIT acquires the default one inside every accept
//	             (what the middleware did before)
//	memkt        the middleware with the keytab in memory (gssapi_unix.Keytab)
//	memkt-norc   the same with MIT's replay cache off ("none:"), gssnego's
//	             in-memory replay cache (the middleware's default) alone
//	purego       the middleware over the pure-Go provider (kerberos)
//
// Besides the times (load-dependent), allocs-NAME is the Go heap
// allocations per request, which do not depend on the load.
//
//	cd bench && go test -run '^$' -bench ServerCost -benchtime 20x ./capacity
func BenchmarkServerCost(b *testing.B) {
	realm := testrealm.Start(b)
	realm.Setenv(b)
	b.Setenv("KRB5RCACHEDIR", b.TempDir())
	p, err := platform.Provider()
	if err != nil {
		b.Fatal(err)
	}
	const perRound = 200
	accept := func(names bool) func(hs [][]byte) {
		return func(hs [][]byte) {
			for _, h := range hs {
				s, err := negotiate.NewServer(negotiate.Config{Provider: p})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := s.Continue(decodeHeader(b, h)); err != nil || s.ContinueNeeded() {
					b.Fatalf("accept: %v", err)
				}
				if names {
					if info, err := s.Inquire(); err != nil || info.InitiatorName == "" {
						b.Fatalf("inquire: %v", err)
					}
				}
				s.Close()
			}
		}
	}
	middleware := func(srv *httpauth.Server) func(hs [][]byte) {
		h := srv.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(httpauth.Principal(r)))
		}))
		return func(hs [][]byte) {
			req := httptest.NewRequest("GET", "http://localhost/", nil)
			for _, tok := range hs {
				req.Header.Set("Authorization", string(tok))
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("status %d", rec.Code)
				}
			}
		}
	}
	variants := []struct {
		name string
		run  func([][]byte)
	}{
		{"accept", accept(false)},
		{"names", accept(true)},
		{"middleware", middleware(&httpauth.Server{Config: negotiate.Config{Provider: p}})},
		{"credperaccept", middleware(&httpauth.Server{NewContext: func(*http.Request) (gss.SecContext, error) {
			return negotiate.NewServer(negotiate.Config{Provider: p})
		}})},
		{"memkt", middleware(&httpauth.Server{Config: negotiate.Config{Provider: p, Credential: memKT(b, realm.Keytab, "")}})},
		{"memkt-norc", middleware(&httpauth.Server{Config: negotiate.Config{Provider: p, Credential: memKT(b, realm.Keytab, "none:")}})},
		{"purego", middleware(&httpauth.Server{Config: negotiate.Config{Provider: kerberos.NewProvider()}})},
	}
	per := make([][]float64, len(variants)) // µs per request, per round
	allocs := make([]uint64, len(variants)) // heap allocations, all rounds
	var ms runtime.MemStats
	for range b.N {
		b.StopTimer()
		pool, err := makeTokens(p, "HTTP@localhost", perRound*len(variants))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for i, v := range variants {
			runtime.ReadMemStats(&ms)
			m0 := ms.Mallocs
			t0 := time.Now()
			v.run(pool.headers[i*perRound : (i+1)*perRound])
			per[i] = append(per[i], float64(time.Since(t0).Microseconds())/perRound)
			runtime.ReadMemStats(&ms)
			allocs[i] += ms.Mallocs - m0
		}
	}
	const ref = 2 // middleware
	for i, v := range variants {
		b.ReportMetric(median(per[i]), "us-"+v.name)
		// Go heap allocations per request: independent of the machine's load.
		b.ReportMetric(float64(allocs[i])/float64(b.N*perRound), "allocs-"+v.name)
		if i != ref {
			var rs []float64
			for r := range per[i] {
				rs = append(rs, per[i][r]/per[ref][r])
			}
			b.ReportMetric(median(rs), "x-"+v.name)
		}
	}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

func decodeHeader(tb testing.TB, h []byte) []byte {
	tok, err := base64.StdEncoding.DecodeString(string(h[len("Negotiate "):]))
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// memKT loads path into memory for the acceptor (gssapi_unix.Keytab) with
// MIT's replay cache rcache ("" for the default).
func memKT(b *testing.B, path, rcache string) *gssapi_unix.Keytab {
	kt, err := gssapi_unix.LoadKeytab(path, gssapi_unix.KeytabConfig{ReplayCache: rcache})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { kt.Release() })
	return kt
}
