package portal

import (
	"errors"
	"io"
	"net"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/telnet"
)

// httpRequestLine matches an HTTP request sent to the telnet port by mistake.
var httpRequestLine = regexp.MustCompile(`^(GET|HEAD|POST|PUT|DELETE|OPTIONS|CONNECT|TRACE|PATCH) \S+ HTTP/\d\.\d$`)

// httpWarning answers an HTTP request on the telnet port.
const httpWarning = "This is a telnet port for MUD clients, not a web server.\r\n"

// telnetConn is one telnet player connection: a [Protocol] with one
// reader goroutine (IAC parsing, lines, limits) and one writer goroutine
// (the outbox).
type telnetConn struct {
	key      string // the protocol key: "telnet", or "telnet/ssl" over TLS
	p        *Portal
	nc       net.Conn
	out      *outbox
	sess     *Session      // set by Bind, inside Handler.Connect, before anything can use it
	finished chan struct{} // closed when both goroutines have ended (see ended)
	stop     chan struct{} // closed to stop the writer
	wrDone   chan struct{} // closed when the writer has ended (the socket is closed)
	stopOnce sync.Once
	comp     telnet.Compressor // MCCP2: the writer's only (see streamFlush)

	// Reader state: touched only by the reader goroutine.
	dec        telnet.Decoder
	lines      telnet.LineBuffer
	gotLine    bool
	warnedUTF8 bool
	naws       [2]int // the last window size the client sent
	gotNAWS    bool
	// negotiations counts the client's negotiation commands; past
	// maxNegotiations they are ignored (see negotiationStorm).
	negotiations int

	ttype telnet.TTYPERounds

	// outText and outPrompt are c.sendText and c.sendPrompt, made once
	// (newTelnetConn): Output making the method value at every call
	// would cost an allocation per output.
	outText, outPrompt OutputFunc

	// negMu guards the negotiator, used by the reader and by output.
	negMu sync.Mutex
	neg   telnet.Negotiator
	hs    handshake // see telnet_options.go

	eor        atomic.Bool // the client accepted EOR: prompts end with IAC EOR instead of IAC GA
	noPromptGA atomic.Bool // the client accepted SGA: prompts end without IAC GA (unless EOR)
	msdp, gmcp atomic.Bool // the client accepted MSDP, GMCP: out-of-band output goes that way
}

var (
	_ Protocol      = (*telnetConn)(nil)
	_ SessionBinder = (*telnetConn)(nil)
	_ playerConn    = (*telnetConn)(nil)
)

// serveTelnet sets up a new telnet connection and starts its goroutines.
func (p *Portal) serveTelnet(nc net.Conn) { p.serveTelnetAs(nc, "telnet") }

// serveTelnetAs serves nc as telnet under the protocol key key.
func (p *Portal) serveTelnetAs(nc net.Conn, key string) {
	c := newTelnetConn(p, nc, key)
	if !p.trackConn(c, true) {
		nc.Close()
		return
	}
	// Offer what we support before anything else is written.
	c.out.write(c.startNegotiation())

	p.h.Connect(c) // binds c.sess; the sessid is fixed before any goroutine starts
	c.startHandshakeTimer()
	p.runConn(c, c.sess, c.finished, c.writeLoop, c.readLoop, c.hs.stop)
}

// newTelnetConn returns the telnet connection of nc, not yet started.
func newTelnetConn(p *Portal, nc net.Conn, key string) *telnetConn {
	c := &telnetConn{
		key:      key,
		p:        p,
		nc:       nc,
		out:      newOutbox(p.cfg.OutboundLimit),
		finished: make(chan struct{}),
		stop:     make(chan struct{}),
		wrDone:   make(chan struct{}),
	}
	c.lines.Max = p.cfg.MaxLineLength
	c.outText, c.outPrompt = c.sendText, c.sendPrompt
	return c
}

// nop implements playerConn: a telnet NOP.
func (c *telnetConn) nop() { c.out.write(telnet.AppendCommand(nil, telnet.NOP)) }

// abort implements playerConn.
func (c *telnetConn) abort() { _ = c.nc.Close() }

// ended implements playerConn.
func (c *telnetConn) ended() <-chan struct{} { return c.finished }

// Bind implements [SessionBinder]: Connect hands over the session before
// it is admitted, so the DoS message, a release or a slow-consumer close
// already find it. The session starts with Evennia's telnet flags, and,
// unless Config.HandshakeTimeout is negative, its PCONN waits for the
// negotiation (bug 5.14; see Session.HoldConnect).
func (c *telnetConn) Bind(s *Session) {
	c.sess = s
	s.setInitialFlags(c.initialFlags())
	if c.p.cfg.HandshakeTimeout >= 0 {
		s.HoldConnect()
	}
}

