package link

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"syscall"
	"time"
)

// DefaultMaxQueue is the default limit of bytes waiting to be written.
const DefaultMaxQueue = 256 << 20

// Config tunes a [Conn]. The zero value is usable.
type Config struct {
	// MaxFrame is the largest frame accepted; 0 means [DefaultMaxFrame].
	MaxFrame int
	// MaxQueue is the most bytes that may wait for the writer before the
	// link is declared dead with [ErrQueueFull]; 0 means [DefaultMaxQueue].
	MaxQueue int
	// HandshakeTimeout bounds the handshake ([Conn.PortalHandshake],
	// [Conn.ServerHandshake]); 0 means [DefaultHandshakeTimeout].
	HandshakeTimeout time.Duration
}

// Conn is one portal<->server link. Send may be called from any
// goroutine; Recv from one goroutine only.
type Conn struct {
	nc        net.Conn
	fr        *FrameReader
	maxFrame  int // the frame limit after the handshake
	max       int
	hsTimeout time.Duration

	wake   chan struct{}
	done   chan struct{}
	wrDone chan struct{}

	// raw, for a socket that has one (TCP, Unix), lets a sender write
	// directly (see pushUnlock); nil: only the writer goroutine writes.
	// direct is raw's write function, made once; wbuf, wn and werr are
	// its argument and results, used by one direct write at a time (the
	// one that set writing).
	raw    syscall.RawConn
	direct func(fd uintptr) bool
	wbuf   []byte
	wn     int
	werr   error

	// mu guards the fields below.
	mu      sync.Mutex
	pending []byte
	spare   []byte // a written buffer, for the next take
	writing bool   // a batch taken from pending is being written (by the writer or a sender)
	queued  uint64 // bytes ever enqueued
	written uint64 // bytes ever written
	err     error  // first error; set once
	flushed *sync.Cond
	closed  bool
}

// NewConn wraps nc and starts its writer goroutine.
func NewConn(nc net.Conn, cfg Config) *Conn {
	if cfg.MaxQueue <= 0 {
		cfg.MaxQueue = DefaultMaxQueue
	}
	c := &Conn{
		nc:        nc,
		fr:        NewFrameReader(bufio.NewReaderSize(nc, 64<<10), cfg.MaxFrame),
		maxFrame:  cfg.MaxFrame,
		max:       cfg.MaxQueue,
		hsTimeout: cfg.HandshakeTimeout,
		wake:      make(chan struct{}, 1),
		done:      make(chan struct{}),
		wrDone:    make(chan struct{}),
	}
	c.flushed = sync.NewCond(&c.mu)
	if sc, ok := nc.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			c.raw = raw
			c.direct = c.writeDirect
		}
	}
	go c.writeLoop()
	return c
}

// Send encodes m and queues it for the writer. It never blocks on the
// network. It fails once the link is closed.
func (c *Conn) Send(m Message) error {
	c.mu.Lock()
	if c.closed {
		defer c.mu.Unlock()
		return c.closedErrLocked()
	}
	var err error
	before := len(c.pending)
	c.pending, err = AppendFrame(c.pending, m)
	if err != nil {
		c.mu.Unlock()
		return err
	}
	return c.pushUnlock(before)
}

// enqueue queues an encoded frame for the writer.
func (c *Conn) enqueue(frame []byte) error {
	c.mu.Lock()
	if c.closed {
		defer c.mu.Unlock()
		return c.closedErrLocked()
	}
	before := len(c.pending)
	c.pending = append(c.pending, frame...)
	return c.pushUnlock(before)
}

// pushUnlock accounts for the bytes queued since before and gets them
// written; c.mu is held on entry and released on return.
//
// When nothing is being written, the sender writes what is queued
// itself, with one non-blocking write (a goroutine switch to the writer
// costs more than the write); whatever the socket does not take at once
// goes to the writer goroutine, in front of what was queued meanwhile.
// While a write is under way, what is queued waits for the writer, which
// takes it all in one batch: under load, frames still go out together.
func (c *Conn) pushUnlock(before int) error {
	c.queued += uint64(len(c.pending) - before)
	if len(c.pending) > c.max {
		c.failLocked(fmt.Errorf("%d bytes waiting: %w", len(c.pending), ErrQueueFull))
		err := c.err
		c.mu.Unlock()
		return err
	}
	if c.writing {
		c.mu.Unlock() // the writer (or the sender writing now) comes back for it
		return nil
	}
	if c.raw == nil {
		c.wakeWriter()
		c.mu.Unlock()
		return nil
	}
	buf := c.takeLocked()
	c.mu.Unlock()
	n, err := c.tryWrite(buf)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writtenLocked(n)
	if err != nil {
		c.failLocked(fmt.Errorf("write: %w", err))
	}
	if c.closed {
		// Closed during the write, or by its error: what is left is
		// dropped with the rest of the queue, as the writer would. The
		// message was queued; the link is lost under it (see Lost).
		c.giveLocked(buf)
		return nil
	}
	if n < len(buf) {
		// The socket is full: the rest goes first, then what came meanwhile.
		rest := make([]byte, 0, len(buf)-n+len(c.pending))
		rest = append(rest, buf[n:]...)
		c.pending = append(rest, c.pending...)
	}
	c.giveLocked(buf)
	if len(c.pending) > 0 {
		c.wakeWriter()
	}
	return nil
}

