//go:build !windows

package negotiate_test

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/negotiate"
)

// FuzzEngineAcceptor feeds arbitrary tokens to a fresh acceptor backed by
// the real provider: no panic, and random input never establishes a
// context.
func FuzzEngineAcceptor(f *testing.F) {
	for _, seed := range seedTokens(f) {
		f.Add(seed, []byte(nil))
	}
	f.Fuzz(func(t *testing.T, first, second []byte) {
		_, p := lab(t)
		s, err := negotiate.NewServer(negotiate.Config{Provider: p})
		require.NoError(t, err)
		defer s.Close()
		_, err1 := s.Continue(first)
		_, err2 := s.Continue(second)
		if err1 == nil && err2 == nil && !s.ContinueNeeded() {
			t.Fatalf("random tokens established an acceptor context")
		}
		_, err = s.GetMIC([]byte("x"))
		assert.Error(t, err)
	})
}

// FuzzEngineInitiator answers a real NegTokenInit with arbitrary bytes.
func FuzzEngineInitiator(f *testing.F) {
	for _, seed := range seedTokens(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, reply []byte) {
		r, p := lab(t)
		name, err := p.ImportName(testrealm.ServiceHTTP+"@"+r.Name, gss.NameKerberosPrincipal)
		require.NoError(t, err)
		defer name.Release()
		c, err := negotiate.NewClient(name, negotiate.Config{Provider: p})
		require.NoError(t, err)
		defer c.Close()
		_, err = c.Continue(nil)
		require.NoError(t, err)
		if _, err := c.Continue(reply); err == nil && !c.ContinueNeeded() {
			t.Fatalf("a reply not made by the acceptor established the initiator")
		}
	})
}

// seedTokens are real tokens of an honest exchange plus the vectors'.
func seedTokens(tb testing.TB) [][]byte {
	seeds := [][]byte{{0xa1, 0x07, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x00}}
	for _, name := range []string{"mit/mit-a-default-aes256-01-i2a.hex", "mit/mit-a-default-aes256-02-a2i.hex",
		"mit/mit-b-ntlm1st-krb5chosen-aes256-02-a2i.hex", "mit/mit-b-ntlm1st-krb5chosen-aes256-04-a2i.hex"} {
		if b, err := readVector(name); err == nil {
			seeds = append(seeds, b)
		}
	}
	return seeds
}

// TestConcurrentMisuse hammers one established engine context from
// several goroutines (run with -race): calls are serialised, none crashes,
// and the peer still verifies every MIC.
func TestConcurrentMisuse(t *testing.T) {
	r, p := lab(t)
	c := newClient(t, target(t, p, testrealm.ServiceHTTP+"@"+r.Name), negotiate.Config{Provider: p})
	s := newServer(t, negotiate.Config{Provider: p})
	handshake(t, c, s)
	var wg sync.WaitGroup
	mics := make(chan []byte, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 8; i++ {
				mic, err := c.GetMIC([]byte("m"))
				if assert.NoError(t, err) {
					mics <- mic
				}
				_, _ = c.Continue([]byte{0xa1, 0x00}) // misuse: a token after completion
				_, _ = c.Inquire()
			}
		}()
	}
	wg.Wait()
	close(mics)
	n := 0
	for mic := range mics {
		// Sequence numbers arrive out of order across goroutines; the
		// signature itself must be valid (replay/sequence flags are off).
		assert.NoError(t, s.VerifyMIC([]byte("m"), mic))
		n++
	}
	assert.Equal(t, 64, n)
	require.NoError(t, c.Close())
	_, err := c.GetMIC([]byte("m"))
	assert.ErrorIs(t, err, gss.ErrNoContext)
}

func readVector(name string) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join("testdata", "vectors", name))
	if err != nil {
		return nil, err
	}
	return hex.DecodeString(strings.TrimSpace(string(b)))
}
