package markup

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// HTML renders text for Evennia's web client as its text2html does:
// text HTML-escaped, newlines as <br>, each tab as four spaces (spaces
// are left to the page's white-space style), colours and styles as
// <span> classes the web client's stylesheet defines (color-NNN and
// bgcolor-NNN for the xterm 256 palette, with 0-15 the ANSI colours and
// bright ones; underline; blink; inverse swaps the two colours),
// 24-bit colours as an inline style, |lc command links as Evennia's
// clickable mxplink anchors, |lu links and the first web address in the
// text as links that open a new tab.
//
// The output is well-formed: every tag it opens it closes, spans and
// anchors nest properly, and no text can become markup. Where Evennia's
// own output is not, HTML differs from it:
//   - Evennia escapes only < & > in text; HTML also escapes " and '.
//   - A colour change inside a link closes and reopens the span around
//     it inside the anchor, instead of crossing the anchor's tags.
//   - A command link's command is written as a JSON string inside the
//     onclick attribute (Evennia's quoting lets a command end the script
//     string); a URL link whose URL is not http, https or ftp is shown
//     as its label only (Evennia would make a javascript: link).
//   - Codes the stylesheet has no class for (|U |i |I |s |S, and raw
//     escapes other than the ones text2html knows) are dropped; Evennia
//     leaves their escape bytes in the page.
//   - An indexed colour after a 24-bit one replaces it (Evennia keeps
//     the 24-bit style until |n); 24-bit colours and inverse swap like
//     indexed ones.
//   - Backspaces erase within their run of text only, never a tag.
func HTML(text string) string {
	h := htmlWriter{}
	h.b.Grow(len(text) * 2)
	h.reset()
	toks := Parse(text)
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch t.Kind {
		case KindText:
			h.text(t.Text)
		case KindCode:
			h.code(t)
		case KindRawSGR:
			if codes, ok := decodeSGR(t.Text); ok {
				for _, c := range codes {
					h.code(c)
				}
			}
		case KindLinkCommand, KindLinkURL:
			var target strings.Builder
			j := i + 1
			for ; toks[j].Kind != KindLinkText; j++ {
				if toks[j].Kind == KindText {
					target.WriteString(toks[j].Text)
				}
			}
			styled := false
			for k := j; toks[k].Kind != KindLinkEnd; k++ {
				styled = styled || toks[k].Kind == KindCode || toks[k].Kind == KindRawSGR
			}
			h.openLink(t.Kind, target.String(), styled)
			i = j
		case KindLinkEnd:
			h.closeLink()
		}
	}
	if h.anchor != "" { // cannot happen: every link token run ends
		h.closeLink()
	}
	if h.open {
		h.b.WriteString("</span>")
	}
	return linkifyFirstURL(h.b.String())
}

// htmlWriter holds text2html's format_styles state.
type htmlWriter struct {
	b strings.Builder
	// open: a span is open. pending: the last thing seen was a style code
	// (Evennia opens a new span at the next text). reopen: a link
	// boundary closed a styled span that the next text reopens.
	open, pending, reopen bool
	// anchor is the opening tag of the <a> we are inside, or "";
	// spanInAnchor: the open span was opened inside it.
	anchor       string
	spanInAnchor bool

	hilite, inverse bool
	fg, bg          int     // palette indices: ANSI 0-7, xterm 16-255
	fgRGB, bgRGB    *[3]int // 24-bit colours, nil if none
	extra           []string
}

func (h *htmlWriter) reset() {
	h.hilite, h.inverse = false, false
	h.fg, h.bg = ansiWhite, ansiBlack
	h.fgRGB, h.bgRGB = nil, nil
	h.extra = h.extra[:0]
}

func (h *htmlWriter) addClass(c string) {
	for _, e := range h.extra {
		if e == c {
			return
		}
	}
	h.extra = append(h.extra, c)
}

