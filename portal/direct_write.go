package portal

import (
	"net"
	"syscall"
	"unsafe"
)

// maxIovec is how many chunks one direct write takes at most (Linux's
// IOV_MAX is 1024); the writer takes the rest.
const maxIovec = 64

// directWriter writes a batch of stream chunks to a TCP socket in one
// writev, without waiting: what the socket does not take at once is left
// to the connection's writer goroutine (see outbox.put). Used by one
// goroutine at a time (the outbox's writing flag).
type directWriter struct {
	raw syscall.RawConn
	fn  func(fd uintptr) bool // raw's write function, made once
	iov []syscall.Iovec
	n   int // bytes written by the last fn
}

// newDirectWrite returns an outbox's direct function for nc, or nil if
// nc is not a plain TCP socket (TLS, a test pipe).
func newDirectWrite(nc net.Conn) func([]chunk) int {
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		return nil
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return nil
	}
	w := &directWriter{raw: raw, iov: make([]syscall.Iovec, 0, maxIovec)}
	w.fn = w.writev
	return w.write
}

// write writes what of batch the socket takes now, and reports how many
// bytes that was; an error (the socket closed, a deadline passed, the
// peer gone) writes nothing, for the writer to meet.
func (w *directWriter) write(batch []chunk) int {
	for _, c := range batch {
		if len(w.iov) == maxIovec {
			break
		}
		if len(c.data) > 0 {
			v := syscall.Iovec{Base: &c.data[0]}
			v.SetLen(len(c.data))
			w.iov = append(w.iov, v)
		}
	}
	w.n = 0
	if len(w.iov) > 0 {
		_ = w.raw.Write(w.fn)
	}
	clear(w.iov) // let the written bytes go
	w.iov = w.iov[:0]
	return w.n
}

// writev is raw's write function: one writev, never waiting.
func (w *directWriter) writev(fd uintptr) bool {
	for {
		n, _, errno := syscall.Syscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&w.iov[0])), uintptr(len(w.iov)))
		if errno == syscall.EINTR {
			continue
		}
		if errno == 0 {
			w.n = int(n)
		}
		return true
	}
}
