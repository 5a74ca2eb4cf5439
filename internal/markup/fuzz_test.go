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