// code applies one style change. Codes without a class are ignored and
// leave the span logic alone, as Evennia treats them as text.
func (h *htmlWriter) code(t Token) {
	switch t.Op {
	case OpReset:
		if h.open || h.reopen {
			if h.open {
				h.b.WriteString("</span>")
			}
			h.open, h.pending, h.reopen = false, false, false
		} else {
			h.pending = true
		}
		h.reset()
		return
	case OpBold:
		h.hilite = true
	case OpUnbold:
		h.hilite = false
	case OpUnderline:
		h.addClass("underline")
	case OpBlink:
		h.addClass("blink")
	case OpInverse:
		h.inverse = true
	case OpFG, OpBG:
		idx, rgb := -1, (*[3]int)(nil)
		switch c := t.Color; c.Space {
		case SpaceANSI:
			idx = int(c.Index)
		case SpaceRGB:
			rgb = &[3]int{int(c.R), int(c.G), int(c.B)}
		default:
			idx = c.xterm()
		}
		if t.Op == OpFG {
			if idx >= 0 {
				h.fg = idx
			}
			h.fgRGB = rgb
		} else {
			if idx >= 0 {
				h.bg = idx
			}
			h.bgRGB = rgb
		}
	default:
		return
	}
	h.pending = true
}

var textEscaper = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;",
	"\r\n", "<br>", "\r", "<br>", "\n", "<br>", "\t", "    ",
	"\a", "", "\033[K", "",
)

// escapeAttr escapes an attribute value as Evennia's links do (&quot;
// rather than html.EscapeString's &#34;, so common links match Evennia's
// bytes).
var escapeAttr = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")

func (h *htmlWriter) text(s string) {
	if strings.IndexByte(s, '\b') >= 0 {
		s = backspace(s)
	}
	if strings.Trim(s, "\a") == "" {
		return
	}
	h.styleText()
	textEscaper.WriteString(&h.b, s)
}

// styleText opens the span a style change asked for, before text or an
// anchor (which Evennia's format_styles sees as text).
func (h *htmlWriter) styleText() {
	if !h.pending && !h.reopen {
		return
	}
	if h.open {
		h.b.WriteString("</span>")
	}
	h.span()
	h.open, h.spanInAnchor = true, h.anchor != ""
	h.pending, h.reopen = false, false
}

// span writes the opening tag for the current style: the classes in
// the order Evennia writes them, leaving out the defaults (light grey on
// black).
func (h *htmlWriter) span() {
	fg := h.fg
	if fg < 8 && h.hilite {
		fg += 8
	}
	bg, fgRGB, bgRGB := h.bg, h.fgRGB, h.bgRGB
	if h.inverse {
		fg, bg, fgRGB, bgRGB = bg, fg, bgRGB, fgRGB
	}
	h.b.WriteString(`<span class="`)
	sep := ""
	for _, c := range h.extra {
		h.b.WriteString(sep + c)
		sep = " "
	}
	if bg != 0 {
		h.b.WriteString(sep + "bgcolor-" + pad3(bg))
		sep = " "
	}
	if fg != 7 {
		h.b.WriteString(sep + "color-" + pad3(fg))
	}
	h.b.WriteByte('"')
	if fgRGB != nil || bgRGB != nil {
		h.b.WriteString(` style="`)
		if fgRGB != nil {
			h.b.WriteString("color: " + hexRGB(fgRGB) + ";")
		}
		if bgRGB != nil {
			h.b.WriteString("background-color: " + hexRGB(bgRGB) + ";")
		}
		h.b.WriteByte('"')
	}
	h.b.WriteByte('>')
}

func pad3(n int) string {
	s := strconv.Itoa(n)
	return strings.Repeat("0", 3-len(s)) + s
}

func hexRGB(c *[3]int) string {
	const digits = "0123456789abcdef"
	b := []byte{'#', 0, 0, 0, 0, 0, 0}
	for i, v := range c {
		b[1+2*i], b[2+2*i] = digits[v>>4], digits[v&15]
	}
	return string(b)
}

// openLink writes a link's anchor. A link whose label changes style is
// written outside any span, with spans inside it; other links stay
// inside the span around them, as in Evennia.
func (h *htmlWriter) openLink(kind Kind, target string, styled bool) {
	var tag strings.Builder
	switch {
	case kind == KindLinkCommand:
		cmd, _ := json.Marshal(target) // a string always marshals
		tag.WriteString(`<a id="mxplink" href="#" onclick="`)
		escapeAttr.WriteString(&tag, `Evennia.msg("text",[`+string(cmd)+`],{});return false;`)
		tag.WriteString(`">`)
	case safeURL(target):
		tag.WriteString(`<a id="mxplink" href="`)
		escapeAttr.WriteString(&tag, strings.TrimSpace(target))
		tag.WriteString(`" target="_blank">`)
	default:
		return
	}
	if styled {
		if h.open {
			h.b.WriteString("</span>")
			h.open, h.reopen = false, true
		}
	} else {
		h.styleText()
	}
	h.anchor = tag.String()
	h.spanInAnchor = false
	h.b.WriteString(h.anchor)
}

