package markup

import "strings"

// Strip returns text without colour: markup and raw SGR escapes removed,
// text markup (|/ |- |> |_) and escapes (||) resolved, links replaced by
// their label (a command link) or URL (a URL link). It is Evennia's
// strip_ansi, and what a [None] depth client gets.
func Strip(text string) string {
	return render(Parse(text), None)
}

// ScreenReader returns text as Evennia sends it to a client with the
// SCREENREADER flag (telnet and web alike): [Strip], then without the
// runs of box-drawing characters a screen reader would spell out. The
// runs are those of Evennia's default SCREENREADER_REGEX_STRIP: "+-…",
// "+~", a "+" at the end of a line, and "--…", "~~…", "==…" (two or more).
func ScreenReader(text string) string {
	s := Strip(text)
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if n := boxRun(s, i); n > 0 {
			i += n
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// boxRun returns the length of the box-drawing run at s[i], or 0. The
// alternatives are tried in the order of Evennia's regular expression.
func boxRun(s string, i int) int {
	run := func(j int, ch byte) int {
		k := j
		for k < len(s) && s[k] == ch {
			k++
		}
		return k - j
	}
	switch s[i] {
	case '+':
		if n := run(i+1, '-'); n > 0 {
			return 1 + n
		}
		// "+$" with MULTILINE: before a newline or at the end.
		if i+1 == len(s) || s[i+1] == '\n' {
			return 1
		}
		if i+1 < len(s) && s[i+1] == '~' {
			return 2
		}
	case '-', '~', '=':
		if n := run(i, s[i]); n >= 2 {
			return n
		}
	}
	return 0
}
