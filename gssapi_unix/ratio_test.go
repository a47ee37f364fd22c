//go:build !windows && cgo && gssnego_bench

package gssapi_unix

import (
	"slices"
	"testing"
	"time"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/mitm"
	"github.com/gssnego/gssnego/negotiate"
)

// The ratio benchmarks answer "how far from the C library are we" on a
// shared, noisy machine: each b.N iteration is one round that runs every
// variant back to back, and the reported figure is the median over rounds
// of ours ÷ C within a round, so drift in the machine's load between
// variants cancels out. Run, e.g. for 30 rounds:
//
//	go test -run '^$' -bench Ratio -benchtime 30x -tags gssnego_bench ./gssapi_unix/
//	go test -run '^$' -bench Ratio -benchtime 30x -tags heimdal,gssnego_bench ./gssapi_unix/

// ratioRounds times each variant of a round and reports, per variant after
// the first (the reference), the median ratio to the reference as
// "x-NAME", and every variant's median time per op as "ns-NAME".
type ratioRounds struct {
	names []string
	times [][]float64 // per variant, ns/op of each round
}

func (r *ratioRounds) run(b *testing.B, perRound int, variants ...func(n int) error) {
	b.Helper()
	r.times = make([][]float64, len(variants))
	for i := 0; i < b.N; i++ {
		for v, f := range variants {
			start := time.Now()
			if err := f(perRound); err != nil {
				b.Fatalf("%s: %v", r.names[v], err)
			}
			r.times[v] = append(r.times[v], float64(time.Since(start).Nanoseconds())/float64(perRound))
		}
	}
	b.StopTimer()
	for v := range variants {
		b.ReportMetric(median(r.times[v]), "ns-"+r.names[v])
		if v == 0 {
			continue
		}
		ratios := make([]float64, b.N)
		for i := range ratios {
			ratios[i] = r.times[v][i] / r.times[0][i]
		}
		b.ReportMetric(median(ratios), "x-"+r.names[v])
	}
	b.ReportMetric(0, "ns/op") // the per-round total means nothing
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

// BenchmarkRatioHandshake: raw krb5 in C is the reference; then the raw
// krb5 mech through our binding, our SPNEGO engine over it (optimistic
// token, no MIC due), the same with the strict profile's MIC exchange, the
// library's own spnego mech in C and through our binding.
func BenchmarkRatioHandshake(b *testing.B) {
	p := provider(b)
	target := importTarget(b, p, realm.Principal(targetHTTP))
	goLoop := func(pair func() (mitm.Peer, mitm.Peer, func())) func(int) error {
		return func(n int) error {
			for i := 0; i < n; i++ {
				c, s, done := pair()
				res := mitm.Run(c, s, mitm.None)
				done()
				if res.InitErr != nil || res.AccErr != nil || !res.InitDone || !res.AccDone {
					return firstErr(res.InitErr, res.AccErr)
				}
			}
			return nil
		}
	}
	native := func(mech gss.OID) func() (mitm.Peer, mitm.Peer, func()) {
		return func() (mitm.Peer, mitm.Peer, func()) {
			c, _ := p.InitSecContext(target, gss.WithMech(mech), gss.WithFlags(gss.FlagMutual|gss.FlagInteg))
			s, _ := p.AcceptSecContext()
			return c, s, func() { c.Close(); s.Close() }
		}
	}
	engine := func(profile negotiate.Profile) func() (mitm.Peer, mitm.Peer, func()) {
		cfg := negotiate.Config{Provider: p, Mechs: []gss.OID{gss.MechKRB5}, Profile: profile}
		return func() (mitm.Peer, mitm.Peer, func()) {
			c, _ := negotiate.NewClient(target, cfg)
			s, _ := negotiate.NewServer(cfg)
			return c, s, func() { c.Close(); s.Close() }
		}
	}
	cLoop := func(mech gss.OID) func(int) error {
		return func(n int) error { return cLoopHandshakes("HTTP@localhost", mech, n) }
	}
	r := ratioRounds{names: []string{"krb5-C", "krb5-binding", "engine", "engine-mic", "spnego-C", "spnego-binding"}}
	r.run(b, 40,
		cLoop(gss.MechKRB5),
		goLoop(native(gss.MechKRB5)),
		goLoop(engine(negotiate.ProfileWindows)),
		goLoop(engine(negotiate.ProfileStrict)),
		cLoop(gss.MechSPNEGO),
		goLoop(native(gss.MechSPNEGO)),
	)
}

// BenchmarkRatioPerMessage: GetMIC of 64 bytes and Wrap+Unwrap of 1 MiB,
// each in C (reference) and through the binding; for GetMIC also the cgo
// floor, a Go loop making only the one cgo call per message.
func BenchmarkRatioPerMessage(b *testing.B) {
	for _, tc := range []struct {
		name     string
		size     int
		perRound int
	}{{"GetMIC64", 64, 20000}, {"WrapUnwrap1MiB", 1 << 20, 20}} {
		b.Run(tc.name, func(b *testing.B) {
			ini, acc := benchPair(b)
			msg := make([]byte, tc.size)
			var goLoop, cRef func(int) error
			names := []string{"C", "binding"}
			var floor []func(int) error
			if tc.size == 64 {
				names = append(names, "cgo-floor")
				floor = append(floor, func(n int) error { cgoFloorGetMIC(ini, msg, n); return nil })
				cRef = func(n int) error { return cLoopGetMIC(ini, msg, n) }
				goLoop = func(n int) error {
					for i := 0; i < n; i++ {
						if _, err := ini.GetMIC(msg); err != nil {
							return err
						}
					}
					return nil
				}
			} else {
				cRef = func(n int) error { return cLoopWrapUnwrap(ini, acc, msg, n) }
				goLoop = func(n int) error {
					for i := 0; i < n; i++ {
						tok, _, err := ini.Wrap(msg, true)
						if err != nil {
							return err
						}
						if _, _, err := acc.Unwrap(tok); err != nil {
							return err
						}
					}
					return nil
				}
			}
			r := ratioRounds{names: names}
			r.run(b, tc.perRound, append([]func(int) error{cRef, goLoop}, floor...)...)
		})
	}
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return errIncomplete
}

var errIncomplete = gss.NewError("handshake", gss.StatusFailure, 0, "", "gssapi_unix: handshake ended without an error but incomplete")
