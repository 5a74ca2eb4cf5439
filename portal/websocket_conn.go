package portal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/markup"
	"github.com/portalsim/portalsim/portal/webclient"
)

// wsMaxHeaderBytes bounds the request headers of the web doors.
const wsMaxHeaderBytes = 16 << 10

// wsConn is one websocket player connection: a [Protocol] with one
// reader goroutine (messages in, through the wire format) and one writer
// goroutine (the outbox, a message per chunk).
type wsConn struct {
	p       *Portal
	ws      *websocket.Conn
	addr    string
	format  webclient.Format
	browser webclient.Browser
	out     *outbox
	sess    *Session // set by Bind, inside Handler.Connect, before anything can use it

	finished chan struct{} // closed when both goroutines have ended
	stop     chan struct{} // closed to stop the writer
	stopOnce sync.Once
	pinging  atomic.Bool // a keepalive ping is out
	// warnedUTF8 is the reader's: the player was told of bytes that are not UTF-8.
	warnedUTF8 bool
	// closeMsg is the reason given in the close frame of a portal-side close.
	closeMu  sync.Mutex
	closeMsg string
}

var (
	_ Protocol      = (*wsConn)(nil)
	_ SessionBinder = (*wsConn)(nil)
	_ playerConn    = (*wsConn)(nil)
)

// websocketServer is the HTTP server of the websocket door: every request
// is a websocket upgrade, whatever its path, as in Evennia.
func (p *Portal) websocketServer() *http.Server {
	return &http.Server{
		Handler:           http.HandlerFunc(p.serveWebsocket),
		ReadHeaderTimeout: p.cfg.DoorHandshakeTimeout,
		// A connection that did not upgrade holds a descriptor and no
		// session (no address cap sees it): it goes once idle this long.
		IdleTimeout:    p.cfg.DoorHandshakeTimeout,
		MaxHeaderBytes: wsMaxHeaderBytes,
		BaseContext:    func(net.Listener) context.Context { return p.ctx },
	}
}

// serveWebsocket upgrades one request and starts the connection.
func (p *Portal) serveWebsocket(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols:   webclient.Subprotocols,
		OriginPatterns: p.webOrigins(r),
	})
	if err != nil {
		p.h.countProtocolErr() // Accept has answered with the HTTP error
		p.log.Debug("websocket.refused", "remote", r.RemoteAddr, "err", err)
		return
	}
	// A message is read as a stream (see readMessage), so the library's
	// limit only stops a client from making it buffer a control frame.
	ws.SetReadLimit(-1)
	c := &wsConn{
		p:        p,
		ws:       ws,
		addr:     p.clientIP(r),
		format:   webclient.Select(ws.Subprotocol()),
		browser:  webclient.ParseQuery(r.URL.RawQuery),
		out:      newOutbox(p.cfg.OutboundLimit),
		finished: make(chan struct{}),
		stop:     make(chan struct{}),
	}
	if !p.trackConn(c, true) {
		_ = ws.CloseNow()
		return
	}
	p.h.Connect(c) // binds c.sess
	p.runConn(c, c.sess, c.finished, c.writeLoop, c.readLoop, nil)
}

// webOrigins are the origins a browser page may open the websocket door
// from: Config.WebsocketOrigins, and the portal's own web door under the
// host name the request used.
// A client that sends no Origin (not a browser) is always let in.
func (p *Portal) webOrigins(r *http.Request) []string {
	origins := p.cfg.WebsocketOrigins
	web := p.DoorAddr(DoorWeb)
	if web == nil {
		return origins
	}
	_, port, _ := net.SplitHostPort(web.String())
	host := r.Host
	if h, _, err := net.SplitHostPort(r.Host); err == nil {
		host = h
	}
	return append(slices.Clip(origins), net.JoinHostPort(host, port))
}

// clientIP is the address of the client of r: its peer's IP, or, when
// the peer is one of Config.UpstreamIPs, the first address of
// X-Forwarded-For from the right that is not one (the peer's own, if an
// entry on the way there is not an address).
func (p *Portal) clientIP(r *http.Request) string {
	ip := remoteIP(r.RemoteAddr)
	if !slices.Contains(p.cfg.UpstreamIPs, ip) {
		return ip
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		switch {
		case net.ParseIP(hop) == nil:
			return ip // not an address: what is left of it could be anyone's writing
		case !slices.Contains(p.cfg.UpstreamIPs, hop):
			return hop
		}
	}
	return ip
}

