package markup

import "testing"

// TestRenderElements renders each markup element alone at every depth.
// The wanted bytes are Evennia 5.0.1's parse_ansi output for the same
// input, run through testdata/evennia_ref.py's harness.
func TestRenderElements(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in                          string
		none, ansi16, xterm256, truecolor string
	}{
		{"red", "|rx", "x", "\x1b[1m\x1b[31mx", "\x1b[1m\x1b[31mx", "\x1b[1m\x1b[31mx"},
		{"dark red", "|Rx", "x", "\x1b[22m\x1b[31mx", "\x1b[22m\x1b[31mx", "\x1b[22m\x1b[31mx"},
		{"hilite-able red", "|!Rx", "x", "\x1b[31mx", "\x1b[31mx", "\x1b[31mx"},
		{"hilite", "|hx", "x", "\x1b[1mx", "\x1b[1mx", "\x1b[1mx"},
		{"unhilite", "|Hx", "x", "\x1b[22mx", "\x1b[22mx", "\x1b[22mx"},
		{"reset", "|rx|ny", "xy", "\x1b[1m\x1b[31mx\x1b[0my", "\x1b[1m\x1b[31mx\x1b[0my", "\x1b[1m\x1b[31mx\x1b[0my"},
		{"dark grey", "|xx", "x", "\x1b[1m\x1b[30mx", "\x1b[1m\x1b[30mx", "\x1b[1m\x1b[30mx"},
		{"black", "|Xx", "x", "\x1b[22m\x1b[30mx", "\x1b[22m\x1b[30mx", "\x1b[22m\x1b[30mx"},
		{"white", "|wx", "x", "\x1b[1m\x1b[37mx", "\x1b[1m\x1b[37mx", "\x1b[1m\x1b[37mx"},
		{"bg dark", "|[Bx", "x", "\x1b[44mx", "\x1b[44mx", "\x1b[44mx"},
		{"bg bright", "|[bx", "x", "\x1b[44mx", "\x1b[48;5;21mx", "\x1b[48;5;21mx"},
		{"bg bright grey", "|[xx", "x", "\x1b[40mx", "\x1b[48;5;102mx", "\x1b[48;5;102mx"},
		{"xterm fg", "|500x", "x", "\x1b[1m\x1b[31mx", "\x1b[38;5;196mx", "\x1b[38;5;196mx"},
		{"xterm bg", "|[035x", "x", "\x1b[46mx", "\x1b[48;5;39mx", "\x1b[48;5;39mx"},
		{"grey a", "|=ax", "x", "\x1b[0m\x1b[30mx", "\x1b[38;5;16mx", "\x1b[38;5;16mx"},
		{"grey m", "|=mx", "x", "\x1b[1m\x1b[30mx", "\x1b[38;5;243mx", "\x1b[38;5;243mx"},
		{"grey z", "|=zx", "x", "\x1b[1m\x1b[37mx", "\x1b[38;5;231mx", "\x1b[38;5;231mx"},
		{"grey bg", "|[=cx", "x", "\x1b[40mx", "\x1b[48;5;233mx", "\x1b[48;5;233mx"},
		{"hex long", "|#ff8000x", "x", "\x1b[1m\x1b[31mx", "\x1b[38;5;208mx", "\x1b[38;2;255;128;0mx"},
		{"hex short", "|#f80x", "x", "\x1b[1m\x1b[31mx", "\x1b[38;5;208mx", "\x1b[38;2;255;136;0mx"},
		{"hex bg", "|[#00FF00x", "x", "\x1b[42mx", "\x1b[48;5;46mx", "\x1b[48;2;0;255;0mx"},
		{"hex five digits", "|#12345x", "45x", "\x1b[0m\x1b[30m45x", "\x1b[38;5;16m45x", "\x1b[38;2;17;34;51m45x"},
		{"underline", "|ux|Uy", "xy", "\x1b[4mx\x1b[24my", "\x1b[4mx\x1b[24my", "\x1b[4mx\x1b[24my"},
		{"italic", "|ix|Iy", "xy", "\x1b[3mx\x1b[23my", "\x1b[3mx\x1b[23my", "\x1b[3mx\x1b[23my"},
		{"strike", "|sx|Sy", "xy", "\x1b[9mx\x1b[29my", "\x1b[9mx\x1b[29my", "\x1b[9mx\x1b[29my"},
		{"inverse", "|*x", "x", "\x1b[7mx", "\x1b[7mx", "\x1b[7mx"},
		{"blink", "|^x", "x", "\x1b[5mx", "\x1b[5mx", "\x1b[5mx"},
		{"line break", "a|/b", "a\r\nb", "a\r\nb", "a\r\nb", "a\r\nb"},
		{"tab", "a|-b", "a\tb", "a\tb", "a\tb", "a\tb"},
		{"indent", "a|>b", "a    b", "a    b", "a    b", "a    b"},
		{"space", "a|_b", "a b", "a b", "a b", "a b"},
		{"escaped pipe", "||r", "|r", "|r", "|r", "|r"},
		{"escaped brace", "{{x", "{x", "{x", "{x", "{x"},
		{"backslash", "a\\b", "a\\b", "a\\b", "a\\b", "a\\b"},
		{"unknown", "|qx|", "|qx|", "|qx|", "|qx|", "|qx|"},
		{"pipe bracket after pipe", "|||[rx", "||[rx", "||[rx", "||[rx", "||[rx"},
		{"raw sgr", "\x1b[1;31mx\x1b[0m", "x", "\x1b[1;31mx\x1b[0m", "\x1b[1;31mx\x1b[0m", "\x1b[1;31mx\x1b[0m"},
		{"raw not sgr", "\x1b[Kx\x1b[m", "\x1b[Kx\x1b[m", "\x1b[Kx\x1b[m", "\x1b[Kx\x1b[m", "\x1b[Kx\x1b[m"},
		{"command link", "|lclook|ltLook|le!", "Look!", "Look!", "Look!", "Look!"},
		{"url link", "|luhttp://a.b|ltsite|le", "http://a.b", "http://a.b", "http://a.b", "http://a.b"},
		{"unclosed link", "|lclook|ltLook", "|lclook|ltLook", "|lclook|ltLook", "|lclook|ltLook", "|lclook|ltLook"},
		{"digit not cube", "|678x", "|678x", "|678x", "|678x", "|678x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			toks := Parse(tt.in)
			for _, d := range []struct {
				depth Depth
				want  string
			}{{None, tt.none}, {ANSI16, tt.ansi16}, {Xterm256, tt.xterm256}, {Truecolor, tt.truecolor}} {
				if got := render(toks, d.depth); got != d.want {
					t.Errorf("%v: got %q, want %q", d.depth, got, d.want)
				}
			}
			if got := Strip(tt.in); got != tt.none {
				t.Errorf("Strip: got %q, want %q", got, tt.none)
			}
		})
	}
}

