package portal

import (
	"net"
	"sync"
	"time"
)

// writeTimeout bounds one write to a client; a client that cannot take a
// batch in this time is gone.
const writeTimeout = 30 * time.Second

// chunk is one piece of output in an outbox. Telnet writes chunks back to
// back as one byte stream; a websocket writes each as one message of its
// kind.
type chunk struct {
	data []byte
	kind chunkKind
}

// chunkKind is what a chunk is on the wire: bytes of a stream, or a
// websocket message of a type.
type chunkKind uint8

const (
	// chunkBytes is part of a byte stream (telnet).
	chunkBytes chunkKind = iota
	// chunkText is a websocket text message.
	chunkText
	// chunkBinary is a websocket binary message.
	chunkBinary
)

// outbox is a connection's bounded outbound buffer, drained by one writer
// goroutine that writes whatever has piled up at once. The bound counts
// bytes, whatever the kind of the chunks.
type outbox struct {
	limit int
	wake  chan struct{}

	// mu guards the fields below.
	mu       sync.Mutex
	pending  []chunk
	size     int  // bytes in pending
	closing  bool // close the connection once pending is written
	overflow bool
}

func newOutbox(limit int) *outbox {
	return &outbox{limit: limit, wake: make(chan struct{}, 1)}
}

// write queues b as stream bytes; see put.
func (o *outbox) write(b []byte) bool { return o.put(chunk{data: b}) }

// put queues c; false if the buffer overflowed (c was not queued) or the
// outbox is closing. The outbox keeps c.data: the caller must not change it.
func (o *outbox) put(c chunk) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closing || o.overflow {
		return false
	}
	if o.limit > 0 && o.size+len(c.data) > o.limit {
		o.overflow = true
		return false
	}
	o.pending = append(o.pending, c)
	o.size += len(c.data)
	o.signal()
	return true
}

// overflowed reports whether a write was refused for lack of room.
func (o *outbox) overflowed() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.overflow
}

// closeAfterFlush makes the writer close the connection once everything queued is written.
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

// run is the writer loop: each time something is queued, it hands all
// that piled up to flush. It returns flush's error, or nil once done is
// closed or a requested close has flushed everything.
func (o *outbox) run(done <-chan struct{}, flush func([]chunk) error) error {
	var batch []chunk
	for {
		select {
		case <-o.wake:
		case <-done:
			return nil
		}
		o.mu.Lock()
		batch, o.pending = o.pending, batch[:0]
		o.size = 0
		closing := o.closing
		o.mu.Unlock()
		if len(batch) > 0 {
			if err := flush(batch); err != nil {
				return err
			}
		}
		clear(batch) // let the written bytes go
		if cap(batch) > 1024 {
			batch = nil
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

// streamFlush returns a flush for run that writes the chunks to nc as one
// byte stream, in one system call where it can (writev).
func streamFlush(nc net.Conn) func([]chunk) error {
	var bufs net.Buffers
	return func(batch []chunk) error {
		bufs = bufs[:0]
		for _, c := range batch {
			bufs = append(bufs, c.data)
		}
		_ = nc.SetWriteDeadline(time.Now().Add(writeTimeout))
		b := bufs // WriteTo consumes its receiver
		_, err := b.WriteTo(nc)
		clear(bufs)
		return err
	}
}
