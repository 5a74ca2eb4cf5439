package dummyrunner

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// The websocket subprotocols a dummy player can speak (the portal's, in
// portal/webclient, which the dummyrunner does not import: it meets the
// portal only on the wire).
const (
	// SubprotocolV1 is Evennia's webclient format: ["cmd", [args],
	// {kwargs}] JSON both ways, text out as HTML, a "prompt" message after
	// each command's output.
	SubprotocolV1 = "v1.evennia.com"
	// SubprotocolTerminal is terminal.mudstandards.org: lines in, ANSI
	// text out in binary messages, a prompt being text without a line end.
	SubprotocolTerminal = "terminal.mudstandards.org"
)

// maxWebsocketMessage bounds one message from the server: a portal cuts
// its output well below it, and a message without end must not exhaust
// the generator's memory (the connection ends instead).
const maxWebsocketMessage = 4 << 20

// wsWriteTimeout bounds one message write.
const wsWriteTimeout = 30 * time.Second

// WebsocketSettings configure the websocket transport.
type WebsocketSettings struct {
	// URL is the websocket door, "ws://host:port/" (or wss://); empty: the
	// embedded portal's (or -websocket-url). Needed with a target when
	// the transports include websocket. Each player adds Evennia's query
	// "?<csessid>&<page id>&<browser>" to it (its own, which is too short
	// for the portal to remember a login by: every dummy logs in by its
	// script, as on telnet).
	URL string `yaml:"url,omitempty"`
	// Subprotocol is the format offered: SubprotocolV1 (default) or
	// SubprotocolTerminal.
	Subprotocol string `yaml:"subprotocol,omitempty"`
}

// wsConn is a dummy player's websocket connection: one reader goroutine
// turns messages into events (see decodeWebsocket); the player writes.
type wsConn struct {
	ws       *websocket.Conn
	terminal bool      // terminal.mudstandards.org, else v1
	upgraded time.Time // the upgrade: all the negotiation there is
	events   chan connEvent

	bytesIn, bytesOut atomic.Int64
	messages          atomic.Int64
	malformed         atomic.Int64
	decodeNs          atomic.Int64
}

var _ conn = (*wsConn)(nil)

// dialWebsocket is the websocket transport: a TCP connect (timed through
// the HTTP client's dialer), then the HTTP upgrade, its own phase.
func dialWebsocket(ctx context.Context, d dialTarget) (conn, []step, error) {
	u, err := websocketURL(d)
	if err != nil {
		return nil, nil, &dialError{phase: "connect", reason: ReasonDial, err: err}
	}
	var connected atomic.Int64
	nd := net.Dialer{Timeout: d.timeout}
	hc := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			nc, err := nd.DialContext(ctx, network, addr)
			if err == nil {
				connected.Store(time.Now().UnixNano())
			}
			return nc, err
		},
		DisableKeepAlives: true,
		Proxy:             nil, // a load test dials its target, never a proxy from the environment
	}}
	dctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	sub := d.ws.Subprotocol
	if sub == "" {
		sub = SubprotocolV1
	}
	ws, resp, err := websocket.Dial(dctx, u, &websocket.DialOptions{HTTPClient: hc, Subprotocols: []string{sub}})
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close() // a refused upgrade's body; a hijacked one is the connection itself
	}
	if err != nil {
		if connected.Load() == 0 {
			return nil, nil, &dialError{phase: "connect", reason: ReasonDial, err: err}
		}
		return nil, nil, &dialError{phase: PhaseWebsocketUpgrade, reason: ReasonUpgrade, reached: []step{{"connect", time.Unix(0, connected.Load())}}, err: err}
	}
	ws.SetReadLimit(maxWebsocketMessage)
	c := &wsConn{ws: ws, terminal: ws.Subprotocol() == SubprotocolTerminal, upgraded: time.Now(), events: make(chan connEvent, 64)}
	go c.read()
	steps := []step{{phase: "connect", at: time.Unix(0, connected.Load())}, {phase: PhaseWebsocketUpgrade, at: c.upgraded}}
	return c, steps, nil
}

// websocketURL is the door's URL with Evennia's query for player d.player.
func websocketURL(d dialTarget) (string, error) {
	u, err := url.Parse(d.addr)
	if err != nil {
		return "", err
	}
	if u.Scheme != "ws" && u.Scheme != "wss" {
		return "", fmt.Errorf("%q: want a ws:// or wss:// URL", d.addr)
	}
	u.RawQuery = fmt.Sprintf("d%s%d&%d&portalsim-dummyrunner", d.prefix, d.player, d.player)
	return u.String(), nil
}

