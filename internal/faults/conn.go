package faults

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"
)

// Vanish modes of a connection.
const (
	vanishOff     uint32 = iota // relay as usual
	vanishLine                  // close after relaying the next line end from the client
	vanishPartial               // close after relaying half of the next line from the client
)

// conn is one relayed connection: client is the accepted side, server
// the dialled one. Per direction, a reader goroutine hands chunks to a
// writer goroutine that shapes them; whichever direction ends first
// closes both sides.
type conn struct {
	p              *Proxy
	id             uint64
	client, server net.Conn
	vanish         atomic.Uint32
	closed         chan struct{}
	ctx            context.Context // ends at close: stops a reader waiting for window
	cancel         context.CancelFunc
	once           sync.Once
}

// stream is one direction of a connection: what its reader hands its writer.
type stream struct {
	dir      Stream
	src, dst net.Conn
	chunks   chan chunk
	window   *semaphore.Weighted // bytes read and not yet written
}

// chunk is bytes read from one side, on their way to the other.
type chunk struct {
	buf  *[]byte   // from the proxy's pool; b is a prefix of it
	b    []byte    // the bytes
	at   time.Time // when they were read
	last bool      // the client vanishes once this is written
}

func newConn(p *Proxy, id uint64, client, server net.Conn) *conn {
	c := &conn{p: p, id: id, client: client, server: server, closed: make(chan struct{})}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	return c
}

// start runs the four goroutines; the caller has added them to p.wg.
func (c *conn) start() {
	for _, dir := range []Stream{Upstream, Downstream} {
		s := &stream{dir: dir, src: c.client, dst: c.server, chunks: make(chan chunk, chunksPerStream),
			window: semaphore.NewWeighted(int64(c.p.cfg.Window))}
		if dir == Downstream {
			s.src, s.dst = c.server, c.client
		}
		go c.read(s)
		go c.write(s)
	}
}

// close closes both sides once; with reset, with a TCP RST.
func (c *conn) close(reset bool) {
	c.once.Do(func() {
		if reset {
			for _, nc := range []net.Conn{c.client, c.server} {
				if tc, ok := nc.(*net.TCPConn); ok {
					_ = tc.SetLinger(0)
				}
			}
		}
		c.client.Close()
		c.server.Close()
		close(c.closed)
		c.cancel()
		c.p.forget(c)
	})
}

// read reads s.src into chunks until it ends or the connection closes,
// never more than the window ahead of the writer.
func (c *conn) read(s *stream) {
	defer c.p.wg.Done()
	defer close(s.chunks)
	size := int64(c.p.cfg.BufferSize)
	for {
		if err := s.window.Acquire(c.ctx, size); err != nil {
			return // closed
		}
		buf := c.p.bufs.Get().(*[]byte)
		n, err := s.src.Read(*buf)
		s.window.Release(size - int64(n)) // the writer releases the n it writes
		if n == 0 {
			c.p.bufs.Put(buf)
		} else {
			b, last := (*buf)[:n], false
			if s.dir == Upstream {
				b, last = c.vanishCut(b)
			}
			select {
			case s.chunks <- chunk{buf: buf, b: b, at: time.Now(), last: last}:
			case <-c.closed:
				return
			}
			if last {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// vanishCut shortens a chunk from the client of an armed connection to
// what is relayed before it vanishes; last says it does vanish after it.
func (c *conn) vanishCut(b []byte) ([]byte, bool) {
	mode := c.vanish.Load()
	if mode == vanishOff {
		return b, false
	}
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return b, false
	}
	if mode == vanishPartial {
		return b[:i/2], true
	}
	return b[:i+1], true
}

// write writes chunks to s.dst, shaped by the toxics in place, in order.
func (c *conn) write(s *stream) {
	defer c.p.wg.Done()
	defer c.close(false)
	rng := rand.New(rand.NewPCG(c.p.cfg.Seed, c.id<<1|uint64(s.dir&1)))
	var prev, bandwidthFree time.Time
	for ch := range s.chunks {
		if !c.awaitRelease(s.dir) {
			return
		}
		sh := c.p.shapeOf(c.id, s.dir)
		at := deliverAt(ch.at, prev, sh.latency, sh.jitter, rng.Float64())
		prev = at
		if !c.sleepUntil(at) || !c.writeShaped(s.dst, ch.b, sh, &bandwidthFree) {
			return
		}
		if ch.last {
			c.p.count(func(s *Stats) { s.Vanished++ })
			return
		}
		s.window.Release(int64(len(ch.b))) // not shortened: only a last chunk is
		c.p.bufs.Put(ch.buf)
	}
	c.awaitRelease(s.dir) // the end of the stream is held like its bytes
}

// writeShaped writes b in pieces no larger than the shape allows, each
// at the time the bandwidth limit allows.
func (c *conn) writeShaped(dst net.Conn, b []byte, s shape, bandwidthFree *time.Time) bool {
	for len(b) > 0 {
		n := pieceSize(s, len(b))
		if s.bytesPerSecond > 0 {
			var start time.Time
			start, *bandwidthFree = pace(time.Now(), *bandwidthFree, n, s.bytesPerSecond)
			if !c.sleepUntil(start) {
				return false
			}
		}
		if _, err := dst.Write(b[:n]); err != nil {
			return false
		}
		b = b[n:]
	}
	return true
}

// awaitRelease waits while a hold applies to direction dir; false if the
// connection closed meanwhile.
func (c *conn) awaitRelease(dir Stream) bool {
	for {
		st := c.p.state.Load()
		if !combine(st.toxics, c.id, dir).hold {
			return true
		}
		select {
		case <-st.changed:
		case <-c.closed:
			return false
		}
	}
}

// sleepUntil waits until t; false if the connection closed meanwhile.
func (c *conn) sleepUntil(t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-c.closed:
		return false
	}
}
