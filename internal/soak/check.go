//go:build linux

package soak

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Limits bound what the second half of a phase may leave behind. A limit
// is Slack plus PerRequest times the requests of the second half: the slack
// absorbs what does not scale with requests (allocator and thread-cache
// noise, a late-growing pool), the per-request part is what a leak looks
// like. Both sit far above the noise measured here (docs/reliability.md), so
// a pass is not luck and a leak of one native context or token buffer per
// request fails at the soak's size.
type Limits struct {
	Goroutines       int    // extra goroutines allowed after the phase, over the phase's start
	GoSlack, GoPer   uint64 // Go heap, bytes
	CSlack, CPer     uint64 // C heap, bytes
	RSSSlack, RSSPer uint64 // resident set, bytes
}

// DefaultLimits are the limits ci/soak.sh and the -race test use.
var DefaultLimits = Limits{
	Goroutines: 8,
	GoSlack:    2 << 20, GoPer: 256,
	CSlack: 256 << 10, CPer: 16,
	RSSSlack: 48 << 20, RSSPer: 2048,
}

// Check compares the snapshots after the first (a) and second (b) half,
// against the start of the phase (start) for goroutines, given n requests in
// the second half; it returns one line per violated limit.
func (l Limits) Check(start, a, b Snapshot, n int) []string {
	var bad []string
	grow := func(what string, x, y, slack, per uint64) {
		if y > x && y-x > slack+per*uint64(n) {
			bad = append(bad, fmt.Sprintf("%s grew %s over %d requests (%.0f B/request; limit %s + %d B/request)",
				what, mib(y-x), n, float64(y-x)/float64(max(n, 1)), mib(slack), per))
		}
	}
	grow("Go heap", a.GoHeap, b.GoHeap, l.GoSlack, l.GoPer)
	if a.CHeapKnown && b.CHeapKnown {
		grow("C heap", a.CHeap, b.CHeap, l.CSlack, l.CPer)
	}
	grow("RSS", a.RSS, b.RSS, l.RSSSlack, l.RSSPer)
	if b.Goroutines > start.Goroutines+l.Goroutines {
		bad = append(bad, fmt.Sprintf("goroutines: %d after the phase, %d before it", b.Goroutines, start.Goroutines))
	}
	return bad
}

// Latencies collects request durations by kind.
type Latencies map[string][]time.Duration

// Merge adds o's samples.
func (l Latencies) Merge(o Latencies) {
	for k, v := range o {
		l[k] = append(l[k], v...)
	}
}

// Summary prints "kind n=… p50 … p99 …" for every kind and for all.
func (l Latencies) Summary() string {
	var all []time.Duration
	var kinds []string
	for k, v := range l {
		kinds = append(kinds, k)
		all = append(all, v...)
	}
	slices.Sort(kinds)
	var b strings.Builder
	for _, k := range kinds {
		fmt.Fprintf(&b, "  %-10s %s\n", k, pct(l[k]))
	}
	fmt.Fprintf(&b, "  %-10s %s\n", "all", pct(all))
	return b.String()
}

// P99 returns the 99th percentile of every sample.
func (l Latencies) P99() time.Duration {
	var all []time.Duration
	for _, v := range l {
		all = append(all, v...)
	}
	return percentile(all, 99)
}

func pct(d []time.Duration) string {
	return fmt.Sprintf("n=%d p50 %v p99 %v max %v", len(d), percentile(d, 50), percentile(d, 99), percentile(d, 100))
}

func percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	i = min(max(i-1, 0), len(s)-1)
	return s[i].Round(10 * time.Microsecond)
}