func (c *wsConn) read() {
	var evs []connEvent
	for {
		typ, data, err := c.ws.Read(context.Background())
		if err != nil {
			c.events <- connEvent{kind: evClosed, err: err, at: time.Now()}
			close(c.events)
			return
		}
		now := time.Now()
		c.bytesIn.Add(int64(len(data)))
		c.messages.Add(1)
		evs, err = decodeWebsocket(evs[:0], c.terminal, typ == websocket.MessageBinary, data, now)
		c.decodeNs.Add(int64(time.Since(now)))
		if err != nil {
			c.malformed.Add(1) // dropped: the player waits on, and times out if it was its answer
		}
		for _, ev := range evs {
			c.events <- ev
		}
	}
}

// decodeWebsocket appends the events of one message from the server.
//
// In v1 a "text" message is text, its HTML turned back into what the
// game wrote (see htmlToText), and a "prompt" message is its text
// followed by the end-of-output marker, as IAC GA ends a telnet prompt;
// other commands (out-of-band data) make no event. A message that is
// not ["cmd", [args...], ...] with a string command is refused with
// ErrMalformedMessage.
//
// In terminal.mudstandards.org every message is text, and the portal
// ends each text with a line end and a prompt without one: a message
// that does not end with "\n" is the end of the output (the prompt), so
// completion by prompt works there too. (A server that ends text
// without a line end would complete commands early: use the echo mode
// against such a server.)
func decodeWebsocket(evs []connEvent, terminal, binary bool, data []byte, at time.Time) ([]connEvent, error) {
	if terminal {
		if len(data) == 0 {
			return evs, nil
		}
		evs = append(evs, connEvent{kind: evText, text: string(data), at: at})
		if data[len(data)-1] != '\n' {
			evs = append(evs, connEvent{kind: evPrompt, at: at})
		}
		return evs, nil
	}
	if binary {
		return evs, fmt.Errorf("%w: a binary message in v1", ErrMalformedMessage)
	}
	var msg []json.RawMessage
	if err := json.Unmarshal(data, &msg); err != nil || len(msg) == 0 {
		return evs, fmt.Errorf("%w: not a non-empty JSON array", ErrMalformedMessage)
	}
	var name string
	if err := json.Unmarshal(msg[0], &name); err != nil {
		return evs, fmt.Errorf("%w: the command is not a string", ErrMalformedMessage)
	}
	if name != "text" && name != "prompt" {
		return evs, nil
	}
	var args []json.RawMessage
	if len(msg) > 1 {
		if err := json.Unmarshal(msg[1], &args); err != nil {
			return evs, fmt.Errorf("%w: the args of %q are not a list", ErrMalformedMessage, name)
		}
	}
	var text string
	if len(args) > 0 {
		if err := json.Unmarshal(args[0], &text); err != nil {
			return evs, fmt.Errorf("%w: the text of %q is not a string", ErrMalformedMessage, name)
		}
	}
	text = htmlToText(text)
	if name == "text" {
		if !strings.HasSuffix(text, "\n") {
			text += "\n" // a text is a whole output line, as telnet's ends with a line end
		}
		return append(evs, connEvent{kind: evText, text: text, at: at}), nil
	}
	if text != "" {
		evs = append(evs, connEvent{kind: evText, text: text, at: at})
	}
	return append(evs, connEvent{kind: evPrompt, at: at}), nil
}

// send implements conn: each line of line is one message, as a browser
// sends each input line (["text", [line], {}] in v1, the line itself in
// terminal format).
func (c *wsConn) send(line string) error {
	ctx, cancel := context.WithTimeout(context.Background(), wsWriteTimeout)
	defer cancel()
	for l := range strings.Lines(line) {
		l = strings.TrimRight(l, "\r\n")
		var b []byte
		if c.terminal {
			b = []byte(l)
		} else {
			var err error
			if b, err = json.Marshal([]any{"text", []string{l}, map[string]any{}}); err != nil {
				return err
			}
		}
		if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
			return err
		}
		c.bytesOut.Add(int64(len(b)))
	}
	return nil
}

// recv implements conn.
func (c *wsConn) recv() <-chan connEvent { return c.events }

// negotiatedAt implements conn: a websocket negotiates its format (the
// subprotocol) in the upgrade and nothing after, so the report's
// negotiation phase is the upgrade's time.
func (c *wsConn) negotiatedAt() time.Time { return c.upgraded }

// wire implements conn: payload bytes (frame headers are not seen).
func (c *wsConn) wire() wireStats {
	return wireStats{bytesIn: c.bytesIn.Load(), bytesOut: c.bytesOut.Load(), messages: c.messages.Load(),
		malformed: c.malformed.Load(), decode: time.Duration(c.decodeNs.Load())}
}

// close implements conn: at once, with no close handshake (which would
// wait for the server's answer); a player that logged out has seen the
// server close already.
func (c *wsConn) close() { _ = c.ws.CloseNow() }