// closeLink closes the anchor, and a span opened inside it (to be
// reopened at the next text: in Evennia that span would cross </a>).
func (h *htmlWriter) closeLink() {
	if h.anchor == "" {
		return
	}
	if h.open && h.spanInAnchor {
		h.b.WriteString("</span>")
		h.open, h.reopen = false, true
	}
	h.b.WriteString("</a>")
	h.anchor, h.spanInAnchor = "", false
}

// safeURL reports whether a |lu link may become an anchor: an http,
// https or ftp URL (surrounding space aside) with no control characters.
func safeURL(u string) bool {
	l := strings.ToLower(strings.TrimSpace(u))
	if strings.ContainsFunc(l, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return false
	}
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "ftp://")
}

// backspace applies each \b to the character before it (not a newline),
// as Evennia's remove_backspaces does.
func backspace(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == '\b' && len(out) > 0 && out[len(out)-1] != '\n' {
			_, m := utf8.DecodeLastRune(out)
			out = out[:len(out)-m]
		} else {
			out = append(out, s[i:i+n]...)
		}
		i += n
	}
	return string(out)
}

// decodeSGR returns the codes of a raw SGR escape that Evennia's
// text2html understands: exactly one of its known escapes (reset, bold,
// unbold, underline, inverse, blink and their 1;7, 7;5, 1;5, 1;5;7
// combinations, the 8 ANSI colours, xterm 16-255, 24-bit).
func decodeSGR(esc string) ([]Token, bool) {
	p := esc[2 : len(esc)-1]
	code := func(ops ...Op) []Token {
		t := make([]Token, len(ops))
		for i, op := range ops {
			t[i] = Token{Kind: KindCode, Op: op}
		}
		return t
	}
	switch p {
	case "0":
		return code(OpReset), true
	case "1":
		return code(OpBold), true
	case "22":
		return code(OpUnbold), true
	case "4":
		return code(OpUnderline), true
	case "5":
		return code(OpBlink), true
	case "7":
		return code(OpInverse), true
	case "1;7":
		return code(OpBold, OpInverse), true
	case "7;5":
		return code(OpInverse, OpBlink), true
	case "1;5":
		return code(OpBold, OpBlink), true
	case "1;5;7":
		return code(OpBold, OpBlink, OpInverse), true
	}
	op := OpFG
	if p[0] == '4' {
		op = OpBG
	}
	if len(p) == 2 && (p[0] == '3' || p[0] == '4') && p[1] >= '0' && p[1] <= '7' {
		return []Token{{Kind: KindCode, Op: op, Color: Color{Space: SpaceANSI, Index: p[1] - '0'}}}, true
	}
	parts := strings.Split(p, ";")
	switch {
	case len(parts) == 3 && (parts[0] == "38" || parts[0] == "48") && parts[1] == "5":
		n, err := strconv.Atoi(parts[2])
		if err != nil || n < 16 || n > 255 || strconv.Itoa(n) != parts[2] {
			return nil, false
		}
		return []Token{{Kind: KindCode, Op: op, Color: xtermColor(n)}}, true
	case len(parts) == 5 && (parts[0] == "38" || parts[0] == "48") && parts[1] == "2":
		var v [3]uint8
		for i, s := range parts[2:] {
			n, err := strconv.Atoi(s)
			if err != nil || len(s) > 3 || n > 255 {
				return nil, false
			}
			v[i] = uint8(n)
		}
		return []Token{{Kind: KindCode, Op: op, Color: Color{Space: SpaceRGB, R: v[0], G: v[1], B: v[2]}}}, true
	}
	return nil, false
}

// xtermColor is the cube or greyscale colour with xterm index n (16-255).
func xtermColor(n int) Color {
	if n >= 232 {
		return Color{Space: SpaceGrey, Index: uint8(n - 231)}
	}
	n -= 16
	return Color{Space: SpaceCube, R: uint8(n / 36), G: uint8(n / 6 % 6), B: uint8(n % 6)}
}