// Key implements [Protocol].
func (c *telnetConn) Key() string { return c.key }

// Address implements [Protocol].
func (c *telnetConn) Address() string { return addrIP(c.nc.RemoteAddr()) }

// Output implements [Protocol]: "text" and "prompt".
func (c *telnetConn) Output(cmd string) OutputFunc {
	switch cmd {
	case "text":
		return c.outText
	case "prompt":
		return c.outPrompt
	}
	return nil
}

// Close implements [Protocol].
func (c *telnetConn) Close(message string) {
	if message != "" {
		c.sendText([]any{message}, nil)
	}
	c.out.closeAfterFlush()
}

// sendText writes text and a line end, unless it ends with one.
func (c *telnetConn) sendText(args []any, _ map[string]any) {
	c.queueText(argString(args), false, encodeTelnetText)
}

// encodeTelnetText encodes text for the wire with a line end, unless it
// ends with one.
func encodeTelnetText(text string) []byte {
	b := telnet.AppendEscaped(make([]byte, 0, len(text)+8), []byte(text))
	if len(b) < 2 || string(b[len(b)-2:]) != "\r\n" {
		b = append(b, '\r', '\n')
	}
	return b
}

// sendPrompt writes text without a line end, then the end-of-output
// marker: IAC EOR if the client accepted it, otherwise IAC GA unless it
// accepted SGA (suppress go-ahead).
func (c *telnetConn) sendPrompt(args []any, _ map[string]any) {
	encode, _ := c.promptEncoder()
	c.queueText(argString(args), true, encode)
}

// promptEnd is how a prompt ends on a telnet connection.
type promptEnd uint8

const (
	promptGA promptEnd = iota + 1
	promptEOR
	promptBare
)

// promptEncoder returns the encoder of the connection's prompts, as
// sendPrompt says, and which end it gives them.
func (c *telnetConn) promptEncoder() (func(string) []byte, promptEnd) {
	switch {
	case c.eor.Load():
		return encodePromptEOR, promptEOR
	case c.noPromptGA.Load():
		return encodePromptBare, promptBare
	}
	return encodePromptGA, promptGA
}

func encodePrompt(text string) []byte {
	return telnet.AppendEscaped(make([]byte, 0, len(text)+4), []byte(text))
}
func encodePromptEOR(text string) []byte  { return telnet.AppendCommand(encodePrompt(text), telnet.EOR) }
func encodePromptGA(text string) []byte   { return telnet.AppendCommand(encodePrompt(text), telnet.GA) }
func encodePromptBare(text string) []byte { return encodePrompt(text) }

// queueText queues text (a prompt if prompt is set), its markup rendered
// for the session, encoded for the wire by encode and cut if it is too
// large for the outbound buffer (see fitOutput).
func (c *telnetConn) queueText(text string, prompt bool, encode func(string) []byte) {
	c.queue(c.p.h.fitOutput(c.out.limit, c.sess.renderTerminal(text, prompt), encode))
}

// queue writes b to the outbox; an overflowing client is a slow consumer.
func (c *telnetConn) queue(b []byte) {
	if !c.out.write(b) && c.out.overflowed() && c.sess != nil {
		c.sess.Close(ReasonSlowConsumer, "")
		c.stopWriter()
	}
}

func (c *telnetConn) stopWriter() { c.stopOnce.Do(func() { close(c.stop) }) }

func argString(args []any) string {
	if len(args) == 0 {
		return ""
	}
	if s, ok := args[0].(string); ok {
		return s
	}
	return ""
}

func (c *telnetConn) writeLoop() {
	defer close(c.wrDone)
	err := c.out.run(c.stop, streamFlush(c.nc, &c.comp))
	// Record why before closing the socket, or the reader would call the
	// closed socket a read error.
	switch {
	case err == nil:
	case errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNRESET):
		c.sess.Close(ReasonClientQuit, "") // the client hung up while output was in flight
	default:
		c.sess.Close(ReasonWriteError, "")
	}
	c.nc.Close()
}

// The telnet reader's buffer: readBufStart bytes, readBufMax once a
// read filled it.
const (
	readBufStart = 512
	readBufMax   = 4096
)

// readLoop reads the client until its input ends. The writer is stopped
// then, unless the session closed with output still to deliver: the
// writer then writes it and closes the socket itself (see readFailed).
func (c *telnetConn) readLoop() {
	deliver := false
	defer func() {
		if !deliver {
			c.stopWriter()
		}
	}()
	// A player's reads are a line or a few answers to our offers: the
	// buffer starts small, held by every idle session, and grows once a
	// read fills it (a paste, a client's burst).
	buf := make([]byte, readBufStart)
	idle := c.p.cfg.IdleTimeout
	for {
		if idle > 0 {
			_ = c.nc.SetReadDeadline(time.Now().Add(idle))
		}
		n, err := c.nc.Read(buf)
		if n > 0 {
			c.dec.Decode(buf[:n], c.onEvent)
			if n == len(buf) && len(buf) < readBufMax {
				buf = make([]byte, readBufMax)
			}
		}
		if err != nil {
			deliver = c.readFailed(err)
			return
		}
	}
}

