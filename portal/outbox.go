package portal

import (
	"net"
	"sync"
	"time"

	"github.com/portalsim/portalsim/internal/telnet"
)

// writeTimeout bounds one socket write; a client that cannot take a
// batch in this time is gone.
const writeTimeout = 30 * time.Second

// outbox is a connection's bounded outbound buffer, drained by one writer
// goroutine that writes whatever has piled up in one syscall.
//
// MCCP2: the writer compresses, in write order, everything queued after
// startCompress and before stopCompress, one zlib stream with a sync
// flush per batch written; the limit counts bytes before compression.
type outbox struct {
	nc    net.Conn
	limit int
	wake  chan struct{}
	comp  telnet.Compressor // the writer's only

	// mu guards the fields below.
	mu       sync.Mutex
	pending  []byte
	marks    []compressMark // where in pending compression starts or stops, in order
	closing  bool           // close the socket once pending is written
	overflow bool
}

// compressMark says that compression starts (on) or stops at offset at
// of the pending bytes.
type compressMark struct {
	at int
	on bool
}

func newOutbox(nc net.Conn, limit int) *outbox {
	return &outbox{nc: nc, limit: limit, wake: make(chan struct{}, 1)}
}

// write queues b; false if the buffer overflowed (b was not queued) or the outbox is closing.
func (o *outbox) write(b []byte) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.writeLocked(b)
}

// writeLocked is write; o.mu must be held.
func (o *outbox) writeLocked(b []byte) bool {
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

// startCompress queues start (IAC SB MCCP2 IAC SE) uncompressed and has
// everything queued after it compressed; false if it was not queued.
func (o *outbox) startCompress(start []byte) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.writeLocked(start) {
		return false
	}
	o.marks = append(o.marks, compressMark{at: len(o.pending), on: true})
	return true
}

// stopCompress ends the compressed stream after what is queued: the
// writer finishes it properly (bug 5.32), and later writes go plain.
func (o *outbox) stopCompress() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.marks = append(o.marks, compressMark{at: len(o.pending), on: false})
	o.signal()
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
	var buf, wire []byte
	var marks []compressMark
	for {
		select {
		case <-o.wake:
		case <-done:
			return nil
		}
		o.mu.Lock()
		buf, o.pending = o.pending, buf[:0]
		marks, o.marks = o.marks, marks[:0]
		closing := o.closing
		empty := closing && len(o.pending) == 0
		o.mu.Unlock()
		out := buf
		if len(marks) > 0 || o.comp.Active() {
			wire = o.encode(wire[:0], buf, marks)
			out = wire
		}
		if empty {
			// The last batch: a stream still open ends properly with the
			// connection. (AppendEnd appends only to an active stream's
			// bytes, so never to buf.)
			out = o.comp.AppendEnd(out)
		}
		if len(out) > 0 {
			_ = o.nc.SetWriteDeadline(time.Now().Add(writeTimeout))
			if _, err := o.nc.Write(out); err != nil {
				return err
			}
		}
		if cap(buf) > 64<<10 {
			buf = nil
		}
		if cap(wire) > 64<<10 {
			wire = nil
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

// encode appends buf to dst as it goes on the wire: each stretch between
// marks compressed (one sync flush each) or plain, the stream started or
// ended at each mark.
func (o *outbox) encode(dst, buf []byte, marks []compressMark) []byte {
	from := 0
	for _, m := range marks {
		dst = o.stretch(dst, buf[from:m.at])
		from = m.at
		if m.on {
			o.comp.Start()
		} else {
			dst = o.comp.AppendEnd(dst)
		}
	}
	return o.stretch(dst, buf[from:])
}

func (o *outbox) stretch(dst, b []byte) []byte {
	if len(b) == 0 {
		return dst
	}
	return o.comp.AppendCompressed(dst, b)
}
