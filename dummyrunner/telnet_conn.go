package dummyrunner

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/portalsim/portalsim/internal/telnet"
)

// Default terminal the dummy client reports when asked (NAWS, TTYPE).
const (
	clientWidth    = 80
	clientHeight   = 24
	clientTermType = "PORTALSIM-DUMMY"
)

// connEvent is what the socket reader tells the player.
type connEvent struct {
	kind eventKind
	text string    // evText
	at   time.Time // when it was read
	err  error     // evClosed
}

type eventKind uint8

const (
	evText   eventKind = iota + 1 // output text (IAC removed)
	evPrompt                      // end-of-output marker: IAC GA or IAC EOR
	evClosed                      // the connection ended
	evOOB                         // an out-of-band message (counted by the connection, not passed on)
)

// telnetOptions are the telnet options a dummy client accepts besides
// EOR, NAWS and TTYPE: the transport variants telnet+mccp2 and
// telnet+gmcp (see telnet_options.go).
type telnetOptions struct {
	mccp2    bool // accept the server's WILL MCCP2 and inflate its output
	gmcp     bool // accept WILL GMCP, greet, ask for values, count the answers
	quickack bool // re-arm TCP_QUICKACK after every read (see quickAck)
}

// telnetConn is the dummy client's connection: it answers option
// negotiation (EOR, NAWS and TTYPE accepted, MCCP2 and GMCP as its
// options say, everything else refused), tolerates IAC anywhere in a
// read, and turns the stream into events.
type telnetConn struct {
	nc    net.Conn
	src   io.Reader    // what the reader reads: nc, or an MCCP2Reader over wireR
	wireR *timedReader // nc, timed, under the MCCP2Reader; nil without MCCP2
	opts  telnetOptions
	quick *quickAck // nil unless opts.quickack
	eventQueue

	// Written by the reader, read by the player after the first text.
	lastNeg  atomic.Int64 // unix nanos of the last negotiation before the first text
	bytesIn  atomic.Int64
	bytesOut atomic.Int64
	reads    atomic.Int64 // reads that carried bytes
	decodeNs atomic.Int64 // time spent decoding them (inflating included)
	oob      atomic.Int64 // GMCP messages received
	corrupt  atomic.Int64 // streams that could not be read (a corrupt MCCP2 stream)
	neg      telnet.Negotiator
	dec      telnet.Decoder
	sawText  bool
	batch    []connEvent // the events of one read, reused
}

var _ conn = (*telnetConn)(nil)

// dialTelnet connects to addr and starts reading, with the options opts.
func dialTelnet(ctx context.Context, addr string, timeout time.Duration, opts telnetOptions) (*telnetConn, error) {
	nc, err := dialTCP(ctx, addr, timeout)
	if err != nil {
		return nil, err
	}
	return newTelnetConn(nc, nc, opts), nil
}

// newTelnetConn speaks telnet on nc (a TCP connection, or TLS over one,
// tcp) and starts reading.
func newTelnetConn(nc, tcp net.Conn, opts telnetOptions) *telnetConn {
	c := &telnetConn{nc: nc, src: nc, opts: opts, quick: newQuickAck(tcp, opts.quickack), eventQueue: newEventQueue()}
	c.neg.SupportRemote(telnet.OptEOR) // the server may mark prompts with EOR
	c.neg.SupportLocal(telnet.OptNAWS)
	c.neg.SupportLocal(telnet.OptTTYPE)
	if opts.mccp2 {
		c.neg.SupportRemote(telnet.OptMCCP2)
		c.wireR = &timedReader{r: nc}
		c.src = telnet.NewMCCP2Reader(c.wireR)
	}
	if opts.gmcp {
		c.neg.SupportRemote(telnet.OptGMCP)
	}
	go c.read()
	return c
}

// A connection waits for the server in a small buffer of its own,
// which holds most reads (a command's answer); a read that fills it
// says more is on its way, so the next one borrows a large buffer from
// largeReads until a read leaves room. Thousands of idle players then
// hold 1 KiB each, not 8 (BENCHMARKS.md, "Generator cost per client"):
// a normal_player's reads average under 200 bytes (the room's messages).
const (
	smallRead = 1 << 10
	largeRead = 8 << 10
)

// largeReads are the large read buffers, shared by every connection.
var largeReads = sync.Pool{New: func() any { b := make([]byte, largeRead); return &b }}

// readBuffers is a connection's choice between its small buffer and a
// borrowed large one.
type readBuffers struct {
	small []byte
	large *[]byte // borrowed from largeReads while reads fill their buffer
}

// next is the buffer for the next read.
func (b *readBuffers) next() []byte {
	if b.large != nil {
		return *b.large
	}
	if b.small == nil {
		b.small = make([]byte, smallRead)
	}
	return b.small
}

