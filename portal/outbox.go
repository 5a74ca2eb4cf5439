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
// bytes before compression, whatever the kind of the chunks. With a
// direct write (plain telnet over TCP), a producer that finds nothing
// being written writes its output itself, without waiting, and leaves to
// the writer only what the socket did not take; the writer's batch and a
// producer's are never written at once (writing).
type outbox struct {
	limit int
	wake  chan struct{}
	// direct, when set (before the outbox is used), writes stream chunks
	// without waiting and returns how many bytes the socket took: a
	// producer that finds the writer idle writes its output itself
	// (see put), saving the hand-off to the writer goroutine.
	direct func(batch []chunk) int

	// mu guards the fields below.
	mu       sync.Mutex
	pending  []chunk
	spare    []chunk // a written batch's slice, for the next take
	size     int     // bytes in pending
	closing  bool    // close the connection once pending is written
	overflow bool
	writing  bool // a batch taken from pending is being written (by the writer or a producer)
	marked   bool // compression was asked for once: from then on only the writer writes
	halted   bool // the writer has ended: nothing is written any more
	held     int  // holds in force (see hold)
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
	if !o.queueLocked(c) {
		return false
	}
	switch {
	case o.held > 0: // release writes it
	case o.directLocked():
		o.writeDirectLocked()
	default:
		o.signal()
	}
	return true
}

// hold keeps what is queued from now on from being written until
// release: the output of one message from the server goes out in one
// write. Calls nest.
func (o *outbox) hold() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.held++
}

// release ends a hold and writes what it kept.
func (o *outbox) release() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.held--
	switch {
	case o.held > 0 || len(o.pending) == 0:
	case o.directLocked():
		o.writeDirectLocked()
	default:
		o.signal()
	}
}

// directLocked reports whether the caller may write what is queued
// itself: there is a direct write, nobody is writing, the writer goroutine
// runs and nothing is or was ever compressed. o.mu must be held.
func (o *outbox) directLocked() bool {
	return o.direct != nil && len(o.pending) > 0 && !o.writing && !o.marked && !o.halted && !o.closing
}

// writeDirectLocked writes what is queued with one direct write (see
// directLocked); what the socket refuses goes back in front of what was
// queued meanwhile, for the writer goroutine. o.mu must be held; it is
// released during the write.
func (o *outbox) writeDirectLocked() {
	batch := o.takeLocked()
	o.mu.Unlock()
	n := o.direct(batch)
	o.mu.Lock()
	if rest := unwritten(batch, n); len(rest) > 0 {
		// The socket is full (or failing): the rest goes first, for the
		// writer, which waits for room (or meets the error).
		pending := make([]chunk, 0, len(rest)+len(o.pending))
		pending = append(append(pending, rest...), o.pending...)
		o.pending = pending
		for _, r := range rest {
			o.size += len(r.data)
		}
	}
	o.giveLocked(batch)
	if len(o.pending) > 0 || o.closing {
		o.signal()
	}
}

// unwritten returns what of batch is left once its first n bytes are
// written; a chunk cut in two keeps its tail.
func unwritten(batch []chunk, n int) []chunk {
	for i, c := range batch {
		if n < len(c.data) {
			rest := batch[i:]
			if n > 0 {
				rest = append([]chunk{{data: c.data[n:], kind: c.kind}}, rest[1:]...)
			}
			return rest
		}
		n -= len(c.data)
	}
	return nil
}

// takeLocked takes everything queued, to be written by the caller, who
// gives the slice back with giveLocked. o.mu must be held.
func (o *outbox) takeLocked() []chunk {
	batch := o.pending
	o.pending, o.spare = o.spare[:0], nil
	o.size = 0
	o.writing = true
	return batch
}

// giveLocked ends the write of batch, taken by takeLocked. o.mu must be held.
func (o *outbox) giveLocked(batch []chunk) {
	o.writing = false
	clear(batch) // let the written bytes go
	if cap(batch) <= 1024 && cap(batch) > cap(o.spare) {
		o.spare = batch[:0]
	}
}

// putLocked is put; o.mu must be held.
func (o *outbox) putLocked(c chunk) bool {
	if !o.queueLocked(c) {
		return false
	}
	o.signal()
	return true
}

// queueLocked appends c to pending, unless the outbox is closing or c
// overflows it. o.mu must be held.
func (o *outbox) queueLocked(c chunk) bool {
	if o.closing || o.overflow {
		return false
	}
	if o.limit > 0 && o.size+len(c.data) > o.limit {
		o.overflow = true
		return false
	}
	o.pending = append(o.pending, c)
	o.size += len(c.data)
	return true
}

// startCompress queues start (IAC SB MCCP2 IAC SE) plain and has
// everything queued after it compressed; false if it was not queued.
func (o *outbox) startCompress(start []byte) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.marked = true
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
	o.marked = true
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
	defer func() {
		o.mu.Lock()
		o.halted = true
		o.mu.Unlock()
	}()
	for {
		select {
		case <-o.wake:
		case <-done:
			return nil
		}
		o.mu.Lock()
		if o.writing {
			// A producer is writing; it wakes the writer again if it
			// leaves something (or the outbox is closing).
			o.mu.Unlock()
			continue
		}
		closing := o.closing
		batch := o.takeLocked()
		o.mu.Unlock()
		// Nothing can be queued once closing is set: this is the last batch.
		var err error
		if len(batch) > 0 || closing {
			err = flush(batch, closing)
		}
		o.mu.Lock()
		o.giveLocked(batch)
		o.mu.Unlock()
		if err != nil {
			return err
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