// readFailed closes the session for the read error err. It reports
// whether the session's output is still to be delivered: the idle
// timeout's message, or the answers to a client that stopped sending.
// The outbox is closing then (Session.Close), so the writer ends by
// itself once it has written everything, bounded by writeTimeout.
func (c *telnetConn) readFailed(err error) (deliver bool) {
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		c.sess.Close(ReasonIdleTimeout, "Idle timeout exceeded, disconnecting.")
		return true
	case errors.Is(err, io.EOF):
		c.inputEnded()
		return true
	case errors.Is(err, syscall.ECONNRESET):
		c.sess.Close(ReasonClientQuit, "")
	case c.sess.State() == StateClosed: // we closed it
	default:
		c.sess.Close(ReasonReadError, "")
	}
	return false
}

// inputEnded handles the end of the client's input (a FIN): it closed
// its socket, or only its sending side (shutdown(SHUT_WR)) and still
// reads. The session stays open until the server has answered what it
// sent, bounded by Config.HalfCloseGrace (see Handler.awaitAnswered),
// then closes as client-quit; the writer delivers the answers first.
func (c *telnetConn) inputEnded() {
	c.inputCame()
	c.p.h.awaitAnswered(c.p.ctx, c.sess, c.wrDone)
	c.sess.Close(ReasonClientQuit, "")
}

func (c *telnetConn) onEvent(e telnet.Event) {
	switch e.Kind {
	case telnet.EventData:
		c.lines.Write(e.Data, c.onLine)
	case telnet.EventNegotiation:
		if c.negotiations >= maxNegotiations {
			c.negotiationStorm()
			return
		}
		c.negMu.Lock()
		reply, ch := c.neg.Receive(e.Verb, e.Opt)
		c.negMu.Unlock()
		c.negotiations++
		if len(reply) > 0 {
			c.queue(reply)
		}
		if ch.Changed || ch.Refused {
			c.optionChanged(ch)
		}
	case telnet.EventSubneg:
		c.onSubneg(e.Opt, e.Data)
	case telnet.EventError:
		c.p.h.countProtocolErr()
		c.p.log.Debug("telnet.malformed", "sessid", c.sess.sessid, "err", e.Err)
	}
}

func (c *telnetConn) onSubneg(opt telnet.Option, payload []byte) {
	switch opt {
	case telnet.OptNAWS:
		w, h, ok := telnet.ParseNAWS(payload)
		if !ok {
			c.p.h.countProtocolErr()
			return
		}
		if c.gotNAWS && c.naws == [2]int{w, h} {
			return // the same size again: nothing to tell the server
		}
		c.gotNAWS, c.naws = true, [2]int{w, h}
		c.sess.SetFlags(map[string]any{"SCREENWIDTH": w, "SCREENHEIGHT": h})
		if c.hs.over() { // during the handshake, its end tells the server
			c.p.h.Sync(c.sess)
		}
	case telnet.OptTTYPE:
		name, ok := telnet.ParseTTYPEIs(payload)
		if !ok {
			c.p.h.countProtocolErr()
			return
		}
		c.onTTYPE(name)
	case telnet.OptGMCP, telnet.OptMSDP:
		c.negMu.Lock()
		on := c.neg.Local(opt)
		c.negMu.Unlock()
		if !on {
			c.badOOB(opt, nil) // not negotiated
			return
		}
		c.onOOB(opt, payload)
	}
}

func (c *telnetConn) onLine(line []byte, overflow bool) {
	if overflow {
		c.p.h.countLongLine()
		c.sess.Msg(LineTooLongWarning)
		return
	}
	text, valid := telnet.DecodeText(line)
	if !valid {
		c.p.h.countInvalidUTF8()
		if !c.warnedUTF8 {
			c.warnedUTF8 = true
			c.sess.Msg(InvalidUTF8Warning)
		}
	}
	if !c.gotLine {
		c.gotLine = true
		if httpRequestLine.MatchString(text) {
			c.queue([]byte(httpWarning))
			c.sess.Close(ReasonProtocolError, "")
			return
		}
	}
	if strings.Trim(text, "\x00") == "" && strings.Contains(text, "\x00") {
		text = "idle" // the legacy NUL keepalive
	}
	c.inputCame()
	c.sess.DataIn(link.TextData(text)...) // one allocation for the command and its argument list
}
