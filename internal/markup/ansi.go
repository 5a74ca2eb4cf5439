package markup

import "strings"

// Depth is how much colour a client shows.
type Depth uint8

// The colour depths, from none to 24-bit. The zero value is None.
const (
	// None sends no colour at all: markup and raw SGR escapes are removed.
	None Depth = iota
	// ANSI16 sends the 8 ANSI colours, bright ones as bold; xterm and
	// 24-bit colours are brought down to them as Evennia does.
	ANSI16
	// Xterm256 sends xterm 256-colour escapes; 24-bit colours are brought
	// down to the 6×6×6 cube.
	Xterm256
	// Truecolor sends 24-bit colour for |#rrggbb and xterm 256 for the rest.
	Truecolor
)

// String returns the depth's name.
func (d Depth) String() string {
	switch d {
	case None:
		return "none"
	case ANSI16:
		return "ansi16"
	case Xterm256:
		return "xterm256"
	case Truecolor:
		return "truecolor"
	}
	return "Depth(" + string(rune('0'+d)) + ")"
}

// opSGR is the escape Evennia sends for each op that is not a colour.
var opSGR = [...]string{
	OpReset:        sgrReset,
	OpBold:         sgrBold,
	OpUnbold:       sgrUnbold,
	OpUnderline:    "\033[4m",
	OpUnderlineOff: "\033[24m",
	OpItalic:       "\033[3m",
	OpItalicOff:    "\033[23m",
	OpStrike:       "\033[9m",
	OpStrikeOff:    "\033[29m",
	OpInverse:      "\033[7m",
	OpBlink:        "\033[5m",
}

// ANSI renders text for a telnet client that shows depth colours, as
// Evennia's telnet door does: markup becomes SGR escapes (colours
// brought down to what the client shows), links become their label (a
// command link) or their URL (a URL link), raw SGR escapes already in
// the text pass through unchanged, and, unless depth is [None], the
// result ends in a reset (ESC[0m). Evennia appends that reset to every
// text it sends, in place of a final |n (or |n before a final newline)
// that the text already has.
//
// Where Evennia's trailing-reset logic misreads an escaped pipe at the end
// (text ending in "||" or "||n" is sent without a reset), ANSI still
// ends in one. Other control bytes are not removed: like Evennia, the
// text is trusted to be what the game meant to send.
func ANSI(text string, depth Depth) string {
	toks := Parse(text)
	if depth == None {
		return render(toks, None)
	}
	return render(dropFinalReset(toks), depth) + sgrReset
}

// dropFinalReset drops a final |n, or a |n before a final newline
// (Evennia removes "|n$" from the source), before the reset every text
// gets is added.
func dropFinalReset(toks []Token) []Token {
	switch n := len(toks); {
	case n >= 1 && isReset(toks[n-1]):
		return toks[:n-1]
	case n >= 2 && isReset(toks[n-2]) && toks[n-1].Kind == KindText && toks[n-1].Text == "\n":
		return append(toks[:n-2:n-2], toks[n-1])
	}
	return toks
}

func isReset(t Token) bool { return t.Kind == KindCode && t.Op == OpReset }

// render is Evennia's parse_ansi: no reset added.
func render(toks []Token, depth Depth) string {
	var b strings.Builder
	b.Grow(len(toks) * 8)
	skip := false // inside the half of a link that is not shown
	for _, t := range toks {
		switch t.Kind {
		case KindLinkCommand:
			skip = true // show the label
			continue
		case KindLinkURL:
			skip = false // show the URL
			continue
		case KindLinkText:
			skip = !skip
			continue
		case KindLinkEnd:
			skip = false
			continue
		}
		if skip {
			continue
		}
		switch t.Kind {
		case KindText:
			b.WriteString(t.Text)
		case KindRawSGR:
			b.WriteString(t.Text) // for None, stripSGR below removes it

		case KindCode:
			if depth != None {
				b.WriteString(codeSGR(t, depth))
			}
		}
	}
	if depth == None {
		return stripSGR(b.String())
	}
	return b.String()
}

// stripSGR removes every ESC [ [0-9;]+ m in one left-to-right pass, as
// Evennia's strip_raw_codes does after it has resolved links (which can
// join the halves of an escape).
func stripSGR(s string) string {
	i := strings.IndexByte(s, '\033')
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i >= 0 {
		b.WriteString(s[:i])
		n := rawSGRLen(s[i:])
		if n == 0 {
			b.WriteByte(s[i])
			n = 1
		}
		s = s[i+n:]
		i = strings.IndexByte(s, '\033')
	}
	b.WriteString(s)
	return b.String()
}

// codeSGR returns the escape for one markup code at depth.
func codeSGR(t Token, depth Depth) string {
	if t.Op != OpFG && t.Op != OpBG {
		return opSGR[t.Op]
	}
	bg := t.Op == OpBG
	c := t.Color
	switch {
	case c.Space == SpaceANSI:
		return ansiSGR(int(c.Index), bg)
	case c.Space == SpaceRGB && depth == Truecolor:
		return rgbSGR(c, bg)
	case depth >= Xterm256:
		return xtermSGR(c.xterm(), bg)
	}
	q := c.cube()
	return downgrade16(int(q.R), int(q.G), int(q.B), bg)
}
