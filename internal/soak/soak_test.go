//go:build linux

package soak

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/cheap"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/testrealm"
	_ "github.com/gssnego/gssnego/platform" // registers the backend lab.Provider returns
)

// The defaults are the small version that runs under -race in the normal
// test command (a few seconds); ci/soak.sh passes the full size.
var (
	handshakes = flag.Int("soak.handshakes", 200, "handshakes in the handshake phase (two halves)")
	workers    = flag.Int("soak.workers", 8, "goroutines running handshakes")
	clients    = flag.Int("soak.clients", 16, "concurrent HTTP clients")
	duration   = flag.Duration("soak.duration", 2*time.Second, "length of the HTTP phase (two halves)")
)

func TestMain(m *testing.M) {
	noThreadCache()
	CHeap = cheap.InUse
	os.Exit(testrealm.Main(m))
}

// tcacheOff is the glibc tunable that switches off malloc's per-thread
// caches. Measured here: with them on, the C heap in use grows 30–60 KiB
// with every OS thread the Go runtime adds for blocking cgo calls (chunks
// parked in the new thread's tcache count as in use), which over 16,000
// handshakes across 64 goroutines looked like +116 B per handshake; with
// them off the C heap after the second half equals the first half's to the
// byte.
const tcacheOff = "glibc.malloc.tcache_count=0"

// noThreadCache re-executes the test binary with tcacheOff added to
// GLIBC_TUNABLES (read by glibc once, at process start).
func noThreadCache() {
	cur := os.Getenv("GLIBC_TUNABLES")
	if strings.Contains(cur, tcacheOff) {
		return
	}
	if cur != "" {
		cur += ":"
	}
	env := append(os.Environ(), "GLIBC_TUNABLES="+cur+tcacheOff)
	err := syscall.Exec("/proc/self/exe", os.Args, env)
	// Only reached when exec failed: run with the noise, and say so.
	fmt.Fprintf(os.Stderr, "soak: cannot re-execute with %s (%v); C heap figures include thread caches\n", tcacheOff, err)
}

// settleWait is a hang guard for connections and goroutines to wind down.
const settleWait = 30 * time.Second

func provider(t *testing.T) (gss.Provider, *testrealm.Realm) {
	r := testrealm.Shared(t)
	p := lab.Provider(t)
	return p, r
}

// TestSoak runs the handshake phase, then the HTTP phase, each in two
// halves, and fails on any error or on growth beyond DefaultLimits from the
// first half to the second.
func TestSoak(t *testing.T) {
	p, r := provider(t)
	target, err := p.ImportName(testrealm.ServiceHTTP+"@"+r.Name, gss.NameKerberosPrincipal)
	require.NoError(t, err)
	defer target.Release()
	t.Logf("soak: %s, GOMAXPROCS %d, %d handshakes across %d goroutines, %d HTTP clients for %v",
		runtime.Version(), runtime.GOMAXPROCS(0), *handshakes, *workers, *clients, *duration)

	t.Run("Handshakes", func(t *testing.T) {
		require.NoError(t, handshake(target, gssConfig(p)), "warm-up handshake")
		start := Settle(runtime.NumGoroutine(), settleWait)
		half := *handshakes / 2
		h1 := Handshakes(p, target, half, *workers)
		a := Settle(start.Goroutines, settleWait)
		h2 := Handshakes(p, target, *handshakes-half, *workers)
		b := Settle(start.Goroutines, settleWait)
		lat := Latencies{}
		lat.Merge(h1.Lat)
		lat.Merge(h2.Lat)
		t.Logf("start:       %v", start)
		t.Logf("first half:  %v (%d handshakes, %.0f/s)", a, h1.Done, float64(h1.Done)/h1.Elapsed.Seconds())
		t.Logf("second half: %v (%d handshakes, %.0f/s)", b, h2.Done, float64(h2.Done)/h2.Elapsed.Seconds())
		t.Logf("latency:\n%s", lat.Summary())
		logGrowth(t, a, b, h2.Done)
		assert.Zero(t, h1.Errors+h2.Errors, "handshake errors; first: %v %v", h1.FirstErr, h2.FirstErr)
		assert.Empty(t, limits().Check(start, a, b, *handshakes-half))
	})

	t.Run("HTTP", func(t *testing.T) {
		s, err := StartHTTP(p)
		require.NoError(t, err)
		defer s.Close()
		start := Settle(runtime.NumGoroutine(), settleWait)
		r1 := LoadHTTP(p, s, *clients, *duration/2)
		a := Settle(start.Goroutines, settleWait)
		r2 := LoadHTTP(p, s, *clients, *duration/2)
		b := Settle(start.Goroutines, settleWait)
		lat := Latencies{}
		lat.Merge(r1.Lat)
		lat.Merge(r2.Lat)
		t.Logf("start:       %v", start)
		t.Logf("first half:  %v (%d requests)", a, r1.Requests)
		t.Logf("second half: %v (%d requests)", b, r2.Requests)
		t.Logf("statuses: %v / %v", r1.ByStatus, r2.ByStatus)
		t.Logf("latency:\n%s", lat.Summary())
		t.Logf("pending exchanges held by the server after the phase: %d", s.Auth.Pending())
		logGrowth(t, a, b, r2.Requests)
		assert.Zero(t, r1.Errors+r2.Errors, "request errors; first: %v %v", r1.FirstErr, r2.FirstErr)
		for _, k := range kinds {
			assert.NotZero(t, r2.ByStatus[k+" 200"]+r2.ByStatus[k+" 400"]+r2.ByStatus[k+" 401"], "no %s request completed", k)
		}
		assert.Zero(t, s.Auth.Pending(), "incomplete exchanges left in the server")
		assert.Empty(t, limits().Check(start, a, b, r2.Requests))
	})
}

// limits are DefaultLimits, with room for the race detector's RSS.
func limits() Limits {
	l := DefaultLimits
	if raceEnabled {
		l.RSSSlack, l.RSSPer = 256<<20, 64<<10
	}
	return l
}

func logGrowth(t *testing.T, a, b Snapshot, n int) {
	d := func(x, y uint64) float64 { return (float64(y) - float64(x)) / float64(max(n, 1)) }
	t.Logf("second half vs first, per request: Go heap %+.1f B, C heap %+.1f B, RSS %+.1f B, goroutines %+d, threads %+d",
		d(a.GoHeap, b.GoHeap), d(a.CHeap, b.CHeap), d(a.RSS, b.RSS), b.Goroutines-a.Goroutines, b.Threads-a.Threads)
}
