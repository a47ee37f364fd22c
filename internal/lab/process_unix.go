//go:build unix

package lab

import (
	"os/exec"
	"syscall"
	"time"
)

// StopServer stops a server the test started in a process group of its
// own: sig to the server (SIGTERM, or SIGINT for PostgreSQL's fast
// shutdown), then SIGKILL to the whole group if it has not exited after
// grace. exited is closed by the goroutine that waits for cmd. It is safe
// to call more than once and on a server that already exited.
func StopServer(cmd *exec.Cmd, exited <-chan struct{}, sig syscall.Signal, grace time.Duration) {
	if cmd == nil || cmd.Process == nil {
		return
	}
	select {
	case <-exited:
		return
	default:
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-exited:
	case <-time.After(grace):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	}
}
