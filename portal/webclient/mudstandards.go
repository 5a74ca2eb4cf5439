package webclient

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/telnet"
)

// The MUD standards' websocket formats (mudstandards.org) share their
// text: binary messages of UTF-8 text, in (each line an input) and out
// (ANSI, a text ending in a line end, a prompt in the terminal and GMCP
// formats without one). They differ in what else they carry.

// terminalEncodeText writes text and prompts as ANSI in binary messages.
func terminalEncodeText(c link.Command, r Renderer) []Message {
	s, _ := c.FirstString()
	s = r.ANSI(s)
	if c.Name == "text" && !strings.HasSuffix(s, "\n") {
		s += "\r\n"
	}
	return []Message{{Binary: true, Data: []byte(s)}}
}

// jsonFormat is json.mudstandards.org.
type jsonFormat struct{}

func (jsonFormat) Name() string { return ProtoJSON }

// jsonMessage is a text message of json.mudstandards.org.
type jsonMessage struct {
	Proto string `json:"proto"`
	ID    string `json:"id"`
	Data  string `json:"data"`
}

// Decode reads a binary message as text lines, and a text message as
// {"proto", "id", "data"}: gmcp is a GMCP message (id the package, data
// its JSON), text is text, websocket_close asks to close; any other proto
// is a command named by id (or proto) with data as JSON: an object its
// kwargs, an array its args, anything else one argument.
func (jsonFormat) Decode(m Message) ([]link.Command, error) {
	if m.Binary {
		return textLines(m.Data), nil
	}
	var jm jsonMessage
	if err := json.Unmarshal(m.Data, &jm); err != nil {
		return nil, fmt.Errorf("%w: not a {proto, id, data} object: %w", ErrMalformed, err)
	}
	switch jm.Proto {
	case "":
		return nil, fmt.Errorf("%w: no proto", ErrMalformed)
	case "gmcp":
		return decodeGMCP([]byte(jm.ID + " " + jm.Data))
	case "text":
		return textLines([]byte(jm.Data)), nil
	case CloseCommand:
		return []link.Command{{Name: CloseCommand}}, nil
	}
	c := link.Command{Name: jm.ID}
	if c.Name == "" {
		c.Name = jm.Proto
	}
	if strings.TrimSpace(jm.Data) == "" {
		return []link.Command{c}, nil
	}
	var v any
	if err := decodeJSON([]byte(jm.Data), &v); err != nil {
		return nil, fmt.Errorf("%w: the data of %q: %w", ErrMalformed, c.Name, err)
	}
	switch v := v.(type) {
	case map[string]any:
		c.Kwargs = v
	case []any:
		c.Args = v
	default:
		c.Args = []any{v}
	}
	return []link.Command{c}, nil
}

// Encode writes text as ANSI in a binary message, a prompt as
// {"proto": "prompt", "data": ANSI}, and out-of-band commands as
// {"proto": "gmcp", "id": "Package.Name", "data": "json"}.
func (jsonFormat) Encode(c link.Command, r Renderer) []Message {
	switch c.Name {
	case "options":
		return nil
	case "text":
		return terminalEncodeText(c, r)
	case "prompt":
		s, _ := c.FirstString()
		return jsonText(jsonMessage{Proto: "prompt", Data: r.ANSI(s)})
	}
	payload, err := telnet.EncodeGMCP(c.Name, c.Args, c.Kwargs)
	if err != nil {
		return nil
	}
	id, data, _ := bytes.Cut(payload, []byte(" "))
	return jsonText(jsonMessage{Proto: "gmcp", ID: string(id), Data: string(data)})
}

func jsonText(jm jsonMessage) []Message {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(jm); err != nil {
		return nil
	}
	return []Message{{Data: bytes.TrimSuffix(b.Bytes(), []byte("\n"))}}
}

// gmcpFormat is gmcp.mudstandards.org.
type gmcpFormat struct{}

func (gmcpFormat) Name() string { return ProtoGMCP }

// Decode reads a binary message as text lines and a text message as one
// GMCP message ("Package.Name json").
func (gmcpFormat) Decode(m Message) ([]link.Command, error) {
	if m.Binary {
		return textLines(m.Data), nil
	}
	return decodeGMCP(m.Data)
}

// Encode writes text and prompts as ANSI in binary messages, and
// out-of-band commands as GMCP strings in text messages.
func (gmcpFormat) Encode(c link.Command, r Renderer) []Message {
	switch c.Name {
	case "options":
		return nil
	case "text", "prompt":
		return terminalEncodeText(c, r)
	}
	payload, err := telnet.EncodeGMCP(c.Name, c.Args, c.Kwargs)
	if err != nil {
		return nil
	}
	return []Message{{Data: payload}}
}

// decodeGMCP reads one GMCP message, its JSON bounded like every other.
func decodeGMCP(payload []byte) ([]link.Command, error) {
	if telnet.JSONDepth(payload) > MaxDepth {
		return nil, ErrTooDeep
	}
	oob, ok := telnet.DecodeGMCP(payload)
	if !ok {
		return nil, fmt.Errorf("%w: an empty GMCP message", ErrMalformed)
	}
	if oob.Name == "" {
		return nil, fmt.Errorf("%w: a GMCP message without a name", ErrMalformed)
	}
	return []link.Command{{Name: oob.Name, Args: oob.Args, Kwargs: oob.Kwargs}}, nil
}
