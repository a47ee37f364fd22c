// Package replaytest checks the contract every replay.Store meets, for the
// tests of each store (replay's memory store, replay/redisstore).
package replaytest

import (
	"context"
	"encoding/binary"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/gssnego/gssnego/replay"
)

// Key returns a key made from n, spread over the memory store's shards.
func Key(n uint64) replay.Key {
	var k replay.Key
	binary.BigEndian.PutUint64(k[8:], n)
	binary.LittleEndian.PutUint64(k[:8], n*0x9e3779b97f4a7c15)
	return k
}

// CheckConcurrency is the concurrency contract every Store meets: 10,000
// distinct keys over 64 goroutines, none refused; one key from 64
// goroutines at once, exactly one accepted.
func CheckConcurrency(t *testing.T, s replay.Store) {
	t.Helper()
	ctx := context.Background()
	base := uint64(time.Now().UnixNano())
	var refused atomic.Int64
	var wg sync.WaitGroup
	for g := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < 10_000; i += 64 {
				if err := s.CheckAndInsert(ctx, Key(base+uint64(i)), time.Minute); err != nil {
					refused.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	assert.Zero(t, refused.Load(), "distinct keys refused")

	same := Key(base + 1_000_000)
	var accepted, replays atomic.Int64
	start := make(chan struct{})
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			switch err := s.CheckAndInsert(ctx, same, time.Minute); {
			case err == nil:
				accepted.Add(1)
			case errors.Is(err, replay.ErrReplay):
				replays.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	assert.EqualValues(t, 1, accepted.Load(), "exactly one of 64 concurrent checks of one key accepted")
	assert.EqualValues(t, 63, replays.Load())
}
