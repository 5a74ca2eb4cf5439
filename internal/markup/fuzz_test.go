package markup

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// Output bounds, per input byte: the longest ANSI per byte is |r or |x
// (2 bytes, 9 out); the longest HTML a fully styled span per code and
// character (3 bytes in, about 120 out) and a command link's JSON
// escaping (7 out per byte).
const (
	maxANSIPerByte = 5
	maxHTMLPerByte = 48
	slack          = 64
)

func fuzzSeeds(f *testing.F) {
	for _, s := range []string{
		"", "plain", "The |rHall|n\nA |550lamp|n burns.", "|[r|*x|n", "|#ff8000|[#0f0x", "|=a|[=zx",
		"|lclook|ltLook|le", "|luhttp://a.b|ltsite|le", "see www.evennia.com.", "||r {{ \\",
		"\x1b[1;31mraw\x1b[0m\x1b[K", "<&>\"'", "|lc|lc|lt|lt|le|le", "|||[r", "a\ab\bc\r\n\t",
	} {
		f.Add(s)
	}
}

// FuzzMarkupANSI: Parse and the ANSI renderers never panic, output stays
// within a constant factor of the input, every colour depth ends in a
// reset, and Strip keeps valid UTF-8 valid.
func FuzzMarkupANSI(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, in string) {
		for _, d := range []Depth{None, ANSI16, Xterm256, Truecolor} {
			out := ANSI(in, d)
			if len(out) > maxANSIPerByte*len(in)+slack {
				t.Fatalf("ANSI(%q, %v) is %d bytes for %d in", in, d, len(out), len(in))
			}
			if d != None && !strings.HasSuffix(out, sgrReset) {
				t.Fatalf("ANSI(%q, %v) = %q does not end in a reset", in, d, out)
			}
		}
		s := Strip(in)
		if s != ANSI(in, None) {
			t.Fatalf("Strip(%q) = %q, ANSI(in, None) = %q", in, s, ANSI(in, None))
		}
		if utf8.ValidString(in) && !utf8.ValidString(s) {
			t.Fatalf("Strip(%q) = %q is not UTF-8", in, s)
		}
	})
}

// FuzzMarkupHTML: HTML never panics, writes only its own tags, balanced
// and nested, and stays within a constant factor of the input.
func FuzzMarkupHTML(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, in string) {
		out := HTML(in)
		if err := wellFormed(out); err != "" {
			t.Fatalf("HTML(%q) = %q: %s", in, out, err)
		}
		if len(out) > maxHTMLPerByte*len(in)+slack {
			t.Fatalf("HTML(%q) is %d bytes for %d in", in, len(out), len(in))
		}
	})
}

// FuzzMarkupMXP: MXP never panics, stays within a constant factor of the
// input, and only its own link tags are tags: every < in the output
// opens one of them, after ESC[4z, with a quoted HREF that nothing ends
// early. For inputs without URL links (whose MXP shows the label where
// ANSI shows the URL), removing the tags and decoding the entities gives
// back ANSI's output.
func FuzzMarkupMXP(f *testing.F) {
	fuzzSeeds(f)
	for _, s := range []string{`|lcsay "x" <b>&amp;|lt<i>|le`, "\x1b[4z<SEND>|lc\x1b[4z<|lt>|le", "|lc\n|lt\r|le"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, d := range []Depth{None, ANSI16, Truecolor} {
			out := MXP(in, d)
			if len(out) > maxMXPPerByte*len(in)+slack {
				t.Fatalf("MXP(%q, %v) is %d bytes for %d in", in, d, len(out), len(in))
			}
			text, err := mxpText(out)
			if err != "" {
				t.Fatalf("MXP(%q, %v) = %q: %s", in, d, out, err)
			}
			if d != None && !strings.Contains(in, "|lu") {
				if want := ANSI(in, d); text != want {
					t.Fatalf("MXP(%q, %v) = %q: without its tags %q, ANSI gives %q", in, d, out, text, want)
				}
			}
		}
	})
}

// maxMXPPerByte bounds MXP's output per input byte: the most is a " in
// a link's target (&quot;, 6 out); |r is 9 out for 2 in, as in ANSI, and
// an empty link |lc|lt|le (9 in) 30 out.
const maxMXPPerByte = 6

var unescapeMXP = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// mxpText checks that every < in out opens or closes one of MXP's link
// tags in temp secure mode, properly paired, and returns out without the
// tags, its entities decoded; or what is wrong.
func mxpText(out string) (string, string) {
	const sec = "\x1b[4z"
	var b strings.Builder
	open := "" // the closing tag expected, or ""
	for {
		i := strings.IndexByte(out, '<')
		if i < 0 {
			break
		}
		if !strings.HasSuffix(out[:i], sec) {
			return "", "a < not after ESC[4z"
		}
		b.WriteString(out[:i-len(sec)])
		rest := out[i:]
		switch {
		case open != "" && strings.HasPrefix(rest, open):
			out, open = rest[len(open):], ""
		case open == "" && (strings.HasPrefix(rest, `<SEND HREF="`) || strings.HasPrefix(rest, `<A HREF="`)):
			q := strings.IndexByte(rest, '"') + 1
			end := strings.IndexByte(rest[q:], '"')
			if end < 0 || !strings.HasPrefix(rest[q+end:], `">`) {
				return "", "an unterminated HREF"
			}
			href := rest[q : q+end]
			if strings.ContainsAny(href, "<>\x1b\n\r") {
				return "", "a < > or control character in an HREF"
			}
			open = "</SEND>"
			if rest[1] == 'A' {
				open = "</A>"
			}
			out = rest[q+end+2:]
			// The closing tag comes after ESC[4z too: checked at its <.
		default:
			return "", "a < that is not one of MXP's tags, or a tag out of order"
		}
	}
	if open != "" {
		return "", "a link tag left open"
	}
	b.WriteString(out)
	s := b.String()
	if strings.ContainsAny(s, "<>") {
		return "", "a > in text"
	}
	return unescapeMXP.Replace(s), ""
}
