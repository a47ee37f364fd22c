//go:build linux

package largepac

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/negotiate"
)

// benchGroups are the group counts of BenchmarkLargePAC and
// TestLargePACTable; GSSNEGO_LARGEPAC_GROUPS ("10,100,1000,5900")
// overrides them.
func benchGroups(tb testing.TB) []int {
	tb.Helper()
	v := os.Getenv("GSSNEGO_LARGEPAC_GROUPS")
	if v == "" {
		return []int{10, 100, 1000, NearLimitGroups}
	}
	var out []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		require.NoError(tb, err, "GSSNEGO_LARGEPAC_GROUPS")
		out = append(out, n)
	}
	return out
}

// BenchmarkLargePAC: one SPNEGO handshake per op (Go engine both sides,
// in process, Kerberos with the optimistic token, AES, contexts closed),
// and one authenticated HTTP request per op (our Transport against our
// middleware on loopback, a fresh AP-REQ each time), for users in 10, 100,
// 1000 and NearLimitGroups groups:
//
//	go test -run '^$' -bench LargePAC -benchmem ./internal/interop/largepac/
func BenchmarkLargePAC(b *testing.B) {
	for _, n := range benchGroups(b) {
		b.Run(fmt.Sprintf("groups=%d", n), func(b *testing.B) {
			u := userIn(b, n)
			b.Run("ParseInspect", func(b *testing.B) { benchInspect(b, u) })
			b.Run("RawKrb5", func(b *testing.B) { benchRaw(b, u) })
			b.Run("Engine", func(b *testing.B) { benchEngine(b, u) })
			b.Run("HTTP", func(b *testing.B) { benchHTTP(b, u) })
		})
	}
}

func benchEngine(b *testing.B, u *pacUser) {
	_, p := needDC(b)
	cred, n := credOf(b, p, u), target(b, p)
	if _, _, err := handshake(p, n, cred); err != nil { // service ticket into the ccache
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := handshake(p, n, cred); err != nil {
			b.Fatal(err)
		}
	}
}

// benchInspect is our pure-Go share of a token's cost: the SPNEGO parse
// and the inspector's report (mechtoken sniffing of the AP-REQ).
func benchInspect(b *testing.B, u *pacUser) {
	_, p := needDC(b)
	tok, _, err := handshake(p, target(b, p), credOf(b, p, u))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(tok)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := negotiate.Parse(tok); err != nil {
			b.Fatal(err)
		}
		if r := negotiate.Inspect(negotiate.InitiatorToAcceptor, 0, tok); r.MechToken == nil || r.MechToken.Message != "AP-REQ" {
			b.Fatalf("inspector: %+v", r)
		}
	}
}

func benchRaw(b *testing.B, u *pacUser) {
	_, p := needDC(b)
	cred, n := credOf(b, p, u), target(b, p)
	if err := rawHandshake(p, n, cred); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := rawHandshake(p, n, cred); err != nil {
			b.Fatal(err)
		}
	}
}

func benchHTTP(b *testing.B, u *pacUser) {
	_, p := needDC(b)
	hp := newHTTPPeer(b, p, credOf(b, p, u), 0)
	if status, body, _, err := hp.get(); err != nil || status != http.StatusOK {
		b.Fatalf("HTTP: %d %s %v", status, body, err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if status, body, _, err := hp.get(); err != nil || status != http.StatusOK {
			b.Fatalf("HTTP: %d %s %v", status, body, err)
		}
	}
}

// TestLargePACTable prints the "Large PACs" table of docs/performance.md
// (Markdown): per group count the LDIF import time, AP-REQ, NegTokenInit
// and Authorization header sizes, engine handshake time, µs per KB of
// token, allocations and bytes per handshake (Go heap; MIT's C heap is not
// counted), and the HTTP request time. Only with GSSNEGO_LARGEPAC_TABLE=1:
//
//	GSSNEGO_LARGEPAC_TABLE=1 go test -count=1 -run TestLargePACTable -v -timeout 20m ./internal/interop/largepac/
func TestLargePACTable(t *testing.T) {
	if os.Getenv("GSSNEGO_LARGEPAC_TABLE") != "1" {
		t.Skip("measurement: set GSSNEGO_LARGEPAC_TABLE=1")
	}
	_, p := needDC(t)
	var rows []string
	for _, n := range benchGroups(t) {
		u := userIn(t, n)
		cred := credOf(t, p, u)
		tok, _, err := handshake(p, target(t, p), cred)
		require.NoError(t, err)
		nt, err := negotiate.Parse(tok)
		require.NoError(t, err)
		hp := newHTTPPeer(t, p, cred, 0)
		_, _, _, err = hp.get()
		require.NoError(t, err)
		raw := testing.Benchmark(func(b *testing.B) { benchRaw(b, u) })
		eng := testing.Benchmark(func(b *testing.B) { benchEngine(b, u) })
		web := testing.Benchmark(func(b *testing.B) { benchHTTP(b, u) })
		us := float64(eng.NsPerOp()) / 1e3
		rows = append(rows, fmt.Sprintf("| %d | %v | %d | %d | %d | %.0f | %.0f | %.1f | %d | %d | %.0f | %d | %d |",
			n, u.Import.Round(10*time.Millisecond), len(nt.MechToken), len(tok), hp.MaxHeader.Load(),
			float64(raw.NsPerOp())/1e3, us, us/(float64(len(tok))/1024), eng.AllocsPerOp(), eng.AllocedBytesPerOp(),
			float64(web.NsPerOp())/1e3, web.AllocsPerOp(), web.AllocedBytesPerOp()))
		t.Logf("largepac: %s", rows[len(rows)-1])
	}
	load, _ := os.ReadFile("/proc/loadavg")
	t.Logf("largepac: table (load average %s):\n"+
		"| groups | LDIF import | AP-REQ B | NegTokenInit B | Authorization B | raw krb5 µs | engine µs | engine µs/KB | allocs | B/handshake | HTTP req µs | HTTP allocs | HTTP B/req |\n"+
		"|---|---|---|---|---|---|---|---|---|---|---|---|---|\n%s",
		strings.TrimSpace(string(load)), strings.Join(rows, "\n"))
}