// wakeWriter wakes the writer goroutine.
func (c *Conn) wakeWriter() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// takeLocked takes everything queued, to be written by the caller, who
// gives the buffer back with giveLocked. c.mu must be held.
func (c *Conn) takeLocked() []byte {
	buf := c.pending
	c.pending, c.spare = c.spare[:0], nil
	c.writing = true
	return buf
}

// giveLocked ends a write of buf, taken by takeLocked. c.mu must be held.
func (c *Conn) giveLocked(buf []byte) {
	c.writing = false
	if cap(buf) <= 4<<20 && cap(buf) > cap(c.spare) {
		c.spare = buf[:0]
	}
}

// writtenLocked counts n bytes written. c.mu must be held.
func (c *Conn) writtenLocked(n int) {
	if n > 0 {
		c.written += uint64(n)
		c.flushed.Broadcast()
	}
}

// tryWrite writes what of b the socket takes without waiting, and
// reports how much; an error means the link is broken. A socket that
// cannot be written now (a deadline, a close under way) takes nothing.
func (c *Conn) tryWrite(b []byte) (int, error) {
	c.wbuf, c.wn, c.werr = b, 0, nil
	if err := c.raw.Write(c.direct); err != nil {
		c.wbuf = nil
		return 0, nil // not written: the writer will meet the error
	}
	c.wbuf = nil
	return c.wn, c.werr
}

// writeDirect is raw's write function for tryWrite: it writes c.wbuf
// until the socket would block, and never waits.
func (c *Conn) writeDirect(fd uintptr) bool {
	for c.wn < len(c.wbuf) {
		n, err := syscall.Write(int(fd), c.wbuf[c.wn:])
		if n > 0 {
			c.wn += n
		}
		switch {
		case err == nil && n > 0:
		case errors.Is(err, syscall.EINTR):
		case err == nil, errors.Is(err, syscall.EAGAIN):
			return true // the socket is full: the writer waits for room
		default:
			c.werr = err
			return true
		}
	}
	return true
}

// Lost reports whether err, returned by c.Send, means the link is gone
// (the message may go to the peer of a next link) rather than that the
// message could not be encoded (no peer could ever take it). A Conn that
// failed keeps its error, so a link closed by a read error counts too.
func (c *Conn) Lost(err error) bool {
	return IsClosed(err) || errors.Is(err, ErrQueueFull) || c.Err() != nil
}

// Recv returns the next message from the peer.
func (c *Conn) Recv() (Message, error) {
	m, err := c.fr.Read()
	if err != nil {
		c.fail(err)
		c.mu.Lock()
		defer c.mu.Unlock()
		return Message{}, c.closedErrLocked()
	}
	return m, nil
}

// Flush waits until everything queued before the call has been written.
func (c *Conn) Flush(ctx context.Context) error {
	c.mu.Lock()
	target := c.queued
	c.mu.Unlock()
	stop := context.AfterFunc(ctx, func() {
		c.mu.Lock()
		c.flushed.Broadcast()
		c.mu.Unlock()
	})
	defer stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.written < target {
		if c.closed {
			return c.closedErrLocked()
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		c.flushed.Wait()
	}
	return nil
}

// Close closes the link. It is idempotent.
func (c *Conn) Close() error {
	c.fail(ErrClosed)
	<-c.wrDone
	return nil
}

// Done is closed when the link is closed, by either side.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err returns why the link closed, or nil while it is open.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// LocalAddr and RemoteAddr return the socket's addresses.
func (c *Conn) LocalAddr() net.Addr { return c.nc.LocalAddr() }

// RemoteAddr returns the peer's address.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

func (c *Conn) closedErrLocked() error {
	if c.err != nil {
		return c.err
	}
	return ErrClosed
}

func (c *Conn) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failLocked(err)
}

// failLocked records the first error and closes. c.mu must be held.
func (c *Conn) failLocked(err error) {
	if c.closed {
		return
	}
	c.closed = true
	c.err = err
	c.pending = nil
	_ = c.nc.Close()
	close(c.done)
	c.flushed.Broadcast()
}

func (c *Conn) writeLoop() {
	defer close(c.wrDone)
	for {
		select {
		case <-c.wake:
		case <-c.done:
			return
		}
		c.mu.Lock()
		// A sender writing now wakes the writer again if it leaves
		// something; until then what is queued is its to write.
		for !c.writing && len(c.pending) > 0 {
			buf := c.takeLocked()
			c.mu.Unlock()
			_, err := c.nc.Write(buf)
			c.mu.Lock()
			if err != nil {
				c.failLocked(fmt.Errorf("write: %w", err))
				c.mu.Unlock()
				return
			}
			c.writtenLocked(len(buf))
			c.giveLocked(buf)
		}
		c.mu.Unlock()
	}
}

// IsClosed reports whether err means the link went away (rather than a bug).
func IsClosed(err error) bool {
	return errors.Is(err, ErrClosed) || errors.Is(err, net.ErrClosed)
}
