package ircbot

import (
	"strings"
	"unicode/utf8"

	"github.com/ergochat/irc-go/ircfmt"
)

// IRC's 16 colours (mIRC numbering) as Evennia markup, foreground and
// background. Evennia's map (portal/irc.py) has the same colours; the
// bright backgrounds are written |[r (Evennia's cube colours), the dark
// ones |[R. Colours 16-98 (the extended palette) are dropped.
var (
	ircFG = [16]string{"|w", "|X", "|B", "|G", "|r", "|R", "|M", "|Y", "|y", "|g", "|C", "|c", "|b", "|m", "|x", "|W"}
	ircBG = [16]string{"|[w", "|[X", "|[B", "|[G", "|[r", "|[R", "|[M", "|[Y", "|[y", "|[g", "|[C", "|[c", "|[b", "|[m", "|[x", "|[W"}
)

// ircToEvennia converts a message from IRC to what the game reads: IRC
// formatting (colours, bold, underline, italic, strike, reverse) becomes
// Evennia markup, ended by |n if any is still on; other control
// characters (CTCP's \x01, BEL, ESC, ...) are dropped, and bytes that are
// not UTF-8 become U+FFFD. Evennia markup typed on IRC ("|r") is kept,
// as in Evennia. Unlike Evennia's, two-digit colours ("\x0304") and
// backgrounds are read as IRC clients write them.
func ircToEvennia(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	var prev ircfmt.FormattedSubstring
	for _, chunk := range ircfmt.Split(s) {
		text := chunk.Content
		chunk = shownStyle(chunk)
		writeStyleChange(&b, prev, chunk)
		prev = chunk
		writeClean(&b, text, false)
	}
	if styleMarkup(prev) != "" {
		b.WriteString("|n")
	}
	return b.String()
}

// shownStyle is the part of a chunk's style that has Evennia markup:
// no text, no monospace, no colour of the extended palette (16-98).
func shownStyle(c ircfmt.FormattedSubstring) ircfmt.FormattedSubstring {
	c.Content, c.Monospace = "", false
	if c.ForegroundColor.Value >= 16 {
		c.ForegroundColor = ircfmt.ColorCode{}
	}
	if c.BackgroundColor.Value >= 16 {
		c.BackgroundColor = ircfmt.ColorCode{}
	}
	return c
}

// writeStyleChange writes the markup that turns style from into to: |n
// and all of to if anything turned off, else what is new. A foreground
// colour is written before bold, which it may turn off (|R).
func writeStyleChange(b *strings.Builder, from, to ircfmt.FormattedSubstring) {
	if from == to {
		return
	}
	if turnedOff(from, to) {
		if styleMarkup(from) != "" {
			b.WriteString("|n")
		}
		b.WriteString(styleMarkup(to))
		return
	}
	var on ircfmt.FormattedSubstring
	if to.ForegroundColor != from.ForegroundColor {
		on.ForegroundColor = to.ForegroundColor
	}
	if to.BackgroundColor != from.BackgroundColor {
		on.BackgroundColor = to.BackgroundColor
	}
	on.Bold = to.Bold && (!from.Bold || on.ForegroundColor.IsSet)
	on.Underline = to.Underline && !from.Underline
	on.Italic = to.Italic && !from.Italic
	on.Strikethrough = to.Strikethrough && !from.Strikethrough
	on.ReverseColor = to.ReverseColor && !from.ReverseColor
	b.WriteString(styleMarkup(on))
}

// turnedOff reports whether an attribute or a colour of from is gone in to.
func turnedOff(from, to ircfmt.FormattedSubstring) bool {
	return from.Bold && !to.Bold || from.Underline && !to.Underline || from.Italic && !to.Italic ||
		from.Strikethrough && !to.Strikethrough || from.ReverseColor && !to.ReverseColor ||
		from.ForegroundColor.IsSet && !to.ForegroundColor.IsSet ||
		from.BackgroundColor.IsSet && !to.BackgroundColor.IsSet
}

// styleMarkup is the Evennia markup that sets st from nothing (colours
// of the extended palette have none).
func styleMarkup(st ircfmt.FormattedSubstring) string {
	var m strings.Builder
	if c := st.ForegroundColor; c.IsSet && c.Value < 16 {
		m.WriteString(ircFG[c.Value])
	}
	if c := st.BackgroundColor; c.IsSet && c.Value < 16 {
		m.WriteString(ircBG[c.Value])
	}
	for _, a := range []struct {
		on     bool
		markup string
	}{{st.Bold, "|h"}, {st.Underline, "|u"}, {st.Italic, "|i"}, {st.Strikethrough, "|s"}, {st.ReverseColor, "|*"}} {
		if a.on {
			m.WriteString(a.markup)
		}
	}
	return m.String()
}

// writeClean writes s without control characters (C0 but tab, DEL, C1),
// with invalid UTF-8 as U+FFFD. With lines, CR and LF are kept (as LF,
// a CR LF as one): they split the text into IRC lines later.
func writeClean(b *strings.Builder, s string, lines bool) {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteRune(utf8.RuneError)
		case lines && r == '\r':
			b.WriteByte('\n')
			if i+1 < len(s) && s[i+1] == '\n' {
				n++
			}
		case lines && r == '\n':
			b.WriteByte('\n')
		case r == '\t':
			b.WriteByte(' ')
		case r < 0x20 || r >= 0x7f && r < 0xa0:
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
}

// rawMarkup escapes s so that Evennia shows it as written (Evennia's
// ansi.raw): an IRC nick such as "a|rb" must not colour the channel.
func rawMarkup(s string) string { return rawEscaper.Replace(s) }

// rawEscaper doubles Evennia's markup characters (made once: a Replacer
// builds its tables at first use).
var rawEscaper = strings.NewReplacer("|", "||", "{", "{{")
