//go:build linux

package soak

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"time"
)

// Snapshot is the process state between two halves of a phase.
type Snapshot struct {
	Goroutines int
	Threads    int    // OS threads (/proc/self/status)
	GoHeap     uint64 // runtime.MemStats.HeapAlloc after GC
	RSS        uint64 // resident set, bytes (/proc/self/statm)
	CHeap      uint64 // C allocator bytes in use; 0 when CHeapKnown is false
	CHeapKnown bool
}

// CHeap reports the C allocator's bytes in use; the test sets it to
// internal/cheap.InUse (the soak package itself stays free of cgo).
var CHeap = func() (uint64, bool) { return 0, false }

// Settle waits until at most goroutines goroutines run (a hang guard of
// wait, not a measurement), runs the collector twice so that cleanups of
// dropped contexts run, returns freed memory to the OS, and takes a
// Snapshot.
func Settle(goroutines int, wait time.Duration) Snapshot {
	deadline := time.Now().Add(wait)
	for runtime.NumGoroutine() > goroutines && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	for range 2 {
		runtime.GC()
		time.Sleep(20 * time.Millisecond) // cleanups run on their own goroutine
	}
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s := Snapshot{Goroutines: runtime.NumGoroutine(), GoHeap: ms.HeapAlloc, RSS: rss(), Threads: threads()}
	s.CHeap, s.CHeapKnown = CHeap()
	return s
}

func rss() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseUint(string(f[1]), 10, 64)
	return pages * uint64(os.Getpagesize())
}

func threads() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("Threads:")); ok {
			n, _ := strconv.Atoi(string(bytes.TrimSpace(v)))
			return n
		}
	}
	return 0
}

func (s Snapshot) String() string {
	c := "n/a"
	if s.CHeapKnown {
		c = mib(s.CHeap)
	}
	return fmt.Sprintf("goroutines %d, threads %d, Go heap %s, RSS %s, C heap %s", s.Goroutines, s.Threads, mib(s.GoHeap), mib(s.RSS), c)
}

func mib(b uint64) string { return fmt.Sprintf("%.2f MiB", float64(b)/(1<<20)) }