// remoteIP is the IP of a host:port address.
func remoteIP(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

// Bind implements [SessionBinder]: the session gets the browser's key and
// Evennia's websocket flags, and, when the browser is remembered as logged
// in, starts logged in (its PCONN then logs it in on the server).
func (c *wsConn) Bind(s *Session) {
	c.sess = s
	agent := "websocket"
	if c.browser.Agent != "" {
		agent += ":" + c.browser.Agent
	}
	oob := c.format.Name() != webclient.ProtoTerminal // the others carry out-of-band data
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data.Csessid = c.browser.Csessid
	for k, v := range map[string]any{
		"CLIENTNAME": fmt.Sprintf("Evennia Webclient (%s %s)", agent, c.format.Name()),
		"UTF-8":      true, "OOB": oob, "ANSI": true, "XTERM256": true, "TRUECOLOR": true,
	} {
		s.data.ProtocolFlags[k] = v
	}
	if !c.browser.Remembers() {
		return
	}
	if l, ok := c.p.h.browsers.lookup(c.browser.Csessid, time.Now()); ok {
		s.data.LoggedIn, s.data.Uid, s.data.Uname = true, l.uid, l.uname
		s.webNonce = l.nonce
	}
}

// Key implements [Protocol].
func (c *wsConn) Key() string { return "websocket" }

// Address implements [Protocol].
func (c *wsConn) Address() string { return c.addr }

// Output implements [Protocol]: every command goes through the wire
// format (SendDefault).
func (c *wsConn) Output(string) OutputFunc { return nil }

// SendDefault implements [Protocol]. Text and prompts too large for
// the outbound buffer are cut with a marker, as on every door (fitOutput).
func (c *wsConn) SendDefault(cmd link.Command) {
	r := renderer{c.sess}
	msgs := c.format.Encode(cmd, r)
	lim := c.out.limit
	if text, ok := cmd.FirstString(); ok && lim > 0 && len(msgs) == 1 && len(msgs[0].Data) > lim/2 && (cmd.Name == "text" || cmd.Name == "prompt") {
		msgs[0].Data = c.p.h.fitOutput(lim, text, func(t string) []byte {
			cut := cmd
			cut.Args = append([]any{t}, cmd.Args[1:]...)
			if m := c.format.Encode(cut, r); len(m) == 1 {
				return m[0].Data
			}
			return nil
		})
	}
	for _, m := range msgs {
		kind := chunkText
		if m.Binary {
			kind = chunkBinary
		}
		c.queue(chunk{data: m.Data, kind: kind})
	}
}

// Close implements [Protocol]: the message goes as text, then the
// close frame (1000) carries it as its reason too.
func (c *wsConn) Close(message string) {
	if message != "" {
		c.SendDefault(link.Text(message))
	}
	c.closeMu.Lock()
	c.closeMsg = message
	c.closeMu.Unlock()
	c.out.closeAfterFlush()
}

// nop implements playerConn: a ping. A connection that has not answered
// the last ping when the next is due is lost (the network went away
// without a word): it is closed, and the reader closes its session.
func (c *wsConn) nop() {
	if !c.pinging.CompareAndSwap(false, true) {
		c.p.log.Debug("websocket.ping.unanswered", "sessid", c.sess.sessid)
		_ = c.ws.CloseNow()
		return
	}
	c.p.goSafe(func() {
		if err := c.ws.Ping(c.p.ctx); err == nil {
			c.pinging.Store(false)
		}
	})
}

// abort implements playerConn.
func (c *wsConn) abort() { _ = c.ws.CloseNow() }

// ended implements playerConn.
func (c *wsConn) ended() <-chan struct{} { return c.finished }

// queue puts a message in the outbox; an overflowing client is a slow consumer.
func (c *wsConn) queue(ch chunk) {
	if !c.out.put(ch) && c.out.overflowed() && c.sess != nil {
		c.sess.Close(ReasonSlowConsumer, "")
		c.stopWriter()
	}
}

func (c *wsConn) stopWriter() { c.stopOnce.Do(func() { close(c.stop) }) }

// writeLoop writes the outbox, a message per chunk, then closes: with a
// close frame after a requested close, at once otherwise.
func (c *wsConn) writeLoop() {
	err := c.out.run(c.stop, func(batch []chunk, _ bool) error {
		ctx, cancel := context.WithTimeout(c.p.ctx, writeTimeout)
		defer cancel()
		for _, ch := range batch {
			typ := websocket.MessageText
			if ch.kind == chunkBinary {
				typ = websocket.MessageBinary
			}
			if err := c.ws.Write(ctx, typ, ch.data); err != nil {
				return err
			}
		}
		return nil
	})
	switch {
	case err == nil:
		c.closeMu.Lock()
		msg := c.closeMsg
		c.closeMu.Unlock()
		code := websocket.StatusNormalClosure
		if c.sess.CloseReason() == ReasonPortalShutdown {
			code = websocket.StatusGoingAway // the page may come back when the portal does
		}
		_ = c.ws.Close(code, closeReason(msg))
	case websocket.CloseStatus(err) != -1 || errors.Is(err, net.ErrClosed):
		c.sess.Close(ReasonClientQuit, "")
	default:
		c.sess.Close(ReasonWriteError, "")
	}
	_ = c.ws.CloseNow()
}

// closeReason fits a message into a close frame's reason (123 bytes).
func closeReason(msg string) string {
	if len(msg) <= 123 {
		return msg
	}
	cut := 120
	for cut > 0 && msg[cut]&0xC0 == 0x80 {
		cut--
	}
	return msg[:cut] + "..."
}

// readLoop reads messages until the connection ends, then closes the
// session for the way it ended: a close frame with 1000 or 1001 is a
// player who left; any other end (1006: the connection was lost with no
// close frame, or an error code) closes the session too, at once (no
// ghost, bug 5.11). The browser's login is remembered either way (see
// browserLogins), so the tab that comes back starts logged in.
func (c *wsConn) readLoop() {
	defer c.stopWriter()
	for {
		cmds, err := c.readMessage()
		if err != nil {
			c.readEnded(err)
			return
		}
		for _, cmd := range cmds {
			if cmd.Name == webclient.CloseCommand {
				c.sess.Close(ReasonClientQuit, "") // the client asks to go (Evennia's websocket_close)
				return
			}
			c.sess.DataIn(cmd) // one input each, as telnet's lines: the command rate counts every one
		}
	}
}

// readEnded closes the session for the error that ended reading.
func (c *wsConn) readEnded(err error) {
	switch code := websocket.CloseStatus(err); {
	case code == websocket.StatusNormalClosure, code == websocket.StatusGoingAway,
		code == websocket.StatusNoStatusRcvd, code >= 4000: // a goodbye, with or without a reason of its own
		c.sess.Close(ReasonClientQuit, "")
	case c.sess.State() == StateClosed: // we closed it
	case code != -1:
		c.sess.Close(ReasonProtocolError, "") // 1002, 1003, 1007, 1009, ...: the client says the talk broke
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		c.sess.Close(ReasonConnectionLost, "")
	default:
		c.sess.Close(ReasonReadError, "")
	}
}

// readMessage reads one message and decodes it. A message longer than
// Config.MaxLineLength is read to its end and dropped, with the player
// told, as telnet does with a long line; a malformed one is dropped with
// the player told and counted. Either way no input comes of it and the
// connection goes on.
func (c *wsConn) readMessage() ([]link.Command, error) {
	typ, r, err := c.ws.Reader(c.p.ctx)
	if err != nil {
		return nil, err
	}
	limit := int64(c.p.cfg.MaxLineLength)
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		if _, err := io.Copy(io.Discard, r); err != nil {
			return nil, err
		}
		c.p.h.countLongLine()
		c.sess.Msg(LineTooLongWarning)
		return nil, nil
	}
	if !utf8.Valid(data) {
		c.p.h.countInvalidUTF8()
		if !c.warnedUTF8 {
			c.warnedUTF8 = true
			c.sess.Msg(InvalidUTF8WebWarning)
		}
	}
	cmds, err := c.format.Decode(webclient.Message{Binary: typ == websocket.MessageBinary, Data: data})
	if err != nil {
		c.p.h.countProtocolErr()
		c.p.log.Debug("websocket.malformed", "sessid", c.sess.sessid, "err", err)
		c.sess.Msg(MalformedMessageWarning)
		return nil, nil
	}
	return cmds, nil
}

// renderer renders the game's text, with Evennia's colour markup, for
// the wire formats, as the session's flags ask (NOCOLOR, SCREENREADER).
type renderer struct{ s *Session }

// HTML renders text for a browser: escaped, colours as classes.
func (r renderer) HTML(text string) string {
	if r.s != nil && r.s.screenReader() {
		text = markup.ScreenReader(text)
	}
	return markup.HTML(text)
}

// ANSI renders text for a terminal at the session's colour depth.
func (r renderer) ANSI(text string) string {
	if r.s == nil || !strings.ContainsAny(text, ansiSpecial) {
		return renderANSI(text, markup.Truecolor, false)
	}
	depth, sr := r.s.colour()
	return renderANSI(text, depth, sr)
}