// done says how much the last read (into next's buffer) brought, after
// its bytes are used: a full buffer borrows the large one for the next
// read, a read that left room gives it back.
func (b *readBuffers) done(n int) {
	switch full := n == len(b.next()); {
	case full && b.large == nil:
		b.large = largeReads.Get().(*[]byte)
	case !full && b.large != nil:
		b.release()
	}
}

// release gives the large buffer back, if borrowed.
func (b *readBuffers) release() {
	if b.large != nil {
		largeReads.Put(b.large)
		b.large = nil
	}
}

func (c *telnetConn) read() {
	var bufs readBuffers
	defer bufs.release()
	for {
		buf := bufs.next()
		n, err := c.readSome(buf)
		now := time.Now() // the arrival, before the quick-ACK syscall
		c.quick.arm()     // before the next read: what arrives next is ACKed at once
		if n > 0 {
			c.reads.Add(1)
			var reply []byte
			evs := c.batch[:0]
			c.dec.Decode(buf[:n], func(e telnet.Event) {
				switch e.Kind {
				case telnet.EventData:
					c.sawText = true
					evs = append(evs, connEvent{kind: evText, text: string(e.Data), at: now})
				case telnet.EventCommand:
					if e.Cmd == telnet.GA || e.Cmd == telnet.EOR {
						evs = append(evs, connEvent{kind: evPrompt, at: now})
					}
				case telnet.EventNegotiation:
					r, ch := c.neg.Receive(e.Verb, e.Opt)
					reply = append(reply, r...)
					if ch.Changed && ch.Enabled && ch.Side == telnet.Local && ch.Opt == telnet.OptNAWS {
						reply = telnet.AppendNAWS(reply, clientWidth, clientHeight)
					}
					if ch.Changed && ch.Enabled && ch.Side == telnet.Remote && ch.Opt == telnet.OptGMCP {
						reply = appendGMCPHello(reply)
					}
					if !c.sawText {
						c.lastNeg.Store(now.UnixNano())
					}
				case telnet.EventSubneg:
					if e.Opt == telnet.OptGMCP && c.neg.Remote(telnet.OptGMCP) {
						c.oob.Add(1)
					}
					if e.Opt == telnet.OptTTYPE && telnet.IsTTYPESend(e.Data) {
						reply = telnet.AppendTTYPEIs(reply, clientTermType)
						if !c.sawText {
							c.lastNeg.Store(now.UnixNano())
						}
					}
				}
			})
			c.decodeNs.Add(int64(time.Since(now)))
			for _, ev := range evs {
				if !c.emit(ev) {
					return // the player hung up
				}
			}
			c.batch = evs[:0]
			if len(reply) > 0 {
				c.write(reply)
			}
		}
		bufs.done(n)
		if err != nil {
			if errors.Is(err, telnet.ErrMCCP2Corrupt) {
				c.corrupt.Add(1)
			}
			c.end(connEvent{kind: evClosed, err: err, at: time.Now()})
			return
		}
	}
}

// readSome reads what the server sent, inflated if MCCP2 is on, and
// counts the bytes on the wire; the time inflating took (the read's time
// less the socket's wait) is decode time.
func (c *telnetConn) readSome(buf []byte) (int, error) {
	if c.wireR == nil {
		n, err := c.src.Read(buf)
		c.bytesIn.Add(int64(n))
		return n, err
	}
	start := time.Now()
	n, err := c.src.Read(buf)
	wire, waited := c.wireR.take()
	c.bytesIn.Add(wire)
	c.decodeNs.Add(int64(max(time.Since(start)-waited, 0)))
	return n, err
}

func (c *telnetConn) write(b []byte) error {
	_ = c.nc.SetWriteDeadline(time.Now().Add(30 * time.Second))
	n, err := c.nc.Write(b)
	c.bytesOut.Add(int64(n))
	return err
}

// send writes one command line, escaping IAC.
func (c *telnetConn) send(line string) error {
	b := telnet.AppendEscaped(make([]byte, 0, len(line)+2), []byte(line))
	return c.write(append(b, '\r', '\n'))
}

// negotiatedAt is when negotiation last moved before the first text, or zero.
func (c *telnetConn) negotiatedAt() time.Time {
	if n := c.lastNeg.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return time.Time{}
}

// recv implements conn.
func (c *telnetConn) recv() <-chan connEvent { return c.events }

// wire implements conn. The decode time is the telnet decoding, the
// negotiation answers and MCCP2's inflating, not the wait to hand the
// events to the player. BytesIn is what came over the wire (compressed,
// with MCCP2); a stream that would not inflate is one malformed message.
func (c *telnetConn) wire() wireStats {
	return wireStats{bytesIn: c.bytesIn.Load(), bytesOut: c.bytesOut.Load(), messages: c.reads.Load(), oob: c.oob.Load(),
		malformed: c.corrupt.Load(), decode: time.Duration(c.decodeNs.Load())}
}

// close implements conn.
func (c *telnetConn) close() {
	c.hangUp()
	_ = c.nc.Close()
}
