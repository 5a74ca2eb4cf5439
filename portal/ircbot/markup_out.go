package ircbot

import (
	"fmt"
	"strings"

	"github.com/portalsim/portalsim/internal/markup"
)

// IRC formatting codes.
const (
	ircBold      = "\x02"
	ircColour    = "\x03"
	ircReverse   = "\x16"
	ircItalic    = "\x1d"
	ircStrike    = "\x1e"
	ircUnderline = "\x1f"
	ircReset     = "\x0f"
	ircDefault   = 99 // the default colour, foreground or background
)

// The 8 ANSI colours (black, red, green, yellow, blue, magenta, cyan,
// white) as IRC colour numbers: dark (|R) and bright (|r).
var (
	ansiDark   = [8]int{1, 5, 3, 7, 2, 6, 10, 15}
	ansiBright = [8]int{14, 4, 9, 8, 12, 13, 11, 0}
)

// ircStyle is the formatting an IRC line has at some point.
type ircStyle struct {
	bold, underline, italic, strike, reverse bool
	fg, bg                                   int // IRC colour numbers; ircDefault for none
}

var plainStyle = ircStyle{fg: ircDefault, bg: ircDefault}

// codes writes the codes that set s on a line that starts plain.
func (s ircStyle) codes(b *strings.Builder) {
	if s.fg != ircDefault || s.bg != ircDefault {
		writeColour(b, s.fg, s.bg)
	}
	for _, a := range []struct {
		on   bool
		code string
	}{{s.bold, ircBold}, {s.underline, ircUnderline}, {s.italic, ircItalic}, {s.strike, ircStrike}, {s.reverse, ircReverse}} {
		if a.on {
			b.WriteString(a.code)
		}
	}
}

// writeColour writes a colour code with both numbers in two digits, so
// that text after it ("4 apples", ",5") is never read as part of it.
func writeColour(b *strings.Builder, fg, bg int) {
	fmt.Fprintf(b, "%s%02d,%02d", ircColour, fg, bg)
}

// evenniaToIRC converts what the game sends (Evennia markup) to IRC
// text: colours become IRC's 16 (bold ANSI colours the bright ones, cube,
// greyscale and RGB colours the nearest of them), |h bold, |u underline,
// |i italic, |s strike, |* reverse, |n a reset; a link shows its label
// (a web link its URL too); raw ANSI escapes and every control character
// are dropped, but for line ends (|/, CR, LF), kept as LF, after which
// the style in force is written again, since each IRC line starts plain.
func evenniaToIRC(text string) string {
	w := ircWriter{st: plainStyle}
	w.b.Grow(len(text) + 16)
	toks := markup.Parse(text)
	for i := 0; i < len(toks); i++ {
		i = w.token(toks, i)
	}
	return w.b.String()
}

// ircWriter renders tokens as IRC text.
type ircWriter struct {
	b      strings.Builder
	st     ircStyle
	target *strings.Builder // a link's target while it is read, else nil
	isURL  bool             // the link read is a web link
	url    string           // the URL of the web link whose label is written
	label  int              // where in b that label starts
}

// token renders toks[i] and returns the index of the last token it used
// (a bold with the colour after it is one).
func (w *ircWriter) token(toks []markup.Token, i int) int {
	t := toks[i]
	switch t.Kind {
	case markup.KindText:
		w.text(t.Text)
	case markup.KindCode:
		if (t.Op == markup.OpBold || t.Op == markup.OpUnbold) && i+1 < len(toks) &&
			toks[i+1].Kind == markup.KindCode && toks[i+1].Op == markup.OpFG && toks[i+1].Color.Space == markup.SpaceANSI {
			// |r is bold and red in Evennia: IRC's bright red, not bold.
			w.setFG(ircColourOf(toks[i+1].Color, t.Op == markup.OpBold))
			return i + 1
		}
		w.code(t)
	case markup.KindLinkCommand, markup.KindLinkURL:
		w.target, w.isURL, w.url = &strings.Builder{}, t.Kind == markup.KindLinkURL, ""
	case markup.KindLinkText:
		if w.target != nil && w.isURL {
			w.url = w.target.String()
		}
		w.target, w.label = nil, w.b.Len()
	case markup.KindLinkEnd:
		if w.url != "" && !strings.Contains(w.b.String()[w.label:], w.url) {
			w.text(" <" + w.url + ">")
		}
		w.url = ""
	}
	return i
}

