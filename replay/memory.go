package replay

import (
	"context"
	"encoding/binary"
	"errors"
	"sync"
	"time"
)

// DefaultMemoryEntries bounds NewMemory(0): at 11 minutes per entry, a
// million entries hold about 1,500 new AP-REQs a second, using some 60 MB.
const DefaultMemoryEntries = 1 << 20

const memoryShards = 64

// Memory is the in-process Store: sharded maps from Key to expiry. It is
// bounded: a shard that is full after dropping its expired entries refuses
// new keys with an *UnavailableError (failing closed; evicting a live entry
// would reopen a replay window). Checks allocate nothing (a map's
// occasional growth aside).
type Memory struct {
	shards [memoryShards]memShard
	now    func() time.Time // for tests
}

type memShard struct {
	mu    sync.Mutex
	m     map[Key]int64 // expiry, Unix nanoseconds
	max   int
	sweep int64 // next time expired entries are dropped
	full  int64 // last sweep of a full shard: at most one a second
	_     [16]byte
}

// ErrMemoryFull is the cause in the *UnavailableError of a full Memory store.
var ErrMemoryFull = errors.New("memory replay cache is full")

// NewMemory returns a Memory store holding at most maxEntries live entries
// (0: DefaultMemoryEntries).
func NewMemory(maxEntries int) *Memory {
	if maxEntries <= 0 {
		maxEntries = DefaultMemoryEntries
	}
	per := (maxEntries + memoryShards - 1) / memoryShards
	m := &Memory{now: time.Now}
	for i := range m.shards {
		m.shards[i].m = make(map[Key]int64)
		m.shards[i].max = per
	}
	return m
}

// CheckAndInsert implements Store.
func (m *Memory) CheckAndInsert(_ context.Context, key Key, ttl time.Duration) error {
	now := m.now().UnixNano()
	s := &m.shards[binary.LittleEndian.Uint64(key[:8])%memoryShards]
	s.mu.Lock()
	defer s.mu.Unlock()
	if exp, ok := s.m[key]; ok && now < exp {
		return ErrReplay
	}
	if full := len(s.m) >= s.max; now >= s.sweep || full && now >= s.full+int64(time.Second) {
		s.drop(now)
		s.sweep = now + int64(time.Minute)
		if full {
			s.full = now
		}
	}
	if len(s.m) >= s.max {
		return &UnavailableError{Store: "memory", Err: ErrMemoryFull}
	}
	s.m[key] = now + int64(ttl)
	return nil
}

func (s *memShard) drop(now int64) {
	for k, exp := range s.m {
		if now >= exp {
			delete(s.m, k)
		}
	}
}

// Len is the number of entries held, expired ones not yet dropped included.
func (m *Memory) Len() int {
	n := 0
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		n += len(s.m)
		s.mu.Unlock()
	}
	return n
}
