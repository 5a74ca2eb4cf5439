package render

import (
	"strconv"
	"strings"
	"unicode"
)

// SafeText is safeText for the commands that print a report's text
// themselves.
func SafeText(s string) string { return safeText(s) }

// safeText escapes the characters of s a terminal would act on, as Go
// escapes them in a string literal ("\x1b", "\n", "\u202e"): a report
// file is someone else's text, and its action names, reasons and notes
// must not move the reader's cursor, clear their screen, reverse the
// text or start a new line in a table. Printable text is unchanged.
func safeText(s string) string {
	if strings.IndexFunc(s, unsafeRune) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unsafeRune(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// unsafeRune reports whether a terminal or a table would act on r: a
// control character (newline and tab too: they break a table's rows and
// columns), a line or paragraph separator, or a bidirectional control.
func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r)
}
