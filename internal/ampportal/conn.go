package ampportal

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/portalsim/portalsim/internal/amp"
)

// role is what an AMP connection turned out to be, from its first
// command (AMP has no hello).
type role uint8

const (
	roleUnknown role = iota
	// roleServer: an Evennia Server (its Admin and Msg commands).
	roleServer
	// roleControl: Evennia's launcher or a status query (MsgStatus,
	// MsgLauncher2Portal).
	roleControl
)

// classify returns the role a connection's first command (its name)
// gives it.
func classify(name string) role {
	switch name {
	case amp.CommandAdminServer2Portal, amp.CommandMsgServer2Portal:
		return roleServer
	}
	return roleControl
}

// firstBoxTimeout is how long a new connection may take to send its
// first box: one that says nothing is closed, so idle sockets cannot
// hold the AMP port's connections.
const firstBoxTimeout = 10 * time.Second

// Bounds of what waits to be written to one connection: a peer that does
// not read is closed once this much piled up (the Server's own output,
// answers and the portal's messages for it, can be large).
const (
	controlQueueMax = 1 << 20
	serverQueueMax  = 64 << 20
)

// errQueueFull closes a connection that does not read what it is sent.
var errQueueFull = errors.New("the peer does not read: too much waiting to be written")

// ampConn is one AMP connection. Its reader goroutine hands the loop one
// box at a time (the next is read once the loop is done with it, so a
// peer has at most one box in memory and the loop decides the limits of
// the next); its writer goroutine writes what the loop queues, so a peer
// that does not read never holds the loop up.
type ampConn struct {
	nc net.Conn
	id uint64

	// Owned by the loop.
	role     role
	tags     uint64    // the last tag this side asked with
	lastSeen time.Time // when its last box came

	next         chan struct{} // the loop's go-ahead to read the next box
	serverLimits atomic.Bool   // read the next boxes within the Server's limits

	mu      sync.Mutex
	queue   []byte // whole boxes waiting for the writer
	max     int
	timeout time.Duration
	wake    chan struct{}
	closing atomic.Bool // closed once what is queued is written (finish)
	closed  atomic.Bool
	done    chan struct{} // closed by close
}

func newAMPConn(nc net.Conn, id uint64, timeout time.Duration) *ampConn {
	return &ampConn{nc: nc, id: id, next: make(chan struct{}, 1), max: controlQueueMax, timeout: timeout,
		wake: make(chan struct{}, 1), done: make(chan struct{}), lastSeen: time.Now()}
}

// read hands the loop every box of c, one at a time, then the error that
// ended the connection.
func (b *Bridge) read(c *ampConn, serverLimits amp.Limits) {
	r := amp.NewReader(c.nc, controlLimits)
	_ = c.nc.SetReadDeadline(time.Now().Add(firstBoxTimeout))
	for first := true; ; first = false {
		box, err := r.ReadBox()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = nil
			}
			b.post(event{amp: c, ampErr: err, ampGone: true})
			return
		}
		if first {
			_ = c.nc.SetReadDeadline(time.Time{})
		}
		if !b.post(event{amp: c, box: box}) {
			return
		}
		select {
		case <-c.next: // the loop is done with box (its bytes are the reader's again)
		case <-b.done:
			return
		}
		if c.serverLimits.Load() {
			r.SetLimits(serverLimits)
		}
	}
}

// proceed lets c's reader read its next box.
func (c *ampConn) proceed() {
	select {
	case c.next <- struct{}{}:
	default:
	}
}

// writeLoop writes what is queued until the connection closes; a write
// that does not finish within the timeout closes it.
func (c *ampConn) writeLoop() {
	var buf []byte
	for {
		select {
		case <-c.wake:
		case <-c.done:
			return
		}
		c.mu.Lock()
		buf, c.queue = c.queue, buf[:0]
		closing := c.closing.Load() && len(c.queue) == 0
		c.mu.Unlock()
		if len(buf) > 0 {
			_ = c.nc.SetWriteDeadline(time.Now().Add(c.timeout))
			if _, err := c.nc.Write(buf); err != nil {
				c.close()
				return
			}
		}
		if closing {
			c.close()
			return
		}
		if cap(buf) > 1<<20 {
			buf = nil
		}
	}
}

// write queues one box for the writer. A connection with more than its
// bound waiting is closed.
func (c *ampConn) write(box amp.Box) error {
	if c.closed.Load() {
		return net.ErrClosed
	}
	c.mu.Lock()
	before := len(c.queue)
	q, err := amp.AppendBox(c.queue, box)
	if err != nil {
		c.queue = q[:before]
		c.mu.Unlock()
		return err
	}
	c.queue = q
	full := len(q) > c.max
	c.mu.Unlock()
	if full {
		c.close()
		return errQueueFull
	}
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return nil
}

// ask writes a command with the next tag and returns the tag.
func (c *ampConn) ask(name string, args ...amp.Field) (uint64, error) {
	c.tags++
	var tag [16]byte // NewCommand copies it
	return c.tags, c.write(amp.NewCommand(name, amp.AppendTag(tag[:0], c.tags), args...))
}

// answer answers the command tagged tag (no answer if it wants none).
func (c *ampConn) answer(tag []byte, values ...amp.Field) {
	if tag != nil {
		_ = c.write(amp.NewAnswer(tag, values...))
	}
}

// fail answers the command tagged tag with an error of code.
func (c *ampConn) fail(tag []byte, code, description string) {
	if tag != nil {
		_ = c.write(amp.NewError(tag, code, description))
	}
}

// finish closes the connection once what is queued is written (an
// error box before the close); nothing the peer sends meanwhile is taken.
func (c *ampConn) finish() {
	c.closing.Store(true)
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// ended reports whether the connection is closed or closing.
func (c *ampConn) ended() bool { return c.closing.Load() || c.closed.Load() }

// close closes the connection (idempotent); its reader reports it gone.
func (c *ampConn) close() {
	if c.closed.CompareAndSwap(false, true) {
		_ = c.nc.Close()
		close(c.done)
	}
}

// parseTag reads a tag this side wrote (lower-case hex); false for any
// other.
func parseTag(t []byte) (uint64, bool) {
	if len(t) == 0 || len(t) > 16 || (len(t) > 1 && t[0] == '0') {
		return 0, false // leading zeros: not a tag of ours
	}
	var n uint64
	for _, ch := range t {
		switch {
		case ch >= '0' && ch <= '9':
			n = n<<4 | uint64(ch-'0')
		case ch >= 'a' && ch <= 'f':
			n = n<<4 | uint64(ch-'a'+10)
		default:
			return 0, false
		}
	}
	return n, true
}