// text writes literal text, cleaned; after each line end the style in
// force is written again.
func (w *ircWriter) text(s string) {
	if w.target != nil {
		w.target.WriteString(s)
		return
	}
	var clean strings.Builder
	writeClean(&clean, s, true)
	lines := strings.Split(clean.String(), "\n")
	for k, line := range lines {
		if k > 0 {
			w.b.WriteByte('\n')
			w.st.codes(&w.b)
		}
		w.b.WriteString(line)
	}
}

// code applies one style change.
func (w *ircWriter) code(t markup.Token) {
	if w.target != nil {
		return
	}
	switch t.Op {
	case markup.OpReset:
		if w.st != plainStyle {
			w.b.WriteString(ircReset)
			w.st = plainStyle
		}
	case markup.OpFG:
		w.setFG(ircColourOf(t.Color, false))
	case markup.OpBG:
		w.setBG(ircColourOf(t.Color, false))
	default:
		w.toggle(t.Op)
	}
}

// toggle turns an attribute on or off; IRC's codes toggle, so a code is
// written only when the attribute changes.
func (w *ircWriter) toggle(op markup.Op) {
	var attr *bool
	var code string
	on := true
	switch op {
	case markup.OpBold, markup.OpUnbold:
		attr, code, on = &w.st.bold, ircBold, op == markup.OpBold
	case markup.OpUnderline, markup.OpUnderlineOff:
		attr, code, on = &w.st.underline, ircUnderline, op == markup.OpUnderline
	case markup.OpItalic, markup.OpItalicOff:
		attr, code, on = &w.st.italic, ircItalic, op == markup.OpItalic
	case markup.OpStrike, markup.OpStrikeOff:
		attr, code, on = &w.st.strike, ircStrike, op == markup.OpStrike
	case markup.OpInverse:
		attr, code = &w.st.reverse, ircReverse
	default:
		return // blink: IRC has none
	}
	if *attr != on {
		*attr = on
		w.b.WriteString(code)
	}
}

func (w *ircWriter) setFG(c int) {
	if w.target == nil && c != w.st.fg {
		w.st.fg = c
		writeColour(&w.b, w.st.fg, w.st.bg)
	}
}

func (w *ircWriter) setBG(c int) {
	if w.target == nil && c != w.st.bg {
		w.st.bg = c
		writeColour(&w.b, w.st.fg, w.st.bg)
	}
}

// ircColourOf is the IRC colour nearest to c. An ANSI colour is dark
// unless bright; a cube, greyscale or RGB colour is reduced to the 8 ANSI
// colours, bright when a component is strong.
func ircColourOf(c markup.Color, bright bool) int {
	switch c.Space {
	case markup.SpaceANSI:
		if bright {
			return ansiBright[c.Index&7]
		}
		return ansiDark[c.Index&7]
	case markup.SpaceGrey:
		return greyColour(int(c.Index) * 5 / 25)
	case markup.SpaceRGB:
		return cubeColour(int(c.R)*5/255, int(c.G)*5/255, int(c.B)*5/255)
	}
	return cubeColour(int(c.R), int(c.G), int(c.B))
}

// cubeColour reduces an xterm cube colour (components 0-5) to IRC's:
// greys by their level; else the components at least 2 and within 1 of
// the strongest are on, bright when that one is 4 or 5.
func cubeColour(r, g, b int) int {
	if r == g && g == b {
		return greyColour(r)
	}
	top := max(r, g, b)
	on := func(v int) int {
		if v >= 2 && v >= top-1 {
			return 1
		}
		return 0
	}
	idx := on(r) | on(g)<<1 | on(b)<<2
	if top >= 4 {
		return ansiBright[idx]
	}
	return ansiDark[idx]
}

// greyColour is IRC's grey for a level 0-5: black, dark grey, grey, white.
func greyColour(level int) int {
	switch {
	case level <= 0:
		return 1
	case level <= 2:
		return 14
	case level <= 4:
		return 15
	}
	return 0
}
