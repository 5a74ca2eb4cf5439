package dummyrunner

import (
	"context"
	"net"
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

// telnetConn is the dummy client's connection: it answers option
// negotiation (EOR, NAWS and TTYPE accepted, everything else refused),
// tolerates IAC anywhere in a read, and turns the stream into events.
type telnetConn struct {
	nc     net.Conn
	events chan connEvent

	// Written by the reader, read by the player after the first text.
	lastNeg  atomic.Int64 // unix nanos of the last negotiation before the first text
	bytesIn  atomic.Int64
	bytesOut atomic.Int64
	reads    atomic.Int64 // reads that carried bytes
	decodeNs atomic.Int64 // time spent decoding them
	neg      telnet.Negotiator
	dec      telnet.Decoder
	sawText  bool
	batch    []connEvent // the events of one read, reused
}

var _ conn = (*telnetConn)(nil)

// dialTelnet connects to addr and starts reading.
func dialTelnet(ctx context.Context, addr string, timeout time.Duration) (*telnetConn, error) {
	d := net.Dialer{Timeout: timeout}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return newTelnetConn(nc), nil
}

// newTelnetConn speaks telnet on nc (a TCP connection, or TLS over one)
// and starts reading.
func newTelnetConn(nc net.Conn) *telnetConn {
	c := &telnetConn{nc: nc, events: make(chan connEvent, 64)}
	c.neg.SupportRemote(telnet.OptEOR) // the server may mark prompts with EOR
	c.neg.SupportLocal(telnet.OptNAWS)
	c.neg.SupportLocal(telnet.OptTTYPE)
	go c.read()
	return c
}

func (c *telnetConn) read() {
	buf := make([]byte, 8192)
	for {
		n, err := c.nc.Read(buf)
		if n > 0 {
			c.bytesIn.Add(int64(n))
			c.reads.Add(1)
			now := time.Now()
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
					if !c.sawText {
						c.lastNeg.Store(now.UnixNano())
					}
				case telnet.EventSubneg:
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
				c.events <- ev
			}
			c.batch = evs[:0]
			if len(reply) > 0 {
				c.write(reply)
			}
		}
		if err != nil {
			c.events <- connEvent{kind: evClosed, err: err, at: time.Now()}
			close(c.events)
			return
		}
	}
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

// wire implements conn. The decode time is the telnet decoding and the
// negotiation answers, not the wait to hand the events to the player.
func (c *telnetConn) wire() wireStats {
	return wireStats{bytesIn: c.bytesIn.Load(), bytesOut: c.bytesOut.Load(), messages: c.reads.Load(), decode: time.Duration(c.decodeNs.Load())}
}

// close implements conn.
func (c *telnetConn) close() { _ = c.nc.Close() }
