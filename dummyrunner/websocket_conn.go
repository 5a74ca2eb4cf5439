package dummyrunner

import (
	"bytes"
	"cmp"
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
	// SubprotocolJSON is json.mudstandards.org: text in binary messages
	// both ways; the server's text messages are {"proto", "id", "data"}
	// objects, a prompt {"proto": "prompt", "data": text} and out-of-band
	// data {"proto": "gmcp", "id": "Package.Name", "data": json}.
	SubprotocolJSON = "json.mudstandards.org"
	// SubprotocolGMCP is gmcp.mudstandards.org: text in binary messages
	// both ways (a prompt being text without a line end, as in
	// SubprotocolTerminal), GMCP ("Package.Name json") in text messages.
	SubprotocolGMCP = "gmcp.mudstandards.org"
)

// Subprotocols are the websocket formats a dummy player can speak.
var Subprotocols = []string{SubprotocolV1, SubprotocolTerminal, SubprotocolJSON, SubprotocolGMCP}

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
	// Subprotocol is the format offered: SubprotocolV1 (default),
	// SubprotocolTerminal, SubprotocolJSON or SubprotocolGMCP.
	Subprotocol string `yaml:"subprotocol,omitempty"`
}

// wsConn is a dummy player's websocket connection: one reader goroutine
// turns messages into events (see decodeWebsocket); the player writes.
type wsConn struct {
	ws       *websocket.Conn
	format   string    // the subprotocol the server chose (one of Subprotocols)
	upgraded time.Time // the upgrade: all the negotiation there is
	eventQueue

	bytesIn, bytesOut atomic.Int64
	messages          atomic.Int64
	malformed         atomic.Int64
	oob               atomic.Int64
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
	hc := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			nc, err := dialTCP(ctx, addr, d.timeout)
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
	c := &wsConn{ws: ws, format: cmp.Or(ws.Subprotocol(), SubprotocolV1), upgraded: time.Now(), eventQueue: newEventQueue()}
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
			c.end(connEvent{kind: evClosed, err: err, at: time.Now()})
			return
		}
		now := time.Now()
		c.bytesIn.Add(int64(len(data)))
		c.messages.Add(1)
		evs, err = decodeWebsocket(evs[:0], c.format, typ == websocket.MessageBinary, data, now)
		c.decodeNs.Add(int64(time.Since(now)))
		if err != nil {
			c.malformed.Add(1) // dropped: the player waits on, and times out if it was its answer
		}
		for _, ev := range evs {
			if ev.kind == evOOB {
				c.oob.Add(1)
				continue
			}
			if !c.emit(ev) {
				return // the player hung up
			}
		}
	}
}

// decodeWebsocket appends the events of one message from the server in
// format (one of Subprotocols; see decodeV1, decodeJSONMessage and
// decodeTerminal). A message it cannot read is refused with
// ErrMalformedMessage and makes no event.
func decodeWebsocket(evs []connEvent, format string, binary bool, data []byte, at time.Time) ([]connEvent, error) {
	switch format {
	case SubprotocolTerminal:
		return decodeTerminal(evs, data, at), nil
	case SubprotocolJSON:
		if binary {
			return decodeTerminal(evs, data, at), nil
		}
		return decodeJSONMessage(evs, data, at)
	case SubprotocolGMCP:
		if binary {
			return decodeTerminal(evs, data, at), nil
		}
		if len(bytes.TrimSpace(data)) == 0 {
			return evs, fmt.Errorf("%w: an empty GMCP message", ErrMalformedMessage)
		}
		return append(evs, connEvent{kind: evOOB, at: at}), nil
	}
	if binary {
		return evs, fmt.Errorf("%w: a binary message in v1", ErrMalformedMessage)
	}
	return decodeV1(evs, data, at)
}

// decodeTerminal reads a message of text (terminal.mudstandards.org, and
// the binary messages of the JSON and GMCP formats). The portal ends each
// text with a line end and a prompt without one: a message that does not
// end with "\n" is the end of the output (the prompt), so completion by
// prompt works there too. (A server that ends text without a line end
// would complete commands early: use the echo mode against such a
// server.)
func decodeTerminal(evs []connEvent, data []byte, at time.Time) []connEvent {
	if len(data) == 0 {
		return evs
	}
	evs = append(evs, connEvent{kind: evText, text: string(data), at: at})
	if data[len(data)-1] != '\n' {
		evs = append(evs, connEvent{kind: evPrompt, at: at})
	}
	return evs
}

