//go:build linux

package forward_test

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/negotiate/httpauth/forward"
)

// TestForwardConcurrent: 200 tool connections at once, half plain http and
// half CONNECT tunnels, each on its own connection to the forwarder,
// through Squid with Negotiate. Every one gets its page; afterwards the
// goroutines are back near where they started and the heap stayed small.
func TestForwardConcurrent(t *testing.T) {
	const tools = 200
	_, up := squidUpstream(t)
	f := startForward(t, forward.Static(up), nil)
	o := startOrigin(t, page)
	pu, _ := url.Parse(f.URL)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(o.CertPEM))

	// Warm up: the service ticket is in the cache, one upstream connection
	// is authenticated.
	warm := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(pu)}}
	resp, err := warm.Get(o.url(o.Plain, "/warm"))
	require.NoError(t, err)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	warm.CloseIdleConnections()
	runtime.GC()
	baseG := runtime.NumGoroutine()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	baseHeap := ms.HeapInuse

	var peakG atomic.Int64
	var peakHeap atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			if g := int64(runtime.NumGoroutine()); g > peakG.Load() {
				peakG.Store(g)
			}
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peakHeap.Load() {
				peakHeap.Store(m.HeapInuse)
			}
		}
	}()

	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, tools)
	for i := range tools {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr := &http.Transport{Proxy: http.ProxyURL(pu), DisableKeepAlives: true,
				TLSClientConfig: &tls.Config{RootCAs: pool}}
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr, Timeout: 60 * time.Second}
			u := o.url(o.Plain, fmt.Sprintf("/load/%d", i))
			if i%2 == 1 {
				u = o.url(o.Secure, fmt.Sprintf("/load/%d", i))
			}
			resp, err := c.Get(u)
			if err != nil {
				errs <- err
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || string(b) != "origin page" {
				errs <- fmt.Errorf("%s: %d %s", u, resp.StatusCode, b)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Tunnels end when both sides have closed; idle upstream connections
	// are dropped.
	deadline := time.Now().Add(10 * time.Second)
	for f.Proxy.Tunnels() > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	assert.Zero(t, f.Proxy.Tunnels(), "every tunnel closed")
	f.Proxy.Close()
	// The origins' keep-alive connections (Squid keeps its own to them)
	// are the test's, not the forwarder's.
	o.Plain.CloseClientConnections()
	o.Secure.CloseClientConnections()
	close(stop)
	<-sampled
	var endG int
	for time.Now().Before(deadline) {
		runtime.GC()
		if endG = runtime.NumGoroutine(); endG <= baseG+10 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !assert.LessOrEqual(t, endG, baseG+10, "goroutines return to the baseline") {
		buf := make([]byte, 1<<20)
		t.Logf("%s", buf[:runtime.Stack(buf, true)])
	}
	assert.Less(t, peakHeap.Load(), uint64(256<<20), "heap bounded")
	entries := f.entries()
	var negotiated int
	for _, e := range entries {
		if e.Auth == forward.AuthNotProven {
			negotiated++
		}
	}
	t.Logf("%d tool connections (%d http, %d CONNECT) in %v: goroutines %d before, peak %d, %d after; heap in use %d KiB before, peak %d KiB; %d Negotiate exchanges for %d log entries",
		tools, tools/2, tools/2, elapsed.Round(time.Millisecond), baseG, peakG.Load(), endG, baseHeap>>10, peakHeap.Load()>>10, negotiated, len(entries))
}
