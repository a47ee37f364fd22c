//go:build linux

package apache

import "syscall"

// procAttr puts httpd in its own process group (its children join it) and
// kills it if the test binary dies without cleanups (go test -timeout).
// Pdeathsig fires when the starting OS thread exits; Go only ends threads
// locked with runtime.LockOSThread, which this package never does.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// chownWorker gives path to the worker user (www-data), which must write
// its replay cache there.
func chownWorker(path string, uid, gid int) error { return syscall.Chown(path, uid, gid) }
