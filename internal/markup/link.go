package markup

import "strings"

// Links: |lc<command>|lt<label>|le and |lu<url>|lt<label>|le. Evennia
// finds them with two lazy regular expressions over the whole text,
// command links first; resolveLinks finds the same matches in linear
// time: from an opener, the first |lt after it and the first |le after
// that (if either is missing, no later opener can match either).
// Unlike Evennia's passes, a URL link is not looked for inside a command
// link, so links never nest or cross.

// pos is a place in a token slice: before byte off of token tok.
type pos struct{ tok, off int }

// find returns the first place at or after from where marker starts in
// a text token, and whether there is one.
func find(toks []Token, from pos, marker string) (pos, bool) {
	for t := from.tok; t < len(toks); t++ {
		if toks[t].Kind != KindText {
			continue
		}
		off := 0
		if t == from.tok {
			off = from.off
		}
		if j := strings.Index(toks[t].Text[off:], marker); j >= 0 {
			return pos{t, off + j}, true
		}
	}
	return pos{}, false
}

// appendRange appends the tokens between a and b, cutting text tokens.
func appendRange(out, toks []Token, a, b pos) []Token {
	for t := a.tok; t <= b.tok && t < len(toks); t++ {
		tok := toks[t]
		lo, hi := 0, len(tok.Text)
		if t == a.tok {
			lo = a.off
		}
		if t == b.tok {
			if tok.Kind != KindText || b.off == 0 {
				break
			}
			hi = b.off
		}
		if tok.Kind == KindText {
			if lo >= hi {
				continue
			}
			tok.Text = tok.Text[lo:hi]
		}
		out = appendMerged(out, tok)
	}
	return out
}

// appendMerged appends tok, joining it to a text token before it.
func appendMerged(out []Token, tok Token) []Token {
	if tok.Kind == KindText && len(out) > 0 && out[len(out)-1].Kind == KindText {
		out[len(out)-1].Text += tok.Text
		return out
	}
	return append(out, tok)
}

// linkPass turns every opener…|lt…|le in toks into link tokens.
func linkPass(toks []Token, opener string, kind Kind) []Token {
	out := make([]Token, 0, len(toks))
	at := pos{}
	end := pos{tok: len(toks)}
	for {
		a, ok := find(toks, at, opener)
		if !ok {
			break
		}
		b, ok := find(toks, pos{a.tok, a.off + 3}, "|lt")
		if !ok {
			break
		}
		c, ok := find(toks, pos{b.tok, b.off + 3}, "|le")
		if !ok {
			break
		}
		out = appendRange(out, toks, at, a)
		out = append(out, Token{Kind: kind})
		out = appendRange(out, toks, pos{a.tok, a.off + 3}, b)
		out = append(out, Token{Kind: KindLinkText})
		out = appendRange(out, toks, pos{b.tok, b.off + 3}, c)
		out = append(out, Token{Kind: KindLinkEnd})
		at = pos{c.tok, c.off + 3}
	}
	return appendRange(out, toks, at, end)
}

// resolveLinks finds command links, then URL links outside them.
func resolveLinks(toks []Token) []Token {
	if !hasMarker(toks) {
		return toks
	}
	toks = linkPass(toks, "|lc", KindLinkCommand)
	out := make([]Token, 0, len(toks))
	start := 0
	for i := 0; i <= len(toks); i++ {
		if i < len(toks) && toks[i].Kind != KindLinkCommand {
			continue
		}
		out = append(out, linkPass(toks[start:i], "|lu", KindLinkURL)...)
		if i == len(toks) {
			break
		}
		j := i
		for toks[j].Kind != KindLinkEnd {
			j++
		}
		out = append(out, toks[i:j+1]...)
		start, i = j+1, j
	}
	return out
}

func hasMarker(toks []Token) bool {
	for _, t := range toks {
		if t.Kind == KindText && strings.Contains(t.Text, "|l") {
			return true
		}
	}
	return false
}
