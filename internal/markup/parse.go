package markup

import "strings"

// Parse splits text into tokens: Evennia markup, raw ANSI SGR escapes
// already in the text, literal text, and links. It reads each byte a
// bounded number of times, so its time is linear in len(text); limiting
// len(text) is the caller's business.
//
// Parse resolves markup as Evennia 5.0.1's parse_ansi does with its
// default settings, including its corners: || is a literal |, {{ is a
// literal { (a leftover of the old {-markup), a |[r whose | follows
// another | is left as text, and an unknown |x stays as text.
func Parse(text string) []Token {
	p := parser{src: text}
	p.run()
	return resolveLinks(p.toks)
}

type parser struct {
	src  string
	toks []Token
	text strings.Builder
}

func (p *parser) flush() {
	if p.text.Len() > 0 {
		p.toks = append(p.toks, Token{Kind: KindText, Text: p.text.String()})
		p.text.Reset()
	}
}

func (p *parser) color(op Op, c Color) {
	p.flush()
	p.toks = append(p.toks, Token{Kind: KindCode, Op: op, Color: c})
}

func (p *parser) run() {
	s := p.src
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == '{' && i+1 < len(s) && s[i+1] == '{':
			p.text.WriteByte('{')
			i += 2
		case c == '|' && i+1 < len(s) && s[i+1] == '|':
			p.text.WriteByte('|')
			i += 2
		case c == '|':
			n := p.markup(i)
			if n == 0 {
				p.text.WriteByte('|')
				n = 1
			}
			i += n
		case c == '\033':
			n := rawSGRLen(s[i:])
			if n == 0 {
				p.text.WriteByte(c)
				n = 1
			} else {
				p.flush()
				p.toks = append(p.toks, Token{Kind: KindRawSGR, Text: s[i : i+n]})
			}
			i += n
		default:
			// Copy the run of bytes that start nothing.
			j := i + 1
			for j < len(s) && s[j] != '{' && s[j] != '|' && s[j] != '\033' {
				j++
			}
			p.text.WriteString(s[i:j])
			i = j
		}
	}
	p.flush()
}

// rawSGRLen returns the length of the SGR escape ESC [ [0-9;]+ m at the
// start of s, or 0. It is the pattern Evennia strips as "raw ANSI".
func rawSGRLen(s string) int {
	if len(s) < 4 || s[0] != '\033' || s[1] != '[' {
		return 0
	}
	j := 2
	for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == ';') {
		j++
	}
	if j == 2 || j >= len(s) || s[j] != 'm' {
		return 0
	}
	return j + 1
}

// simple maps the one-letter markup after | to its tokens' ops and
// colours; text markup (|/ |- |> |_) is in textMarkup.
var simple = func() (m [256][]Token) {
	set := func(ch byte, toks ...Token) { m[ch] = toks }
	code := func(op Op) Token { return Token{Kind: KindCode, Op: op} }
	fg := func(n uint8) Token {
		return Token{Kind: KindCode, Op: OpFG, Color: Color{Space: SpaceANSI, Index: n}}
	}
	set('n', code(OpReset))
	set('*', code(OpInverse))
	set('^', code(OpBlink))
	set('u', code(OpUnderline))
	set('U', code(OpUnderlineOff))
	set('i', code(OpItalic))
	set('I', code(OpItalicOff))
	set('s', code(OpStrike))
	set('S', code(OpStrikeOff))
	set('h', code(OpBold))
	set('H', code(OpUnbold))
	for i, ch := range "xrgybmcw" {
		set(byte(ch), code(OpBold), fg(uint8(i)))
		set(byte(ch)-'a'+'A', code(OpUnbold), fg(uint8(i)))
	}
	return m
}()

var textMarkup = [256]string{'/': "\r\n", '-': "\t", '>': "    ", '_': " "}

// ansiLetter returns the ANSI colour index of an upper-case colour
// letter (|!R, |[R), or -1.
func ansiLetter(ch byte) int {
	return strings.IndexByte("XRGYBMCW", ch)
}

