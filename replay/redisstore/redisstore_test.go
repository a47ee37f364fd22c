//go:build unix

package redisstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/internal/redis"
	"github.com/gssnego/gssnego/internal/replaytest"
	"github.com/gssnego/gssnego/replay"
	"github.com/gssnego/gssnego/replay/redisstore"
)

func newStore(t testing.TB, url string, o redisstore.Options) *redisstore.Store {
	s, err := redisstore.New(url, o)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

func TestRedisCheckAndInsert(t *testing.T) {
	srv := redis.Start(t)
	s := newStore(t, srv.URL, redisstore.Options{})
	assert.Equal(t, srv.URL, s.String())
	ctx := context.Background()
	k := replaytest.Key(uint64(time.Now().UnixNano()))
	require.NoError(t, s.CheckAndInsert(ctx, k, 300*time.Millisecond))
	assert.ErrorIs(t, s.CheckAndInsert(ctx, k, 300*time.Millisecond), replay.ErrReplay)
	time.Sleep(400 * time.Millisecond)
	assert.NoError(t, s.CheckAndInsert(ctx, k, time.Minute), "Redis expired the key (PX)")
	// A second instance's store sees the first's keys.
	other := newStore(t, srv.URL, redisstore.Options{})
	assert.ErrorIs(t, other.CheckAndInsert(ctx, k, time.Minute), replay.ErrReplay)
}

func TestRedisConcurrency(t *testing.T) {
	srv := redis.Start(t)
	replaytest.CheckConcurrency(t, newStore(t, srv.URL, redisstore.Options{}))
}

// TestRedisOutage: with Redis gone a check fails closed within the
// timeout, naming the store; the fallback answers instead when set; when
// Redis is back the same Store uses it again.
func TestRedisOutage(t *testing.T) {
	srv := redis.Start(t)
	strict := newStore(t, srv.URL, redisstore.Options{Timeout: 300 * time.Millisecond})
	fb := replay.NewMemory(0)
	lenient := newStore(t, srv.URL, redisstore.Options{Timeout: 300 * time.Millisecond, Fallback: fb})
	ctx := context.Background()
	n := uint64(time.Now().UnixNano())
	require.NoError(t, strict.CheckAndInsert(ctx, replaytest.Key(n), time.Minute))
	require.NoError(t, lenient.CheckAndInsert(ctx, replaytest.Key(n+1), time.Minute))

	srv.Stop()
	start := time.Now()
	err := strict.CheckAndInsert(ctx, replaytest.Key(n+2), time.Minute)
	assert.Less(t, time.Since(start), 2*time.Second, "bounded by the timeout")
	var ue *replay.UnavailableError
	require.ErrorAs(t, err, &ue, "%v", err)
	assert.Equal(t, srv.URL, ue.Store)
	assert.Contains(t, err.Error(), srv.URL)
	// A context shorter than the client timeout bounds it too.
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	start = time.Now()
	assert.Error(t, strict.CheckAndInsert(cctx, replaytest.Key(n+3), time.Minute))
	assert.Less(t, time.Since(start), time.Second)

	require.NoError(t, lenient.CheckAndInsert(ctx, replaytest.Key(n+4), time.Minute), "fallback answers")
	assert.ErrorIs(t, lenient.CheckAndInsert(ctx, replaytest.Key(n+4), time.Minute), replay.ErrReplay, "fallback remembers")
	assert.EqualValues(t, 2, lenient.FallbackChecks())

	srv.Start()
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := strict.CheckAndInsert(ctx, replaytest.Key(n+5), time.Minute)
		if err == nil {
			break
		}
		if errors.Is(err, replay.ErrReplay) || time.Now().After(deadline) {
			t.Fatalf("no recovery after Redis restarted: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	require.NoError(t, lenient.CheckAndInsert(ctx, replaytest.Key(n+6), time.Minute))
	assert.ErrorIs(t, strict.CheckAndInsert(ctx, replaytest.Key(n+6), time.Minute), replay.ErrReplay, "back on the shared store")
}

// BenchmarkRedis is the cost of one check on a loopback Redis (one round
// trip), beside replay's BenchmarkMemory; the lead times both.
func BenchmarkRedis(b *testing.B) {
	srv := redis.Start(b)
	s := newStore(b, srv.URL, redisstore.Options{})
	ctx := context.Background()
	n := uint64(time.Now().UnixNano())
	b.ReportAllocs()
	for i := uint64(0); b.Loop(); i++ {
		if err := s.CheckAndInsert(ctx, replaytest.Key(n+i), time.Minute); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMemoryBeside is the memory store measured by this binary, for a
// ratio taken in one run.
func BenchmarkMemoryBeside(b *testing.B) {
	s := replay.NewMemory(0)
	ctx := context.Background()
	n := uint64(time.Now().UnixNano())
	b.ReportAllocs()
	for i := uint64(0); b.Loop(); i++ {
		if i > 0 && i%(replay.DefaultMemoryEntries/2) == 0 { // full, it would refuse new keys: start a new one
			b.StopTimer()
			s = replay.NewMemory(0)
			b.StartTimer()
		}
		if i > 0 && i%(replay.DefaultMemoryEntries/2) == 0 { // full, it would refuse new keys: start a new one
			b.StopTimer()
			s = replay.NewMemory(0)
			b.StartTimer()
		}
		if err := s.CheckAndInsert(ctx, replaytest.Key(n+i), time.Minute); err != nil {
			b.Fatal(err)
		}
	}
}
