//go:build !linux

package procstack

import "syscall"

// sysProcAttr is nil off Linux: there is no parent-death signal, and a
// child outlives a parent killed outright (Stop still ends it).
func sysProcAttr() *syscall.SysProcAttr { return nil }
