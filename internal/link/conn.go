package link

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
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

	// mu guards the fields below.
	mu      sync.Mutex
	pending []byte
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
	go c.writeLoop()
	return c
}

// Send encodes m and queues it for the writer. It never blocks on the
// network. It fails once the link is closed.
func (c *Conn) Send(m Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return c.closedErrLocked()
	}
	var err error
	before := len(c.pending)
	c.pending, err = AppendFrame(c.pending, m)
	if err != nil {
		return err
	}
	return c.queuedLocked(before)
}

// enqueue queues an encoded frame for the writer.
func (c *Conn) enqueue(frame []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return c.closedErrLocked()
	}
	before := len(c.pending)
	c.pending = append(c.pending, frame...)
	return c.queuedLocked(before)
}

// queuedLocked accounts for the bytes queued since before and wakes the
// writer. c.mu must be held.
func (c *Conn) queuedLocked(before int) error {
	c.queued += uint64(len(c.pending) - before)
	if len(c.pending) > c.max {
		c.failLocked(fmt.Errorf("%d bytes waiting: %w", len(c.pending), ErrQueueFull))
		return c.err
	}
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return nil
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
	var buf []byte
	for {
		select {
		case <-c.wake:
		case <-c.done:
			return
		}
		c.mu.Lock()
		buf, c.pending = c.pending, buf[:0]
		c.mu.Unlock()
		if len(buf) == 0 {
			continue
		}
		if _, err := c.nc.Write(buf); err != nil {
			c.fail(fmt.Errorf("write: %w", err))
			return
		}
		c.mu.Lock()
		c.written += uint64(len(buf))
		c.flushed.Broadcast()
		c.mu.Unlock()
		if cap(buf) > 4<<20 {
			buf = nil
		}
	}
}

// IsClosed reports whether err means the link went away (rather than a bug).
func IsClosed(err error) bool {
	return errors.Is(err, ErrClosed) || errors.Is(err, net.ErrClosed)
}
