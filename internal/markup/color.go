package markup

import (
	"math"
	"strconv"
)

// Space is the colour space a [Color] was written in.
type Space uint8

// The colour spaces of Evennia markup.
const (
	// SpaceANSI is one of the 8 ANSI colours (|R, |!R, |[R): Index 0-7.
	SpaceANSI Space = iota
	// SpaceCube is the xterm 6×6×6 cube (|500, |[r): R, G, B 0-5.
	SpaceCube
	// SpaceGrey is xterm greyscale (|=a … |=z): Index 0-25 for a-z.
	SpaceGrey
	// SpaceRGB is 24-bit colour (|#ff8000, |[#f80): R, G, B 0-255.
	SpaceRGB
)

// Color is a colour as written in the markup; renderers convert it to
// what the client can show.
type Color struct {
	Space   Space
	Index   uint8
	R, G, B uint8
}

// xterm returns the colour's xterm 256 index (16-255), as Evennia
// computes it: greyscale a is 16 and z is 231 (the cube's black and
// white), b-y are 232-255. An RGB colour is first reduced to the cube.
// SpaceANSI colours have no xterm index in Evennia; xterm returns Index.
func (c Color) xterm() int {
	switch c.Space {
	case SpaceCube:
		return 16 + 36*int(c.R) + 6*int(c.G) + int(c.B)
	case SpaceGrey:
		switch c.Index {
		case 0:
			return 16
		case 25:
			return 231
		}
		return 231 + int(c.Index)
	case SpaceRGB:
		return c.cube().xterm()
	}
	return int(c.Index)
}

// cube reduces an RGB colour to the xterm cube as Evennia's hex_colors
// does: round((v-45)/40), rounding halves to even like Python's round.
// A greyscale colour becomes the grey cube entry Evennia uses to pick
// its 16-colour fallback.
func (c Color) cube() Color {
	switch c.Space {
	case SpaceRGB:
		hue := func(v uint8) uint8 {
			return uint8(math.RoundToEven(float64(max(int(v)-45, 0)) / 40))
		}
		return Color{Space: SpaceCube, R: hue(c.R), G: hue(c.G), B: hue(c.B)}
	case SpaceGrey:
		g := uint8(math.RoundToEven(float64(c.Index) / 5))
		return Color{Space: SpaceCube, R: g, G: g, B: g}
	}
	return c
}

const (
	sgrReset    = "\033[0m"
	sgrBold     = "\033[1m"
	sgrUnbold   = "\033[22m"
	ansiBlack   = 0
	ansiRed     = 1
	ansiGreen   = 2
	ansiYellow  = 3
	ansiBlue    = 4
	ansiMagenta = 5
	ansiCyan    = 6
	ansiWhite   = 7
	fgNormal    = sgrReset // Evennia's ANSI_NORMAL before a dark grey
	fgBright    = sgrBold  // ANSI_HILITE before a bright colour
)

// ansiSGR returns ESC[3Nm or ESC[4Nm.
func ansiSGR(n int, bg bool) string {
	b := []byte("\033[30m")
	if bg {
		b[2] = '4'
	}
	b[3] = byte('0' + n)
	return string(b)
}

// downgrade16 returns what Evennia sends a 16-colour client for an xterm
// cube colour (r, g, b in 0-5): a background is one of the 8 dark
// backgrounds, a foreground an ANSI colour, preceded by ESC[1m for the
// bright ones and, for black and the light greys, by a full reset
// (Evennia's choice: ESC[0m, not ESC[22m). The branches mirror
// ansi.py's sub_xterm256, in its order; TestEvenniaReference checks all
// 432 cube colours against Evennia's output.
func downgrade16(r, g, b int, bg bool) string {
	pick := func(n int, prefix string) string {
		if bg {
			return ansiSGR(n, true)
		}
		return prefix + ansiSGR(n, false)
	}
	in := func(v, lo, hi int) bool { return v >= lo && v <= hi }
	all := func(lo, hi int) bool { return in(r, lo, hi) && in(g, lo, hi) && in(b, lo, hi) }
	hi, lo := max(r, g, b), min(r, g, b)
	if hi-lo <= 1 { // greys
		switch {
		case r == 0 && g == 0 && b == 0:
			return pick(ansiBlack, fgNormal)
		case all(1, 2):
			return pick(ansiBlack, fgBright)
		case all(2, 4):
			return pick(ansiWhite, fgNormal)
		case all(4, 5):
			return pick(ansiWhite, fgBright)
		}
	}
	cr, cg, cb := (r+1)/2, (g+1)/2, (b+1)/2
	switch {
	case in(cr, 2, 3) && in(cg, 0, 1) && in(cb, 0, 1):
		return pick(ansiRed, fgBright)
	case in(cr, 1, 2) && cg == 0 && cb == 0:
		return pick(ansiRed, fgNormal)
	case in(cr, 0, 1) && in(cg, 2, 3) && in(cb, 0, 1):
		return pick(ansiGreen, fgBright)
	case in(cr, 0, 1) && cg == 1 && cb == 0 && g > r:
		return pick(ansiGreen, fgNormal)
	case in(cr, 0, 1) && in(cg, 0, 1) && in(cb, 2, 3):
		return pick(ansiBlue, fgBright)
	case cr == 0 && cg == 0 && cb == 1:
		return pick(ansiBlue, fgNormal)
	case in(cr, 0, 2) && in(cg, 2, 3) && in(cb, 2, 3) && r == lo:
		return pick(ansiCyan, fgBright)
	case cr == 0 && in(cg, 1, 2) && in(cb, 1, 2):
		return pick(ansiCyan, fgNormal)
	case in(cr, 2, 3) && in(cg, 2, 3) && in(cb, 0, 2) && b == lo:
		return pick(ansiYellow, fgBright)
	case in(cr, 1, 2) && in(cg, 1, 2) && in(cb, 0, 1):
		return pick(ansiYellow, fgNormal)
	case in(cr, 2, 3) && in(cg, 0, 2) && in(cb, 2, 3) && g == lo:
		return pick(ansiMagenta, fgBright)
	case in(cr, 1, 2) && cg == 0 && in(cb, 1, 2):
		return pick(ansiMagenta, fgNormal)
	}
	// Unreachable for 0-5 inputs (every cube colour is checked against
	// Evennia); Evennia itself would send nothing.
	return ""
}

// xtermSGR returns ESC[38;5;Nm or ESC[48;5;Nm (no leading zeroes: some
// clients reject them, Evennia issue #1024).
func xtermSGR(n int, bg bool) string {
	p := "\033[38;5;"
	if bg {
		p = "\033[48;5;"
	}
	return p + strconv.Itoa(n) + "m"
}

// rgbSGR returns ESC[38;2;R;G;Bm or ESC[48;2;R;G;Bm.
func rgbSGR(c Color, bg bool) string {
	p := "\033[38;2;"
	if bg {
		p = "\033[48;2;"
	}
	return p + strconv.Itoa(int(c.R)) + ";" + strconv.Itoa(int(c.G)) + ";" + strconv.Itoa(int(c.B)) + "m"
}
