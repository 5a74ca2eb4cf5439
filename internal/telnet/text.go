package telnet

import (
	"unicode/utf8"
)

// DecodeText converts a line of client input to a string. Valid UTF-8 is
// returned unchanged with valid true. Anything else is decoded as Latin-1
// (ISO-8859-1: every byte is the code point of the same value) with valid
// false, so the caller can count and warn about non-UTF-8 clients. No
// bytes are dropped or replaced, NUL included.
func DecodeText(b []byte) (s string, valid bool) {
	if utf8.Valid(b) {
		return string(b), true
	}
	buf := make([]byte, 0, len(b)+len(b)/2)
	for _, c := range b {
		buf = utf8.AppendRune(buf, rune(c))
	}
	return string(buf), false
}
