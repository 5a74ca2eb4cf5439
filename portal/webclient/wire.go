package webclient

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"strings"
	"unicode/utf8"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/telnet"
)

// The websocket subprotocols the portal speaks.
const (
	// ProtoV1 is Evennia's own webclient format, also used when the
	// client offers no subprotocol.
	ProtoV1 = "v1.evennia.com"
	// ProtoJSON is the MUD standards' JSON format: text in binary
	// messages both ways (ANSI out), everything else as JSON objects
	// {"proto", "id", "data"} in text messages.
	ProtoJSON = "json.mudstandards.org"
	// ProtoGMCP is the MUD standards' GMCP format: text in binary
	// messages (ANSI out), out-of-band data as GMCP strings
	// ("Package.Name json") in text messages.
	ProtoGMCP = "gmcp.mudstandards.org"
	// ProtoTerminal is the MUD standards' plain terminal format: text in
	// any message, ANSI text out in binary messages, no out-of-band data.
	ProtoTerminal = "terminal.mudstandards.org"
)

// Subprotocols lists the subprotocols the portal accepts, in the order
// it prefers them (Evennia's): of those a client offers, the first in
// this list wins.
var Subprotocols = []string{ProtoV1, ProtoJSON, ProtoGMCP, ProtoTerminal}

// CloseCommand is the input command that asks the portal to close the
// connection (Evennia's "websocket_close"), in any format.
const CloseCommand = "websocket_close"

// MaxDepth bounds how deeply a JSON message's arguments may nest: deeper
// ones are refused with [ErrTooDeep] (the link could not carry them).
const MaxDepth = 16

// Message is one websocket message.
type Message struct {
	// Binary marks a binary message; otherwise it is a text message.
	Binary bool
	// Data is the message's payload.
	Data []byte
}

// Renderer turns the game's text (with its colour markup) into what a
// format sends: HTML for a browser, ANSI for a terminal.
type Renderer interface {
	HTML(text string) string
	ANSI(text string) string
}

// Format is one wire format: how the portal reads a client's messages
// and writes its output.
type Format interface {
	// Name is the subprotocol's name.
	Name() string
	// Decode turns one message from the client into input commands;
	// an error says why the message was refused (none is then input).
	Decode(m Message) ([]link.Command, error)
	// Encode turns one output command into messages; none when the
	// format has no way to carry it (out-of-band data on a terminal).
	// text and prompt commands carry their text in Args[0].
	Encode(c link.Command, r Renderer) []Message
}

// Select returns the format for the subprotocol the handshake chose:
// v1 for "" (the client offered none, or none we speak).
func Select(subprotocol string) Format {
	switch subprotocol {
	case ProtoJSON:
		return jsonFormat{}
	case ProtoGMCP:
		return gmcpFormat{}
	case ProtoTerminal:
		return terminalFormat{}
	}
	return v1Format{}
}

// v1Format is Evennia's webclient format.
type v1Format struct{}

func (v1Format) Name() string { return ProtoV1 }

// Decode reads ["cmd", [args], {kwargs}]. As in Evennia, a message with
// more than three elements keeps the first three; unlike Evennia (bug
// 5.33), a command name that is not a non-empty string, args that are not
// a list, or kwargs that are not an object are refused, not a crash. Args
// and kwargs may be left out.
func (v1Format) Decode(m Message) ([]link.Command, error) {
	var arr []json.RawMessage
	if err := json.Unmarshal(m.Data, &arr); err != nil {
		return nil, fmt.Errorf("%w: not a JSON array: %w", ErrMalformed, err)
	}
	if len(arr) == 0 {
		return nil, fmt.Errorf("%w: an empty array", ErrMalformed)
	}
	var c link.Command
	if err := json.Unmarshal(arr[0], &c.Name); err != nil || c.Name == "" {
		return nil, fmt.Errorf("%w: the command name is not a non-empty string", ErrMalformed)
	}
	if len(arr) > 1 && !isNull(arr[1]) {
		if err := decodeJSON(arr[1], &c.Args); err != nil {
			return nil, fmt.Errorf("%w: the args of %q: %w", ErrMalformed, c.Name, err)
		}
	}
	if len(arr) > 2 && !isNull(arr[2]) {
		if err := decodeJSON(arr[2], &c.Kwargs); err != nil {
			return nil, fmt.Errorf("%w: the kwargs of %q: %w", ErrMalformed, c.Name, err)
		}
	}
	if len(c.Args) == 0 {
		c.Args = nil
	}
	if len(c.Kwargs) == 0 {
		c.Kwargs = nil
	}
	return []link.Command{c}, nil
}

// Encode writes ["cmd", [args], {kwargs}] in a text message. Text and
// prompts have their first argument rendered as HTML (or HTML-escaped
// only, with the "raw" option); the "options" kwarg is the portal's, not
// the page's, and is left out, as is the "options" command itself.
func (v1Format) Encode(c link.Command, r Renderer) []Message {
	if c.Name == "options" {
		return nil
	}
	args, kwargs := c.Args, c.Kwargs
	if c.Name == "text" || c.Name == "prompt" {
		text, _ := c.FirstString()
		opts, _ := kwargs["options"].(map[string]any)
		if raw, _ := opts["raw"].(bool); raw {
			text = escapeHTML(text)
		} else {
			text = r.HTML(text)
		}
		args = append([]any{text}, args[min(1, len(args)):]...)
		if opts != nil {
			kwargs = withoutKey(kwargs, "options")
		}
	}
	if args == nil {
		args = []any{}
	}
	if kwargs == nil {
		kwargs = map[string]any{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // the HTML is meant as HTML: \u003c for every < would triple its size
	if err := enc.Encode([]any{c.Name, args, kwargs}); err != nil {
		return nil // values the link carries always encode; anything else is not sent
	}
	return []Message{{Data: bytes.TrimSuffix(b.Bytes(), []byte("\n"))}}
}

// terminalFormat is terminal.mudstandards.org.
type terminalFormat struct{}

func (terminalFormat) Name() string { return ProtoTerminal }

// Decode reads every message as text: each line is one input.
func (terminalFormat) Decode(m Message) ([]link.Command, error) {
	return textLines(m.Data), nil
}

// Encode writes text and prompts as ANSI in binary messages; text gets
// a line end. Out-of-band commands have no place in this format.
func (terminalFormat) Encode(c link.Command, r Renderer) []Message {
	switch c.Name {
	case "text", "prompt":
		return terminalEncodeText(c, r)
	}
	return nil
}

// textLines splits text into one "text" command per line; empty
// lines and a final line break make no command. Bytes that are not UTF-8
// become U+FFFD.
func textLines(b []byte) []link.Command {
	s := string(b)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	var out []link.Command
	for line := range strings.Lines(s) {
		line = strings.TrimRight(line, "\r\n")
		if strings.TrimSpace(line) == "" {
			continue
		}
		out = append(out, link.Text(line))
	}
	return out
}

// decodeJSON unmarshals raw into v, refusing values nested deeper than MaxDepth.
func decodeJSON(raw json.RawMessage, v any) error {
	if telnet.JSONDepth(raw) > MaxDepth {
		return ErrTooDeep
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	return dec.Decode(v)
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// withoutKey returns a copy of m without key.
func withoutKey(m map[string]any, key string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if k != key {
			out[k] = v
		}
	}
	return out
}

// escapeHTML escapes text for HTML, newlines as <br>.
func escapeHTML(s string) string {
	return strings.ReplaceAll(html.EscapeString(s), "\n", "<br>")
}
