package dummyrunner

import (
	"context"
	"net"
	"syscall"
	"time"
)

// dialTCP connects to addr with TCP_NODELAY set explicitly (Go's default,
// made a promise here): a dummy's command leaves in one segment at once,
// never held back by Nagle's algorithm, so a latency measured is the
// server's. Every transport dials through it.
func dialTCP(ctx context.Context, addr string, timeout time.Duration) (net.Conn, error) {
	d := net.Dialer{Timeout: timeout}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		if err := tc.SetNoDelay(true); err != nil {
			_ = nc.Close()
			return nil, err
		}
	}
	return nc, nil
}

// quickAck re-arms Linux's TCP_QUICKACK on a TCP connection: the kernel
// then acknowledges what arrives at once instead of delaying the ACK up to
// 40ms, which a server that writes one answer in two writes without
// TCP_NODELAY (TinyMUX, Evennia's portal) would otherwise wait for under
// Nagle's algorithm. The option does not stick (the kernel leaves quick-ACK
// mode on its own), so it is set again after every read. A nil quickAck
// does nothing; so does every platform but Linux.
type quickAck struct{ rc syscall.RawConn }

// newQuickAck returns the re-armer of nc's socket when on is set and nc
// is a TCP connection, else nil.
func newQuickAck(nc net.Conn, on bool) *quickAck {
	tc, ok := nc.(*net.TCPConn)
	if !on || !ok {
		return nil
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return nil
	}
	q := &quickAck{rc: rc}
	q.arm()
	return q
}

// arm sets TCP_QUICKACK; a socket already closed is not an error worth
// telling: the reader sees the close.
func (q *quickAck) arm() {
	if q == nil {
		return
	}
	_ = q.rc.Control(func(fd uintptr) { setQuickAck(fd) })
}
