package replay_test

import (
	"testing"

	"github.com/gssnego/gssnego/internal/replaytest"
	"github.com/gssnego/gssnego/replay"
)

// TestMemoryConcurrency: 10,000 distinct keys over 64 goroutines, none
// refused; one key from 64 goroutines at once, exactly one accepted.
func TestMemoryConcurrency(t *testing.T) {
	replaytest.CheckConcurrency(t, replay.NewMemory(0))
}
