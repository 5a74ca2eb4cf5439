package markup

import "strings"

// MXP output, as Evennia 5.0.1's telnet door writes it for a client that
// accepted MXP (server/portal/mxp.py's mxp_parse after parse_ansi): every
// < > & of the text is an entity, so the client's MXP parser never reads
// the text as a tag, and each link is a tag sent in "temp secure" mode
// (ESC [ 4 z: the next tag only may be a secure one such as SEND), its
// closing tag too. The client stays in its default (open) mode between
// them, where it decodes the entities back to < > &.
const (
	mxpTempSecure = "\x1b[4z"
	mxpSendOpen   = mxpTempSecure + `<SEND HREF="`
	mxpSendClose  = mxpTempSecure + "</SEND>"
	mxpAOpen      = mxpTempSecure + `<A HREF="`
	mxpAClose     = mxpTempSecure + "</A>"
)

// escapeMXPText is mxp_parse's escaping of text.
var escapeMXPText = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// escapeMXPAttr escapes a link's target for its HREF attribute: also ",
// which would end the attribute, and control characters (a tag cannot
// span lines) are dropped.
var escapeMXPAttr = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;",
	"\x00", "", "\x01", "", "\x02", "", "\x03", "", "\x04", "", "\x05", "", "\x06", "", "\x07", "",
	"\x08", "", "\t", "", "\n", "", "\x0b", "", "\x0c", "", "\r", "", "\x0e", "", "\x0f", "",
	"\x10", "", "\x11", "", "\x12", "", "\x13", "", "\x14", "", "\x15", "", "\x16", "", "\x17", "",
	"\x18", "", "\x19", "", "\x1a", "", "\x1b", "", "\x1c", "", "\x1d", "", "\x1e", "", "\x1f", "",
	"\x7f", "")

// MXP renders text for a telnet client that accepted MXP (the session
// flag MXP), as Evennia's telnet door does: [ANSI] at depth, except that
// < > & in the text become the entities &lt; &gt; &amp; and links become
// MXP tags, each opened and closed in temp secure mode (ESC[4z):
//
//	|lcnorth|ltNorth|le     ESC[4z<SEND HREF="north">North ESC[4z</SEND>
//	|luhttp://x|ltsite|le   ESC[4z<A HREF="http://x">site ESC[4z</A>
//
// (without the spaces before ESC). Only the renderer writes a < that is
// not an entity, so no text, a link's label included, can become a tag.
// Where Evennia's output is unsafe, MXP differs from it:
//   - A link's target is written without its colour codes and raw
//     escapes (Evennia puts their escape bytes inside HREF), with " as
//     &quot; (Evennia's " ends the attribute) and without control
//     characters (Evennia's newline splits the tag).
//   - A URL link whose URL is not http, https or ftp is shown as its
//     label, as [HTML] does.
//   - Links never nest or cross (see [Parse]): Evennia's second pass
//     finds a URL link inside a command link's label and crosses the
//     tags.
//   - Text ending in "||" or "||n" ends in a reset, as with [ANSI].
func MXP(text string, depth Depth) string {
	toks := Parse(text)
	if depth != None {
		toks = dropFinalReset(toks)
	}
	var b strings.Builder
	b.Grow(len(text) + len(text)/4 + 16)
	var close string // the closing tag of the link we are in, or ""
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch t.Kind {
		case KindText:
			escapeMXPText.WriteString(&b, t.Text)
		case KindRawSGR:
			b.WriteString(t.Text) // for None, stripSGR below removes it
		case KindCode:
			if depth != None {
				b.WriteString(codeSGR(t, depth))
			}
		case KindLinkCommand, KindLinkURL:
			var target strings.Builder
			j := i + 1
			for ; toks[j].Kind != KindLinkText; j++ {
				if toks[j].Kind == KindText {
					target.WriteString(toks[j].Text)
				}
			}
			i = j // the label follows
			switch {
			case t.Kind == KindLinkCommand:
				b.WriteString(mxpSendOpen)
				close = mxpSendClose
			case safeURL(target.String()):
				b.WriteString(mxpAOpen)
				close = mxpAClose
			default:
				close = ""
				continue
			}
			escapeMXPAttr.WriteString(&b, target.String())
			b.WriteString(`">`)
		case KindLinkEnd:
			b.WriteString(close)
			close = ""
		}
	}
	if depth == None {
		return stripSGR(b.String())
	}
	return b.String() + sgrReset
}

// EscapeMXP returns s with < > & as the entities &lt; &gt; &amp;: text
// already rendered (a prompt: Evennia sends prompts to MXP clients with
// their links stripped, as [ANSI] does, and then escaped) made safe for
// a client that reads MXP.
func EscapeMXP(s string) string {
	if !strings.ContainsAny(s, "<>&") {
		return s
	}
	return escapeMXPText.Replace(s)
}
