package portal

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// A single output message larger than half a client's outbound buffer
// (Config.OutboundLimit) could make a client that reads as fast as it
// can a slow consumer, with what follows it (a prompt). Such a message is
// cut instead, to half the buffer, at a place where
// text can be cut, and ends with a marker saying how much is missing.
// Protocols cut text before they encode it for the wire (telnet's IAC
// doubling and line ends), so no wire sequence can be split.

// cutMarker ends a message of which cut bytes were not shown.
func cutMarker(cut int) string {
	return "\r\n[... output cut: " + strconv.Itoa(cut) + " bytes not shown]\r\n"
}

// cutText returns the longest prefix of s of at most n bytes that ends
// where text can be cut: not inside a UTF-8 sequence, not between the CR
// and the LF of a line end, and not inside an ANSI escape sequence (a
// colour, a cursor move, an OSC hyperlink), which a client would
// otherwise apply to the marker and everything after.
func cutText(s string, n int) string {
	if n >= len(s) {
		return s
	}
	if n <= 0 {
		return ""
	}
	for i := 0; i < utf8.UTFMax-1 && n > 0 && !utf8.RuneStart(s[n]); i++ {
		n-- // back to the start of the rune cut through (valid UTF-8 needs at most 3 steps)
	}
	if n > 0 && s[n-1] == '\r' && s[n] == '\n' {
		n--
	}
	for {
		esc := strings.LastIndexByte(s[:n], '\x1b')
		if esc < 0 || escapeComplete(s[esc:n]) {
			return s[:n]
		}
		n = esc // an escape sequence cut through goes entirely; one it was inside of is checked next
	}
}

// escapeComplete reports whether seq, which starts with ESC, holds a
// whole escape sequence: ESC [ ... final (CSI), ESC ] ... BEL or ESC \
// (OSC, whose ESC \ is itself a complete two-byte sequence), or ESC and
// one more byte.
func escapeComplete(seq string) bool {
	if len(seq) < 2 {
		return false
	}
	switch seq[1] {
	case '[':
		for _, c := range []byte(seq[2:]) {
			if c >= 0x40 && c <= 0x7e {
				return true // the final byte
			}
		}
		return false
	case ']': // OSC: BEL or ST
		return strings.IndexByte(seq[2:], '\a') >= 0
	case 'P', 'X', '^', '_': // DCS, SOS, PM, APC: a string only ST ends
		return strings.Contains(seq[2:], "\x1b\\")
	}
	if c := seq[1]; c >= 0x20 && c <= 0x2f { // nF (ESC ( B, ESC # 8): intermediates, then a final byte
		for _, c := range []byte(seq[2:]) {
			if c >= 0x30 && c <= 0x7e {
				return true
			}
		}
		return false
	}
	return true
}

// fitText returns text encoded by encode, cut so that the encoding, with
// its marker, takes at most max bytes (or only the marker, if even that
// does not fit). An encoding that is too long is cut in proportion to
// how much too long it is (an encoding may take two bytes for one:
// telnet's IAC and bare LF), and by one byte at least, so every pass
// keeps less.
func fitText(text string, max int, encode func(string) []byte) []byte {
	n := max - len(cutMarker(len(text)))
	for {
		kept := cutText(text, n)
		b := encode(kept + cutMarker(len(text)-len(kept)))
		if len(b) <= max || len(kept) == 0 {
			return b
		}
		n = len(kept) - (len(b)-max)*len(kept)/len(b) - 1
	}
}

// fitOutput returns text encoded by encode for a client whose outbound
// buffer holds limit bytes: cut with a marker (fitText) and counted when
// the encoding is larger than half of it. Every door's text goes through it.
func (h *Handler) fitOutput(limit int, text string, encode func(string) []byte) []byte {
	b, cut := fitEncoded(limit, text, encode)
	if cut {
		h.countOutputCut()
	}
	return b
}

// fitEncoded is fitOutput without the count: the encoding, and whether
// it was cut.
func fitEncoded(limit int, text string, encode func(string) []byte) ([]byte, bool) {
	b := encode(text)
	if limit > 0 && len(b) > limit/2 {
		return fitText(text, limit/2, encode), true
	}
	return b, false
}