// TestANSITrailingReset checks the reset every text ends in, as
// Evennia's telnet send_text adds it (replacing a final |n).
func TestANSITrailingReset(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		depth    Depth
		want     string
	}{
		{"plain text still gets one", "hello", ANSI16, "hello\x1b[0m"},
		{"empty text", "", Xterm256, "\x1b[0m"},
		{"a final |n is not doubled", "|rhi|n", ANSI16, "\x1b[1m\x1b[31mhi\x1b[0m"},
		{"|n before a final newline moves after it", "|rhi|n\n", ANSI16, "\x1b[1m\x1b[31mhi\n\x1b[0m"},
		{"a raw reset is kept", "hi\x1b[0m", ANSI16, "hi\x1b[0m\x1b[0m"},
		{"a final lone pipe stays", "a|", ANSI16, "a|\x1b[0m"},
		{"an escaped |n is text", "a||n", ANSI16, "a|n\x1b[0m"},
		{"none: no reset", "|rhi|n", None, "hi"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := ANSI(tt.in, tt.depth); got != tt.want {
				t.Fatalf("ANSI(%q, %v) = %q, want %q", tt.in, tt.depth, got, tt.want)
			}
		})
	}
}

func TestScreenReader(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"|r+----+|n\n| Hall |\n+----+", "\n| Hall |\n"},
		{"a -- b ~~ c == d", "a  b  c  d"},
		{"one - dash, +~x, a+b+", "one - dash, x, a+b"},
	}
	for _, tt := range tests {
		if got := ScreenReader(tt.in); got != tt.want {
			t.Errorf("ScreenReader(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestStripJoinedEscapes: like Evennia, Strip removes raw escapes after
// links are resolved, in one pass (Evennia 5.0.1's output, run).
func TestStripJoinedEscapes(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"\x1b[3|lcx|lt1m|le": "",        // the link's removal joins an escape, then it is stripped
		"\x1b[\x1b[1m1m":     "\x1b[1m", // one pass: what the removal joins stays
	} {
		if got := Strip(in); got != want {
			t.Errorf("Strip(%q) = %q, want %q", in, got, want)
		}
	}
}
