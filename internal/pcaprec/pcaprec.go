//go:build linux

package pcaprec

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
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
	mu   sync.Mutex
	tail strings.Builder
}

// ErrNoTcpdump is returned by Record when tcpdump is not installed.
var ErrNoTcpdump = errors.New("pcaprec: tcpdump not installed (ci/install-deps.sh capture installs it)")

// Start records traffic on lo matching filter (a pcap filter such as
// "tcp port 8080") into a file in dir. It returns once tcpdump is
// capturing; tb's Cleanup stops it. Prefix lets a caller run tcpdump in
// another network namespace (e.g. "ip netns exec NS"); empty for the host.
// Without tcpdump the test is skipped (fails under GSSNEGO_REQUIRE_LAB=1).
func Start(tb testing.TB, dir, filter string, prefix ...string) *Recorder {
	tb.Helper()
	lab.NeedCommand(tb, "tcpdump")
	r, err := Record(dir, filter, prefix...)
	if err != nil {
		lab.Unavailable(tb, "%v", err)
		return nil
	}
	tb.Cleanup(func() { r.Stop() })
	return r
}

// Record is Start for programs (the demo): it returns an error instead of
// skipping, ErrNoTcpdump when tcpdump is missing. The caller must Stop it.
func Record(dir, filter string, prefix ...string) (*Recorder, error) {
	bin, err := lab.LookPath("tcpdump")
	if err != nil {
		return nil, ErrNoTcpdump
	}
	r := &Recorder{Path: filepath.Join(dir, "capture.pcap"), done: make(chan struct{})}
	args := append(append([]string{}, prefix...), bin, "-i", "lo", "--immediate-mode", "-B", "32768", "-U", "-Z", "root", "-s", "0", "-w", r.Path)
	args = append(args, strings.Fields(filter)...)
	r.cmd = exec.Command(args[0], args[1:]...)
	stderr, err := r.cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("pcaprec: %w", err)
	}
	if err := r.cmd.Start(); err != nil {
		return nil, fmt.Errorf("pcaprec: cannot start tcpdump: %w", err)
	}
	listening := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		signalled := false
		for sc.Scan() {
			r.mu.Lock()
			r.tail.WriteString(sc.Text() + "\n")
			r.mu.Unlock()
			if !signalled && strings.Contains(sc.Text(), "listening on") {
				close(listening)
				signalled = true
			}
		}
		r.cmd.Wait()
		close(r.done)
	}()
	select {
	case <-listening:
		return r, nil
	case <-r.done:
		return nil, fmt.Errorf("pcaprec: tcpdump exited before capturing: %s", r.Stderr())
	case <-time.After(30 * time.Second): // hang guard
		r.Stop()
		return nil, fmt.Errorf("pcaprec: tcpdump did not start capturing in 30 s: %s", r.Stderr())
	}
}

// Sync makes sure every packet sent before it is in the file: it sends a
// marker over TCP to a listener of its own on host (which the capture
// filter must match, e.g. "host H") and waits until tcpdump has written
// it. A SIGINT alone loses what tcpdump has not yet read from the kernel:
// the demo's last HTTP exchange went missing that way. The marker's
// connection carries no carrier and is ignored by an audit.
func (r *Recorder) Sync(host string) error {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return fmt.Errorf("pcaprec: sync listener: %w", err)
	}
	defer l.Close()
	marker := fmt.Sprintf("pcaprec-sync-%d-%d", os.Getpid(), time.Now().UnixNano())
	go func() {
		if c, err := l.Accept(); err == nil {
			io.Copy(io.Discard, c)
			c.Close()
		}
	}()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		return fmt.Errorf("pcaprec: sync: %w", err)
	}
	_, err = c.Write([]byte(marker))
	c.Close()
	if err != nil {
		return fmt.Errorf("pcaprec: sync: %w", err)
	}
	deadline := time.Now().Add(30 * time.Second) // hang guard
	for {
		b, err := os.ReadFile(r.Path)
		if err == nil && bytes.Contains(b, []byte(marker)) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pcaprec: the sync marker did not reach %s in 30 s (does the filter match host %s?): %s", r.Path, host, r.Stderr())
		}
		time.Sleep(10 * time.Millisecond)
	}
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

// Stderr is what tcpdump said so far (its packet counts once stopped).
func (r *Recorder) Stderr() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.TrimSpace(r.tail.String())
}

// String describes the recorder for test messages.
func (r *Recorder) String() string { return fmt.Sprintf("tcpdump → %s", r.Path) }
