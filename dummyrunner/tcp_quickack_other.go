//go:build !linux

package dummyrunner

// setQuickAck does nothing: TCP_QUICKACK is Linux's.
func setQuickAck(uintptr) {}
