package dummyrunner

import (
	"html"
	"strings"
)

// htmlToText turns the HTML a portal sends a browser back into the
// text the game wrote, for matching the output (login_success, the echo
// answers): a <br> tag (any case, "<br/>", "<br />") is a newline, every
// other tag is dropped, and entities are decoded after, so "&lt;b&gt;" is
// the text "<b>". A "<" with no ">" after it is text.
func htmlToText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(s)
			break
		}
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		if isBreak(s[i+1 : i+j]) {
			b.WriteByte('\n')
		}
		s = s[i+j+1:]
	}
	return html.UnescapeString(b.String())
}

// isBreak reports whether a tag's inside ("br", "BR/", "br /") is a line break.
func isBreak(tag string) bool {
	tag = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(tag), "/"))
	return strings.EqualFold(tag, "br")
}
