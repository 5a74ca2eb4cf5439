package portal

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/portalsim/portalsim/internal/telnet"
)

func TestCutText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		s    string
		n    int
		want string
	}{
		{"fits", "hello", 5, "hello"},
		{"ascii", "hello world", 5, "hello"},
		{"nothing", "hello", 0, ""},
		{"negative", "hello", -3, ""},
		{"before a rune cut through", "abé", 3, "ab"}, // é is 2 bytes at 2..3
		{"after a whole rune", "abéc", 4, "abé"},
		{"a 4-byte rune", "a😀b", 4, "a"},
		{"not between CR and LF", "ab\r\ncd", 3, "ab"},
		{"after a line end", "ab\r\ncd", 4, "ab\r\n"},
		{"a lone CR may end it", "ab\rcd", 3, "ab\r"},
		{"before a colour cut through", "ab\x1b[1;31mcd", 6, "ab"},
		{"after a whole colour", "ab\x1b[1;31mcd", 9, "ab\x1b[1;31m"},
		{"right after ESC", "ab\x1b[0m", 3, "ab"},
		{"a two-byte escape", "ab\x1bMcd", 4, "ab\x1bM"},
		{"inside an OSC link", "a\x1b]8;;http://x\x07link\x1b]8;;\x07", 8, "a"},
		{"after a whole OSC with BEL", "a\x1b]8;;u\x07bc", 9, "a\x1b]8;;u\x07b"},
		{"between ESC and \\ of an OSC's ST", "a\x1b]8;;u\x1b\\bc", 8, "a"},
		{"after an OSC ended by ST", "a\x1b]8;;u\x1b\\bc", 10, "a\x1b]8;;u\x1b\\b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := cutText(tt.s, tt.n); got != tt.want {
				t.Fatalf("cutText(%q, %d) = %q, want: %q", tt.s, tt.n, got, tt.want)
			}
		})
	}
}

// fitText's result, with the marker, fits in max, whatever the text
// does to its encoding (every byte an IAC or a bare LF doubles).
func TestFitTextFitsEncoded(t *testing.T) {
	t.Parallel()
	encode := func(s string) []byte { return telnet.AppendEscaped(nil, []byte(s)) }
	for _, text := range []string{
		strings.Repeat("x", 10_000),
		strings.Repeat("\n", 10_000),
		strings.Repeat("\xff", 10_000),
		strings.Repeat("é\x1b[31m\r\n", 2000),
	} {
		got := fitText(text, 1000, encode)
		if len(got) > 1000 {
			t.Fatalf("fitText of %q... = %d bytes, want at most 1000", text[:8], len(got))
		}
		if !strings.Contains(string(got), "[... output cut: ") {
			t.Fatalf("no marker in %q", got)
		}
		if len(got) < 400 {
			t.Fatalf("fitText of %q... kept only %d bytes of 1000", text[:8], len(got))
		}
	}
}

// What cutText returns is a prefix of at most n bytes, valid UTF-8 if
// the text was, never ending inside an escape sequence or a CR LF.
func FuzzCutText(f *testing.F) {
	f.Add("ab\x1b[1;31mcdé\r\n\x1b]8;;u\x1b\\x", 7)
	f.Add("😀😀\r\n", 5)
	f.Fuzz(func(t *testing.T, s string, n int) {
		got := cutText(s, n)
		if !strings.HasPrefix(s, got) || len(got) > max(n, 0) && got != s {
			t.Fatalf("cutText(%q, %d) = %q: not a prefix of at most n bytes", s, n, got)
		}
		if got == s {
			return
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("cutText(%q, %d) = %q: a rune cut through", s, n, got)
		}
		if strings.HasSuffix(got, "\r") && s[len(got)] == '\n' {
			t.Fatalf("cutText(%q, %d) = %q: a CR LF cut through", s, n, got)
		}
		if esc := strings.LastIndexByte(got, '\x1b'); esc >= 0 && !escapeComplete(got[esc:]) {
			t.Fatalf("cutText(%q, %d) = %q: an escape sequence cut through", s, n, got)
		}
		if n > 0 && len(got) < n-utf8.UTFMax && !strings.Contains(s[len(got):n], "\x1b") {
			t.Fatalf("cutText(%q, %d) = %q: cut more than a rune short with no escape sequence in the way", s, n, got)
		}
	})
}
