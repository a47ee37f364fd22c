//go:build linux

package soak

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestLimitsCheck: growth that scales with requests fails, a fixed amount
// under the slack passes, and so does shrinking. (A real leak — every eighth
// output buffer of gss_init/accept_sec_context not released — failed the
// full-size soak with "C heap grew 0.64 MiB over 5000 requests (135
// B/request …)"; see docs/reliability.md.)
func TestLimitsCheck(t *testing.T) {
	l := DefaultLimits
	base := Snapshot{Goroutines: 4, GoHeap: 1 << 20, RSS: 20 << 20, CHeap: 100 << 10, CHeapKnown: true}
	same := base
	assert.Empty(t, l.Check(base, base, same, 5000))

	leak := base
	leak.CHeap += 5000 * 135
	bad := l.Check(base, base, leak, 5000)
	if assert.Len(t, bad, 1) {
		assert.Contains(t, bad[0], "C heap grew")
		assert.Contains(t, bad[0], "135 B/request")
	}

	noise := base
	noise.CHeap += 200 << 10
	noise.GoHeap += 1 << 20
	noise.RSS += 30 << 20
	assert.Empty(t, l.Check(base, base, noise, 100))

	shrink := base
	shrink.RSS -= 5 << 20
	assert.Empty(t, l.Check(base, base, shrink, 100))

	goroutines := base
	goroutines.Goroutines += l.Goroutines + 1
	assert.Len(t, l.Check(base, base, goroutines, 100), 1)

	unknown := leak
	unknown.CHeapKnown = false
	assert.Empty(t, l.Check(base, base, unknown, 5000), "no C heap figure, no C heap verdict")
}
