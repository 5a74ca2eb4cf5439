package markup

// Kind says what a [Token] is.
type Kind uint8

// The kinds of token. A link is a run of tokens: [KindLinkCommand] or
// [KindLinkURL], the target's tokens, [KindLinkText], the label's tokens,
// then [KindLinkEnd].
const (
	// KindText is literal text, escapes already resolved (|| is |).
	KindText Kind = iota
	// KindCode is a style change written in Evennia markup.
	KindCode
	// KindRawSGR is an ANSI SGR escape (ESC [ digits/semicolons m) that
	// was already in the text; Token.Text holds it verbatim.
	KindRawSGR
	// KindLinkCommand opens an |lc command link: clicking runs the target.
	KindLinkCommand
	// KindLinkURL opens an |lu web link.
	KindLinkURL
	// KindLinkText separates a link's target from its label (|lt).
	KindLinkText
	// KindLinkEnd closes a link (|le).
	KindLinkEnd
)

// Op is the effect of a [KindCode] token.
type Op uint8

// The style changes of Evennia markup, each one SGR escape in Evennia's
// output.
const (
	OpReset        Op = iota // |n: ESC[0m
	OpBold                   // |h, and the first half of |r: ESC[1m
	OpUnbold                 // |H, and the first half of |R: ESC[22m
	OpUnderline              // |u: ESC[4m
	OpUnderlineOff           // |U: ESC[24m
	OpItalic                 // |i: ESC[3m
	OpItalicOff              // |I: ESC[23m
	OpStrike                 // |s: ESC[9m
	OpStrikeOff              // |S: ESC[29m
	OpInverse                // |*: ESC[7m
	OpBlink                  // |^: ESC[5m
	OpFG                     // a foreground colour, Token.Color
	OpBG                     // a background colour, Token.Color
)

// Token is one piece of parsed text. Tokens are values; a slice of them
// is what [Parse] returns and every renderer reads.
type Token struct {
	Kind  Kind
	Op    Op     // KindCode only
	Color Color  // KindCode with OpFG or OpBG only
	Text  string // KindText, KindRawSGR
}
