package sspi

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCleanupWithoutClose drops contexts and credentials without Close or
// Release: the cleanups delete the handles, and SSPI keeps working.
func TestCleanupWithoutClose(t *testing.T) {
	l := needLab(t)
	before := cleanupFrees.Load()
	func() {
		for i := 0; i < 10; i++ {
			ini, acc := handshake(t, l.SPN, krbFlags, nil, nil)
			_, err := ini.GetMIC([]byte("x"))
			require.NoError(t, err)
			_ = acc
		}
	}()
	deadline := time.Now().Add(5 * time.Second)
	// 10 pairs: 20 context handles and their 20 own credentials.
	for cleanupFrees.Load()-before < 40 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	assert.GreaterOrEqual(t, cleanupFrees.Load()-before, int64(40), "cleanups freed the handles")
	ini, acc := handshake(t, l.SPN, krbFlags, nil, nil)
	defer ini.Close()
	defer acc.Close()
	exchangeMessages(t, ini, acc)
}

// TestConcurrentCalls serialises calls on one context from many goroutines.
func TestConcurrentCalls(t *testing.T) {
	l := needLab(t)
	ini, acc := handshake(t, l.SPN, krbFlags, nil, nil)
	defer ini.Close()
	defer acc.Close()
	var wg sync.WaitGroup
	mics := make([][]byte, 16)
	for i := range mics {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mic, err := ini.GetMIC([]byte(fmt.Sprint(i)))
			assert.NoError(t, err)
			mics[i] = mic
			_, err = ini.Inquire()
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, m := range mics {
		require.GreaterOrEqual(t, len(m), 16)
		seen[string(m[8:16])] = true // SND_SEQ
	}
	assert.Len(t, seen, len(mics), "every MIC got its own sequence number")
}
