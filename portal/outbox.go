package portal

import (
	"net"
	"sync"
	"time"
)

// writeTimeout bounds one socket write; a client that cannot take a
// batch in this time is gone.
const writeTimeout = 30 * time.Second

// outbox is a connection's bounded outbound buffer, drained by one writer
// goroutine that writes whatever has piled up in one syscall.
type outbox struct {
	nc    net.Conn
	limit int
	wake  chan struct{}

	// mu guards the fields below.
	mu       sync.Mutex
	pending  []byte
	closing  bool // close the socket once pending is written
	overflow bool
}

func newOutbox(nc net.Conn, limit int) *outbox {
	return &outbox{nc: nc, limit: limit, wake: make(chan struct{}, 1)}
}

// write queues b; false if the buffer overflowed (b was not queued) or the outbox is closing.
func (o *outbox) write(b []byte) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closing || o.overflow {
		return false
	}
	if o.limit > 0 && len(o.pending)+len(b) > o.limit {
		o.overflow = true
		return false
	}
	o.pending = append(o.pending, b...)
	o.signal()
	return true
}

// overflowed reports whether a write was refused for lack of room.
func (o *outbox) overflowed() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.overflow
}

// closeAfterFlush makes the writer close the socket once everything queued is written.
func (o *outbox) closeAfterFlush() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closing = true
	o.signal()
}

func (o *outbox) signal() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// run is the writer loop. It returns when the socket is closed or fails;
// the error is nil after a requested close.
func (o *outbox) run(done <-chan struct{}) error {
	var buf []byte
	for {
		select {
		case <-o.wake:
		case <-done:
			return nil
		}
		o.mu.Lock()
		buf, o.pending = o.pending, buf[:0]
		closing := o.closing
		o.mu.Unlock()
		if len(buf) > 0 {
			_ = o.nc.SetWriteDeadline(time.Now().Add(writeTimeout))
			if _, err := o.nc.Write(buf); err != nil {
				return err
			}
		}
		if cap(buf) > 64<<10 {
			buf = nil
		}
		if closing {
			o.mu.Lock()
			empty := len(o.pending) == 0
			o.mu.Unlock()
			if empty {
				return nil
			}
			o.signal()
		}
	}
}
