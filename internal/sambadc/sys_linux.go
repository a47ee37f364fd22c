//go:build linux

package sambadc

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
)

// supported reports why this machine cannot host a DC, or nil.
func supported() error {
	if os.Geteuid() != 0 {
		return errors.New("sambadc needs root (network, mount and PID namespaces; samba itself)")
	}
	return nil
}

// daemonAttr makes the unshare process die with the test binary (a go test
// timeout runs no cleanups); unshare --kill-child then takes the namespace
// down with it.
//
// Pdeathsig fires when the OS thread that started the child exits, not the
// process: inNetns therefore never lets a thread exit after switching
// namespaces (it switches back and unlocks).
func daemonAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// helperAttr puts a helper in its own process group so it can be killed
// with its children.
func helperAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// killGroup sends SIGKILL to the process group led by pid.
func killGroup(pid int) { _ = syscall.Kill(-pid, syscall.SIGKILL) }

// killPID sends SIGKILL to pid.
func killPID(pid int) { _ = syscall.Kill(pid, syscall.SIGKILL) }

// processAlive reports whether pid exists.
func processAlive(pid int) bool { return syscall.Kill(pid, 0) != syscall.ESRCH }

// openNetns opens the network namespace of pid; the file keeps it alive.
func openNetns(pid int) (*os.File, error) {
	return os.Open(fmt.Sprintf("/proc/%d/ns/net", pid))
}

// inNetns runs f on an OS thread switched into the network namespace ns.
// Sockets belong to the namespace they were created in and stay there when
// used from other threads, so a connection dialed inside f works anywhere.
func inNetns(ns *os.File, f func() error) error {
	runtime.LockOSThread()
	self, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer self.Close()
	if err := setns(ns); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("setns into the DC's network namespace: %w", err)
	}
	ferr := f()
	if err := setns(self); err != nil {
		// The thread is stuck in the wrong namespace; letting it exit would
		// fire the DC's Pdeathsig, so fail loudly instead.
		panic(fmt.Sprintf("sambadc: cannot return to the host network namespace: %v", err))
	}
	runtime.UnlockOSThread()
	return ferr
}

// sysSetns is setns(2)'s number; package syscall predates it on most
// architectures (golang.org/x/sys/unix has it, but is not a dependency).
var sysSetns = map[string]uintptr{
	"amd64": 308, "arm64": 268, "riscv64": 268, "loong64": 268, "386": 346, "arm": 375,
	"ppc64le": 350, "ppc64": 350, "s390x": 339, "mips64le": 5303, "mips64": 5303,
}[runtime.GOARCH]

func setns(f *os.File) error {
	if sysSetns == 0 {
		return fmt.Errorf("setns: syscall number unknown on %s", runtime.GOARCH)
	}
	_, _, errno := syscall.RawSyscall(sysSetns, f.Fd(), syscall.CLONE_NEWNET, 0)
	if errno != 0 {
		return errno
	}
	return nil
}

// childOf finds the process whose parent is ppid (the namespace's PID 1,
// forked by unshare). /proc/PID/task/TID/children needs CONFIG_PROC_CHILDREN,
// which not every kernel has, so /proc is scanned.
func childOf(ppid int) (int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// "pid (comm) state ppid …"; comm may contain spaces and parentheses.
		s := string(stat)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(s[i+1:])
		if len(fields) > 1 && fields[1] == strconv.Itoa(ppid) {
			return pid, nil
		}
	}
	return 0, fmt.Errorf("no child of pid %d", ppid)
}

// lockFile takes an exclusive flock on path, blocking; the returned func
// releases it.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}
