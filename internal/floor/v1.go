package floor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// SubprotocolV1 is Evennia's webclient format, the one the floor's
// websocket door speaks: every message a JSON text frame
// ["cmd", [args...], {kwargs}] both ways; the client's input line is
// ["text", [line], {}], and a line for the client is ["text", [html], {}].
const SubprotocolV1 = "v1.evennia.com"

// v1TextPrefix and v1TextSuffix frame a text message as the dummyrunner
// (and Evennia's webclient) writes it: the fast path of ParseV1.
var (
	v1TextPrefix = []byte(`["text",["`)
	v1TextSuffix = []byte(`"],{}]`)
)

// ParseV1 reads one client message of Evennia's webclient format. A
// "text" message gives its first argument, the input line (text is
// true; a text without arguments is an empty line). Any other command
// is out-of-band data the floor has no use for: text is false, no
// error. A message that is not a JSON array starting with a string
// command, or whose text is not a string, is ErrBadFrame.
//
// The line is a slice of msg when it holds no escape (the common case);
// otherwise it is decoded into new memory.
func ParseV1(msg []byte) (line []byte, text bool, err error) {
	if rest, ok := bytes.CutPrefix(msg, v1TextPrefix); ok {
		if s, ok := bytes.CutSuffix(rest, v1TextSuffix); ok && plainJSONString(s) {
			return s, true, nil
		}
	}
	var m []json.RawMessage
	if err := json.Unmarshal(msg, &m); err != nil || len(m) == 0 {
		return nil, false, fmt.Errorf("%w: not a non-empty JSON array", ErrBadFrame)
	}
	var cmd string
	if err := json.Unmarshal(m[0], &cmd); err != nil {
		return nil, false, fmt.Errorf("%w: the command is not a string", ErrBadFrame)
	}
	if cmd != "text" {
		return nil, false, nil
	}
	var args []json.RawMessage
	if len(m) > 1 {
		if err := json.Unmarshal(m[1], &args); err != nil {
			return nil, false, fmt.Errorf("%w: the args of text are not a list", ErrBadFrame)
		}
	}
	if len(args) == 0 {
		return nil, true, nil
	}
	var s string
	if err := json.Unmarshal(args[0], &s); err != nil {
		return nil, false, fmt.Errorf("%w: the text is not a string", ErrBadFrame)
	}
	return []byte(s), true, nil
}

// plainJSONString says whether s is the inside of a JSON string that
// needs no decoding: no quote, backslash or control character, valid
// UTF-8.
func plainJSONString(s []byte) bool {
	for _, c := range s {
		if c < 0x20 || c == '"' || c == '\\' {
			return false
		}
	}
	return utf8.Valid(s)
}

// AppendV1Text appends line as a v1 text message for a browser,
// ["text", [html], {}], to b: the line's &, < and > as HTML entities
// (Evennia's text is HTML), the result a JSON string; bytes that are
// not UTF-8 become U+FFFD.
func AppendV1Text(b, line []byte) []byte {
	b = append(b, v1TextPrefix...)
	for i := 0; i < len(line); {
		c := line[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '&':
				b = append(b, "&amp;"...)
			case c == '<':
				b = append(b, "&lt;"...)
			case c == '>':
				b = append(b, "&gt;"...)
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigit[c>>4], hexDigit[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(line[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, line[i:i+size]...)
		}
		i += size
	}
	return append(b, v1TextSuffix...)
}

const hexDigit = "0123456789abcdef"
