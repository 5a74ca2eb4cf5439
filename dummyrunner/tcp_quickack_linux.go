package dummyrunner

import "syscall"

// setQuickAck sets TCP_QUICKACK on the socket fd.
func setQuickAck(fd uintptr) {
	_ = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
}
