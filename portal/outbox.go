package portal

import (
	"net"
	"sync"
	"time"

	"github.com/portalsim/portalsim/internal/telnet"
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

// chunkKind is what a chunk is on the wire: bytes of a stream, a
// websocket message of a type, or a mark where a telnet stream's MCCP2
// compression starts or stops.
type chunkKind uint8

const (
	// chunkBytes is part of a byte stream (telnet).
	chunkBytes chunkKind = iota
	// chunkText is a websocket text message.
	chunkText
	// chunkBinary is a websocket binary message.
	chunkBinary
	// chunkCompressOn marks that the stream's bytes after it are
	// compressed (MCCP2); it carries no data.
	chunkCompressOn
	// chunkCompressOff marks that compression ends here: the writer
	// finishes the zlib stream (bug 5.32) and later bytes go plain.
	chunkCompressOff
)

// outbox is a connection's bounded outbound buffer, drained by one writer
// goroutine that writes whatever has piled up at once. The bound counts
// bytes before compression, whatever the kind of the chunks.
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
func (o *outbox) write(b []byte) bool { return o.put(chunk{data: b, kind: chunkBytes}) }

// put queues c; false if the buffer overflowed (c was not queued) or the
// outbox is closing. The outbox keeps c.data: the caller must not change it.
func (o *outbox) put(c chunk) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.putLocked(c)
}

// putLocked is put; o.mu must be held.
func (o *outbox) putLocked(c chunk) bool {
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

// startCompress queues start (IAC SB MCCP2 IAC SE) plain and has
// everything queued after it compressed; false if it was not queued.
func (o *outbox) startCompress(start []byte) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.putLocked(chunk{data: start, kind: chunkBytes}) {
		return false
	}
	o.pending = append(o.pending, chunk{kind: chunkCompressOn})
	o.size += markCost
	return true
}

// stopCompress ends the compressed stream after what is queued: the
// writer finishes it properly (bug 5.32), and later writes go plain.
func (o *outbox) stopCompress() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closing || o.overflow {
		return // the last batch of a closing connection finishes the stream
	}
	o.pending = append(o.pending, chunk{kind: chunkCompressOff})
	o.size += markCost
	o.signal()
}

// markCost is what a compression mark counts toward the outbox's bound:
// marks carry no bytes, but a client that turns compression on and off
// must not pile them up for free.
const markCost = 64

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
// that piled up to flush, with last set when it is the last batch of a
// requested close. It returns flush's error, or nil once done is closed
// or a requested close has flushed everything.
func (o *outbox) run(done <-chan struct{}, flush func(batch []chunk, last bool) error) error {
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
		// Nothing can be queued once closing is set: this is the last batch.
		if len(batch) > 0 || closing {
			if err := flush(batch, closing); err != nil {
				return err
			}
		}
		clear(batch) // let the written bytes go
		if cap(batch) > 1024 {
			batch = nil
		}
		if closing {
			return nil
		}
	}
}

// streamFlush returns a flush for run that writes the chunks to nc as one
// byte stream: in one system call (writev) while nothing is compressed;
// with MCCP2, each stretch of compressed chunks through comp (the
// writer's only) with one sync flush, and the stream finished at a
// compress-off mark or with the last batch.
func streamFlush(nc net.Conn, comp *telnet.Compressor) func([]chunk, bool) error {
	// bufs is the batch's slices; WriteTo consumes its receiver, so it
	// writes a copy, declared here as bufs is: a variable of the call
	// would escape to the heap at every batch.
	var bufs, unwritten net.Buffers
	var wire, stretch []byte
	return func(batch []chunk, last bool) error {
		_ = nc.SetWriteDeadline(time.Now().Add(writeTimeout))
		if !comp.Active() && !hasMarks(batch) {
			bufs = bufs[:0]
			for _, c := range batch {
				bufs = append(bufs, c.data)
			}
			unwritten = bufs
			_, err := unwritten.WriteTo(nc)
			clear(bufs)
			return err
		}
		wire = wire[:0]
		compressed := func() {
			if len(stretch) > 0 {
				wire = comp.AppendCompressed(wire, stretch)
				stretch = stretch[:0]
			}
		}
		for _, c := range batch {
			switch {
			case c.kind == chunkCompressOn:
				compressed()
				comp.Start()
			case c.kind == chunkCompressOff:
				compressed()
				wire = comp.AppendEnd(wire)
			case comp.Active():
				stretch = append(stretch, c.data...)
			default:
				wire = append(wire, c.data...)
			}
		}
		compressed()
		if last {
			wire = comp.AppendEnd(wire) // a stream still open ends with the connection
		}
		_, err := nc.Write(wire)
		if cap(wire) > 64<<10 {
			wire = nil
		}
		if cap(stretch) > 64<<10 {
			stretch = nil
		}
		return err
	}
}

// hasMarks reports whether batch starts or stops compression.
func hasMarks(batch []chunk) bool {
	for _, c := range batch {
		if c.kind == chunkCompressOn || c.kind == chunkCompressOff {
			return true
		}
	}
	return false
}
