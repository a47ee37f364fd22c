package replay

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
)

func loadVector(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile("../negotiate/mechtoken/testdata/" + name + ".hex")
	require.NoError(t, err)
	b, err := hex.DecodeString(strings.TrimSpace(string(raw)))
	require.NoError(t, err)
	return b
}

func keyN(n uint64) Key {
	var k Key
	binary.BigEndian.PutUint64(k[8:], n)
	binary.LittleEndian.PutUint64(k[:8], n*0x9e3779b97f4a7c15)
	return k
}

// TestTokenKey reads the AP-REQ out of real tokens: SPNEGO NegTokenInit
// (MIT, Windows/Kerberos.NET), a NegTokenResp after NTLM was proposed
// first, and the bare framed krb5 token inside; others have no key.
func TestTokenKey(t *testing.T) {
	init := loadVector(t, "mit/mit-a-default-aes256-01-i2a")
	k1, ok := TokenKey(init)
	require.True(t, ok, "NegTokenInit with a krb5 AP-REQ")
	inner := spnegoMechToken(init)
	require.NotNil(t, inner)
	k2, ok := TokenKey(inner)
	require.True(t, ok, "framed krb5 AP-REQ")
	assert.Equal(t, k1, k2, "the same AP-REQ, SPNEGO-wrapped or not")

	resp := loadVector(t, "mit/mit-b-ntlm1st-krb5chosen-aes256-03-i2a")
	_, ok = TokenKey(resp)
	assert.True(t, ok, "NegTokenResp carrying the AP-REQ after NTLM was proposed first")

	for _, name := range []string{"windows/kerberosnet-http_krb_aes256_key_known-01-i2a", "windows/pyspnego-gssapi_kerberos-01-i2a"} {
		_, ok := TokenKey(loadVector(t, name))
		assert.True(t, ok, name)
	}
	for _, name := range []string{"mit/mit-a-default-aes256-02-a2i", "mit/mit-c-ntlm1st-ntlmchosen-01-i2a", "mit/mit-c-ntlm1st-ntlmchosen-03-i2a", "windows/kerberosnet-krb5_u2u_tgtreq_win-01-i2a"} {
		_, ok := TokenKey(loadVector(t, name))
		assert.False(t, ok, name)
	}
	_, ok = TokenKey(nil)
	assert.False(t, ok)
	_, ok = TokenKey([]byte{0x60, 0x01})
	assert.False(t, ok)
}

func TestMemoryExpiresAndBounds(t *testing.T) {
	m := NewMemory(memoryShards) // one entry per shard
	now := time.Unix(1_000_000, 0)
	m.now = func() time.Time { return now }
	ctx := context.Background()
	require.NoError(t, m.CheckAndInsert(ctx, keyN(1), time.Minute))
	assert.ErrorIs(t, m.CheckAndInsert(ctx, keyN(1), time.Minute), ErrReplay)
	// A second key in the same shard: full, fails closed.
	var other Key
	first := keyN(1)
	for i := uint64(2); ; i++ {
		if k := keyN(i); binary.LittleEndian.Uint64(k[:8])%memoryShards == binary.LittleEndian.Uint64(first[:8])%memoryShards {
			other = k
			break
		}
	}
	err := m.CheckAndInsert(ctx, other, time.Minute)
	var ue *UnavailableError
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, "memory", ue.Store)
	assert.ErrorIs(t, err, ErrMemoryFull)
	// Once the first expired, both are accepted.
	now = now.Add(time.Minute + time.Second)
	require.NoError(t, m.CheckAndInsert(ctx, other, time.Minute))
	now = now.Add(2 * time.Minute)
	require.NoError(t, m.CheckAndInsert(ctx, first, time.Minute), "expired entry: no longer a replay")
}

func TestReplayedErrorMatches(t *testing.T) {
	p := &Provider{Store: NewMemory(0)}
	k := keyN(42)
	require.NoError(t, p.CheckKey(k))
	err := p.CheckKey(k)
	assert.ErrorIs(t, err, ErrReplay)
	assert.ErrorIs(t, err, gss.ErrDuplicateToken)
	assert.ErrorIs(t, err, gss.ErrFailure)
	var ge *gss.Error
	assert.ErrorAs(t, err, &ge)
	assert.Contains(t, err.Error(), "replay cache memory")
}

type stuckStore struct{}

func (stuckStore) CheckAndInsert(ctx context.Context, _ Key, _ time.Duration) error {
	<-ctx.Done()
	return ctx.Err()
}

func TestTimeoutFailsClosed(t *testing.T) {
	p := &Provider{Store: stuckStore{}, Timeout: 50 * time.Millisecond}
	start := time.Now()
	err := p.CheckKey(keyN(1))
	assert.Less(t, time.Since(start), time.Second)
	var ue *UnavailableError
	require.ErrorAs(t, err, &ue)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, ue.Store, "stuckStore")
}

func TestTTL(t *testing.T) {
	assert.Equal(t, 11*time.Minute, TTL(0))
	assert.Equal(t, 3*time.Minute, TTL(time.Minute))
}

// benchRefill is how many keys a benchmark puts in one memory store, half
// of DefaultMemoryEntries: the store keeps every key for its TTL and, full,
// refuses new ones rather than evict live ones.
const benchRefill = DefaultMemoryEntries / 2

// BenchmarkMemory is the memory store's cost per check (new keys, the hot
// path of an accepted AP-REQ); run with -benchmem: no allocation per check.
func BenchmarkMemory(b *testing.B) {
	m := NewMemory(0)
	ctx := context.Background()
	keys := make([]Key, 1<<16)
	for i := range keys {
		keys[i] = keyN(uint64(i))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if i > 0 && i%benchRefill == 0 { // a full store refuses new keys (fails closed): start a new one
			b.StopTimer()
			m = NewMemory(0)
			b.StartTimer()
		}
		k := keys[i&(len(keys)-1)]
		binary.BigEndian.PutUint64(k[16:], uint64(i)) // a fresh key every time
		if err := m.CheckAndInsert(ctx, k, time.Minute); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTokenKey is the cost of reading and hashing the AP-REQ of a
// SPNEGO NegTokenInit.
func BenchmarkTokenKey(b *testing.B) {
	tok := loadVector(b, "mit/mit-a-default-aes256-01-i2a")
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := TokenKey(tok); !ok {
			b.Fatal("no key")
		}
	}
}