// brightBG is the cube colour Evennia substitutes for |[r … |[x.
var brightBG = map[byte]Color{
	'r': {Space: SpaceCube, R: 5}, 'g': {Space: SpaceCube, G: 5}, 'y': {Space: SpaceCube, R: 5, G: 5},
	'b': {Space: SpaceCube, B: 5}, 'm': {Space: SpaceCube, R: 5, B: 5}, 'c': {Space: SpaceCube, G: 5, B: 5},
	'w': {Space: SpaceCube, R: 5, G: 5, B: 5}, 'x': {Space: SpaceCube, R: 2, G: 2, B: 2},
}

// markup reads the markup starting with the | at s[i] and returns the
// bytes it used, or 0 if there is none (the | is then text).
func (p *parser) markup(i int) int {
	s := p.src
	at := func(k int) byte {
		if i+k < len(s) {
			return s[i+k]
		}
		return 0
	}
	op := OpFG
	k := 1
	if at(1) == '[' {
		op, k = OpBG, 2
	}
	switch ch := at(k); {
	case ch == '#':
		if n := hexLen(s[min(i+k+1, len(s)):]); n > 0 {
			p.color(op, parseHex(s[i+k+1:i+k+1+n]))
			return k + 1 + n
		}
	case isCubeDigit(ch) && isCubeDigit(at(k+1)) && isCubeDigit(at(k+2)):
		p.color(op, Color{Space: SpaceCube, R: ch - '0', G: at(k+1) - '0', B: at(k+2) - '0'})
		return k + 3
	case ch == '=' && at(k+1) >= 'a' && at(k+1) <= 'z':
		p.color(op, Color{Space: SpaceGrey, Index: at(k+1) - 'a'})
		return k + 2
	case op == OpBG:
		if n := ansiLetter(ch); n >= 0 {
			p.color(OpBG, Color{Space: SpaceANSI, Index: uint8(n)})
			return 3
		}
		// Evennia rewrites |[r to |[500 before it reads escapes, and
		// not after a |: "||[r" and "|||[r" keep "|[r" as text.
		if c, ok := brightBG[ch]; ok && (i == 0 || s[i-1] != '|') {
			p.color(OpBG, c)
			return 3
		}
	case ch == '!':
		if n := ansiLetter(at(2)); n >= 0 {
			p.color(OpFG, Color{Space: SpaceANSI, Index: uint8(n)})
			return 3
		}
	case textMarkup[ch] != "":
		p.text.WriteString(textMarkup[ch])
		return 2
	case simple[ch] != nil:
		p.flush()
		p.toks = append(p.toks, simple[ch]...)
		return 2
	}
	return 0
}

func isCubeDigit(ch byte) bool { return ch >= '0' && ch <= '5' }

func isHex(ch byte) bool {
	return ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'f' || ch >= 'A' && ch <= 'F'
}

// hexLen returns 6 or 3 if s starts with that many hex digits (6
// preferred, as Evennia's pattern tries it first), else 0.
func hexLen(s string) int {
	n := 0
	for n < 6 && n < len(s) && isHex(s[n]) {
		n++
	}
	switch {
	case n == 6:
		return 6
	case n >= 3:
		return 3
	}
	return 0
}

func hexVal(ch byte) uint8 {
	switch {
	case ch <= '9':
		return ch - '0'
	case ch >= 'a':
		return ch - 'a' + 10
	}
	return ch - 'A' + 10
}

// parseHex turns "ff8000" or "f80" (then each digit doubled) into a
// colour.
func parseHex(h string) Color {
	if len(h) == 3 {
		return Color{Space: SpaceRGB, R: hexVal(h[0]) * 17, G: hexVal(h[1]) * 17, B: hexVal(h[2]) * 17}
	}
	return Color{Space: SpaceRGB,
		R: hexVal(h[0])<<4 | hexVal(h[1]),
		G: hexVal(h[2])<<4 | hexVal(h[3]),
		B: hexVal(h[4])<<4 | hexVal(h[5])}
}
