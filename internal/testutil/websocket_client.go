package testutil

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// WebsocketClient is a scripted websocket client of the portal's
// websocket door speaking Evennia's webclient format (v1.evennia.com). Its
// transcript holds the text of "text" messages with the HTML undone
// (<br> as a newline, tags dropped, entities decoded), a prompt's text
// followed by PromptMark, and every message as JSON in Frames.
type WebsocketClient struct {
	ws *websocket.Conn
	transcript

	framesMu sync.Mutex
	frames   []string
}

// DialWebsocket connects to a websocket door at addr (host:port) with the
// URL query query (Evennia's "<csessid>&<page id>&<browser>", or "") and,
// if given, subprotocols to offer.
func DialWebsocket(addr, query string, subprotocols ...string) (*WebsocketClient, error) {
	return DialWebsocketHeader(addr, query, nil, subprotocols...)
}

// DialWebsocketHeader is [DialWebsocket] with extra request headers.
func DialWebsocketHeader(addr, query string, header http.Header, subprotocols ...string) (*WebsocketClient, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	u := "ws://" + addr + "/"
	if query != "" {
		u += "?" + query
	}
	ws, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{Subprotocols: subprotocols, HTTPHeader: header})
	if err != nil {
		return nil, fmt.Errorf("testutil: dial %s: %w", u, err)
	}
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	ws.SetReadLimit(-1)
	c := &WebsocketClient{ws: ws}
	c.transcript.init()
	go c.read()
	return c, nil
}

// Subprotocol is the subprotocol the server chose ("" for none).
func (c *WebsocketClient) Subprotocol() string { return c.ws.Subprotocol() }

func (c *WebsocketClient) read() {
	for {
		_, b, err := c.ws.Read(context.Background())
		if err != nil {
			c.fail(err)
			return
		}
		c.framesMu.Lock()
		c.frames = append(c.frames, string(b))
		c.framesMu.Unlock()
		var msg []json.RawMessage
		if json.Unmarshal(b, &msg) != nil || len(msg) < 2 {
			c.add(string(b)) // not v1: the payload as it came
			continue
		}
		var name string
		var args []any
		_ = json.Unmarshal(msg[0], &name)
		_ = json.Unmarshal(msg[1], &args)
		text := ""
		if len(args) > 0 {
			text, _ = args[0].(string)
		}
		switch name {
		case "text":
			c.add(untag(text) + "\n")
		case "prompt":
			c.add(untag(text) + PromptMark)
		}
	}
}

// untag turns the portal's HTML back into text.
func untag(s string) string {
	s = strings.ReplaceAll(s, "<br>", "\n")
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>' && in:
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return html.UnescapeString(b.String())
}

// Frames returns every message received so far, as it came.
func (c *WebsocketClient) Frames() []string {
	c.framesMu.Lock()
	defer c.framesMu.Unlock()
	return append([]string(nil), c.frames...)
}

// SendCommand sends ["cmd", args, kwargs].
func (c *WebsocketClient) SendCommand(cmd string, args []any, kwargs map[string]any) error {
	if args == nil {
		args = []any{}
	}
	if kwargs == nil {
		kwargs = map[string]any{}
	}
	b, err := json.Marshal([]any{cmd, args, kwargs})
	if err != nil {
		return err
	}
	return c.SendRaw(websocket.MessageText, b)
}

// Send sends one line of text: ["text", [line], {}].
func (c *WebsocketClient) Send(line string) error { return c.SendCommand("text", []any{line}, nil) }

// SendRaw sends one message as given.
func (c *WebsocketClient) SendRaw(typ websocket.MessageType, b []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return c.ws.Write(ctx, typ, b)
}

// Command sends line and returns the output up to the next prompt.
func (c *WebsocketClient) Command(line string, timeout time.Duration) (string, error) {
	if err := c.Send(line); err != nil {
		return "", err
	}
	return c.ReadPrompt(timeout)
}

// Close closes the connection normally (1000), as a browser tab does.
func (c *WebsocketClient) Close() error {
	return c.ws.Close(websocket.StatusNormalClosure, "")
}

// Drop ends the connection with no close frame, as a lost network or a
// killed browser does: the server sees an abnormal close (1006).
func (c *WebsocketClient) Drop() error { return c.ws.CloseNow() }

// CloseStatus is the close code the server sent, or -1.
func (c *WebsocketClient) CloseStatus() websocket.StatusCode {
	c.mu.Lock()
	defer c.mu.Unlock()
	return websocket.CloseStatus(c.err)
}

// Get fetches path from an HTTP address, for the web door's page.
func Get(addr, path string) (*http.Response, error) {
	cl := &http.Client{Timeout: 5 * time.Second}
	return cl.Get("http://" + addr + path)
}
