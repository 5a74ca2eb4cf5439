//go:build linux

package procstack

import "syscall"

// sysProcAttr asks the kernel to SIGKILL the child when its parent
// ends. Linux delivers it when the thread that started the child ends;
// the Go runtime ends a thread only when a goroutine locked to it
// (runtime.LockOSThread) returns without unlocking, which this
// program's callers of StartProcess do not do.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
