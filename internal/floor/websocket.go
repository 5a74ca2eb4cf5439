package floor

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/coder/websocket"
)

// The websocket door: a client upgrades at any path, offering
// SubprotocolV1 (or nothing: v1 is then assumed, as Evennia does), and
// is a client like a line client, over the same backend connection.
// Each text message ["text", [line], {}] is a line (several when the
// text holds line ends); every line for it is one text message
// ["text", [html], {}]. Out-of-band commands are dropped (counted in
// OOB); binary and malformed messages are refused (counted in
// BadFrames) and the client stays; a message over the limit closes it.
// No ping, no prompt, no browser session: what a load generator needs
// to log in and send and receive lines, nothing more.

// wsHandshakeTimeout bounds the HTTP request of an upgrade.
const wsHandshakeTimeout = 10 * time.Second

// wsMessageLimit is the longest message read, in bytes, for lines of
// maxLine: the longest line escaped (every byte \uXXXX would be six) and
// the framing; a longer message closes the client.
func wsMessageLimit(maxLine int) int64 { return int64(6*maxLine + 1024) }

// websocketServer is the websocket door's HTTP server.
func (r *Relay) websocketServer() *http.Server {
	return &http.Server{
		Handler:           http.HandlerFunc(r.serveWebsocket),
		ReadHeaderTimeout: wsHandshakeTimeout,
		IdleTimeout:       wsHandshakeTimeout,
		ErrorLog:          slog.NewLogLogger(r.log.Handler(), slog.LevelDebug),
	}
}

// serveWebsocket upgrades one request and serves the client until it
// goes away (the HTTP server's goroutine is the client's reader).
func (r *Relay) serveWebsocket(w http.ResponseWriter, req *http.Request) {
	ws, err := websocket.Accept(w, req, &websocket.AcceptOptions{Subprotocols: []string{SubprotocolV1}})
	if err != nil {
		return // Accept answered with the HTTP error
	}
	ws.SetReadLimit(wsMessageLimit(r.cfg.MaxLine))
	p := peer{ws: ws}
	id, ok := r.register(p)
	if !ok {
		_ = ws.CloseNow()
		return
	}
	defer r.wg.Done()
	r.websockets.Add(1)
	r.serveClient(id, p)
}

// readWebsocket reads a websocket client's messages until it goes away.
func (r *Relay) readWebsocket(id uint64, ws *websocket.Conn) {
	var msg bytes.Buffer
	for {
		typ, rd, err := ws.Reader(context.Background())
		if err != nil {
			return
		}
		msg.Reset()
		if _, err := msg.ReadFrom(rd); err != nil {
			if websocket.CloseStatus(err) == -1 { // not the client's close: over the limit, or a broken frame
				r.badFrames.Add(1)
			}
			return
		}
		if typ != websocket.MessageText {
			r.badFrames.Add(1)
			continue
		}
		text, isText, err := ParseV1(msg.Bytes())
		switch {
		case err != nil:
			r.badFrames.Add(1)
			continue
		case !isText:
			r.oob.Add(1)
			continue
		}
		for {
			line, rest, more := bytes.Cut(text, []byte{'\n'})
			line = bytes.TrimSuffix(line, []byte{'\r'})
			if len(line) > r.cfg.MaxLine {
				line = line[:r.cfg.MaxLine]
				r.long.Add(1)
			}
			r.in.Add(1)
			if !r.send(AppendFrame(make([]byte, 0, len(line)+24), id, KindData, line)) {
				return
			}
			if !more {
				break
			}
			text = rest
		}
	}
}

// hangUp closes a client the echo hung up: a line client at once, a
// websocket with a close frame (1000), in the background (the close
// handshake waits for the client's answer).
func (r *Relay) hangUp(p peer) {
	if p.ws == nil {
		p.close()
		return
	}
	r.wg.Go(func() { _ = p.ws.Close(websocket.StatusNormalClosure, "") })
}
