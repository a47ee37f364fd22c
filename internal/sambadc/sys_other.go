//go:build !linux

package sambadc

import (
	"errors"
	"os"
	"syscall"
)

var errNotLinux = errors.New("sambadc runs a Samba AD DC in Linux namespaces; this is not Linux")

func supported() error                          { return errNotLinux }
func daemonAttr() *syscall.SysProcAttr          { return nil }
func helperAttr() *syscall.SysProcAttr          { return nil }
func killGroup(pid int)                         {}
func killPID(pid int)                           {}
func processAlive(pid int) bool                 { return true }
func openNetns(pid int) (*os.File, error)       { return nil, errNotLinux }
func inNetns(ns *os.File, f func() error) error { return errNotLinux }
func childOf(ppid int) (int, error)             { return 0, errNotLinux }
func lockFile(path string) (func(), error)      { return nil, errNotLinux }