// jsonMessage is a text message of json.mudstandards.org.
type jsonMessage struct {
	Proto string `json:"proto"`
	ID    string `json:"id"`
	Data  string `json:"data"`
}

// decodeJSONMessage reads a text message of json.mudstandards.org: a
// "prompt" is its data then the end-of-output marker, "text" is text,
// anything else (gmcp) is out-of-band data. An object without a proto is
// malformed.
func decodeJSONMessage(evs []connEvent, data []byte, at time.Time) ([]connEvent, error) {
	var jm jsonMessage
	if err := json.Unmarshal(data, &jm); err != nil {
		return evs, fmt.Errorf("%w: not a {proto, id, data} object", ErrMalformedMessage)
	}
	switch jm.Proto {
	case "":
		return evs, fmt.Errorf("%w: no proto", ErrMalformedMessage)
	case "prompt":
		if jm.Data != "" {
			evs = append(evs, connEvent{kind: evText, text: jm.Data, at: at})
		}
		return append(evs, connEvent{kind: evPrompt, at: at}), nil
	case "text":
		if jm.Data == "" {
			return evs, nil
		}
		return append(evs, connEvent{kind: evText, text: jm.Data, at: at}), nil
	}
	return append(evs, connEvent{kind: evOOB, at: at}), nil
}

// decodeV1 reads a message of Evennia's v1 format. A "text" message is
// text, its HTML turned back into what the game wrote (see htmlToText),
// and a "prompt" message is its text followed by the end-of-output
// marker, as IAC GA ends a telnet prompt; other commands are out-of-band
// data. A message that is not ["cmd", [args...], ...] with a string
// command is refused with ErrMalformedMessage.
func decodeV1(evs []connEvent, data []byte, at time.Time) ([]connEvent, error) {
	var msg []json.RawMessage
	if err := json.Unmarshal(data, &msg); err != nil || len(msg) == 0 {
		return evs, fmt.Errorf("%w: not a non-empty JSON array", ErrMalformedMessage)
	}
	var name string
	if err := json.Unmarshal(msg[0], &name); err != nil {
		return evs, fmt.Errorf("%w: the command is not a string", ErrMalformedMessage)
	}
	if name != "text" && name != "prompt" {
		return append(evs, connEvent{kind: evOOB, at: at}), nil
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
// a text message in terminal format, in a binary one in the JSON and
// GMCP formats).
func (c *wsConn) send(line string) error {
	ctx, cancel := context.WithTimeout(context.Background(), wsWriteTimeout)
	defer cancel()
	for l := range strings.Lines(line) {
		l = strings.TrimRight(l, "\r\n")
		typ, b, err := c.encodeLine(l)
		if err != nil {
			return err
		}
		if err := c.ws.Write(ctx, typ, b); err != nil {
			return err
		}
		c.bytesOut.Add(int64(len(b)))
	}
	return nil
}

// encodeLine is one input line as a message of the connection's format.
func (c *wsConn) encodeLine(l string) (websocket.MessageType, []byte, error) {
	switch c.format {
	case SubprotocolTerminal:
		return websocket.MessageText, []byte(l), nil
	case SubprotocolJSON, SubprotocolGMCP:
		return websocket.MessageBinary, []byte(l), nil
	}
	b, err := json.Marshal([]any{"text", []string{l}, map[string]any{}})
	return websocket.MessageText, b, err
}

// loggedIn implements oobAsker: it asks for the name of the character's
// room out of band, in the connection's format (the terminal format has
// no out-of-band data).
func (c *wsConn) loggedIn() error {
	var b []byte
	switch c.format {
	case SubprotocolTerminal:
		return nil
	case SubprotocolJSON:
		b = []byte(`{"proto": "gmcp", "id": "Char.Value.Get", "data": "{\"name\": \"room_name\"}"}`)
	case SubprotocolGMCP:
		b = []byte(gmcpLoggedIn)
	default:
		b = []byte(`["get_value", [], {"name": "room_name"}]`)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wsWriteTimeout)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
		return err
	}
	c.bytesOut.Add(int64(len(b)))
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
		malformed: c.malformed.Load(), oob: c.oob.Load(), decode: time.Duration(c.decodeNs.Load())}
}

// close implements conn: at once, with no close handshake (which would
// wait for the server's answer); a player that logged out has seen the
// server close already.
func (c *wsConn) close() {
	c.hangUp()
	_ = c.ws.CloseNow()
}
