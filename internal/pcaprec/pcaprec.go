//go:build linux

package pcaprec

import (
	"bufio"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gssnego/gssnego/internal/lab"
)

// Recorder is a running tcpdump.
type Recorder struct {
	// Path is the pcap file it writes.
	Path string
	cmd  *exec.Cmd
	done chan struct{}
	once sync.Once
	tail *strings.Builder
}

// Start records traffic on lo matching filter (a pcap filter such as
// "tcp port 8080") into a file in dir. It returns once tcpdump is
// capturing; tb's Cleanup stops it. Prefix lets a caller run tcpdump in
// another network namespace (e.g. "ip netns exec NS"); empty for the host.
func Start(tb testing.TB, dir, filter string, prefix ...string) *Recorder {
	tb.Helper()
	bin := lab.NeedCommand(tb, "tcpdump")[0]
	r := &Recorder{Path: filepath.Join(dir, "capture.pcap"), done: make(chan struct{}), tail: &strings.Builder{}}
	args := append(append([]string{}, prefix...), bin, "-i", "lo", "--immediate-mode", "-U", "-Z", "root", "-s", "0", "-w", r.Path)
	args = append(args, strings.Fields(filter)...)
	r.cmd = exec.Command(args[0], args[1:]...)
	stderr, err := r.cmd.StderrPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := r.cmd.Start(); err != nil {
		lab.Unavailable(tb, "pcaprec: cannot start tcpdump: %v", err)
	}
	listening := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		signalled := false
		for sc.Scan() {
			r.tail.WriteString(sc.Text() + "\n")
			if !signalled && strings.Contains(sc.Text(), "listening on") {
				close(listening)
				signalled = true
			}
		}
		r.cmd.Wait()
		close(r.done)
	}()
	tb.Cleanup(func() { r.Stop() })
	select {
	case <-listening:
	case <-r.done:
		lab.Unavailable(tb, "pcaprec: tcpdump exited: %s", r.tail)
	case <-time.After(30 * time.Second): // hang guard
		r.Stop()
		tb.Fatalf("pcaprec: tcpdump did not start capturing: %s", r.tail)
	}
	return r
}

// Stop ends the capture (SIGINT, so tcpdump flushes) and waits for
// tcpdump to exit; it returns the file path. It is safe to call twice.
func (r *Recorder) Stop() string {
	r.once.Do(func() {
		r.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-r.done:
		case <-time.After(30 * time.Second): // hang guard
			r.cmd.Process.Kill()
			<-r.done
		}
	})
	return r.Path
}

// String describes the recorder for test messages.
func (r *Recorder) String() string { return fmt.Sprintf("tcpdump → %s", r.Path) }
