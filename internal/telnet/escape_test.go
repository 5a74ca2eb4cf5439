package telnet

import (
	"bytes"
	"strings"
	"testing"
)

func TestAppendEscaped(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		{"", ""},
		{"hello", "hello"},
		{"a\nb", "a\r\nb"},
		{"\n", "\r\n"},
		{"\n\n", "\r\n\r\n"},
		{"a\r\nb", "a\r\nb"},
		{"a\r\n\r\n", "a\r\n\r\n"},
		{"a\rb", "a\r\x00b"},
		{"a\r", "a\r\x00"},
		{"\r\r\n", "\r\x00\r\n"},
		{"\n\r", "\r\n\r\x00"},
		{"\r\x00", "\r\x00\x00"},
		{"\xff", "\xff\xff"},
		{"a\xff\xffb", "a\xff\xff\xff\xffb"},
		{"caf\xc3\xa9\n", "caf\xc3\xa9\r\n"},
		{"\x1b[1mbold\x1b[0m\n", "\x1b[1mbold\x1b[0m\r\n"},
	}
	for _, tt := range tests {
		if got := AppendEscaped(nil, []byte(tt.in)); string(got) != tt.want {
			t.Errorf("AppendEscaped(%q) = %q, want %q", tt.in, got, tt.want)
		}
		prefix := []byte("pre")
		if got := AppendEscaped(prefix, []byte(tt.in)); string(got) != "pre"+tt.want {
			t.Errorf("AppendEscaped(%q, %q) = %q, want %q", prefix, tt.in, got, "pre"+tt.want)
		}
	}
}

func TestAppendCommands(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"GA", AppendCommand(nil, GA), sIAC + sGA},
		{"NOP after data", AppendCommand([]byte("x"), NOP), "x" + sIAC + sNOP},
		{"WILL GMCP", AppendNegotiation(nil, WILL, OptGMCP), sIAC + sWILL + "\xc9"},
		{"DO NAWS", AppendNegotiation(nil, DO, OptNAWS), sIAC + sDO + "\x1f"},
		{"subneg", AppendSubneg(nil, OptGMCP, []byte(`Core.Hello {}`)), sIAC + sSB + "\xc9Core.Hello {}" + sIAC + sSE},
		{"subneg escapes", AppendSubneg(nil, OptMSDP, []byte{1, 0xff, 2}), sIAC + sSB + "\x45\x01\xff\xff\x02" + sIAC + sSE},
		{"subneg empty", AppendSubneg(nil, OptMCCP2, nil), sIAC + sSB + "\x56" + sIAC + sSE},
		{"subneg option 255", AppendSubneg(nil, Option(255), []byte("x")), sIAC + sSB + sIAC + sIAC + "x" + sIAC + sSE},
	}
	for _, tt := range tests {
		if string(tt.got) != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestAppendSubnegRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		opt     Option
		payload string
	}{
		{OptGMCP, `Char.Vitals {"hp": 10}`},
		{OptMSDP, "\x01VAR\x02\xff\xff"},
		{OptNAWS, ""},
		{Option(255), "\xff"},
	}
	for _, tt := range tests {
		in := AppendSubneg(nil, tt.opt, []byte(tt.payload))
		want := []Event{subneg(tt.opt, tt.payload)}
		if got := decodeChunks(0, in); !sameEvents(got, want) {
			t.Errorf("got %s, want %s", formatEvents(got), formatEvents(want))
		}
	}
}

// wireText is what a Decoder yields for AppendEscaped(nil, s): s with
// every "\n" not preceded by "\r" turned into "\r\n", nothing else changed.
func wireText(s []byte) []byte {
	var out []byte
	for i, c := range s {
		if c == '\n' && (i == 0 || s[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, c)
	}
	return out
}

// FuzzEscapeRoundTrip checks the round trip of text through AppendEscaped
// and Decoder, for any bytes s and any chunking of the wire bytes:
//
//   - the Decoder yields data events only, and their concatenation is s
//     with every bare "\n" (one not preceded by "\r") turned into "\r\n";
//     in particular, for s without "\r" it is s with every "\n" turned into
//     "\r\n", and a LineBuffer then gives back exactly the lines of s;
//   - the wire bytes hold no bare "\n", no "\r" not followed by "\n" or
//     NUL, and every 0xFF is doubled.
func FuzzEscapeRoundTrip(f *testing.F) {
	f.Add([]byte("hello\nworld\n"), []byte{3})
	f.Add([]byte("a\r\nb\rc\n\rd\r"), []byte{1, 1, 1})
	f.Add([]byte("\xff\xff\r\x00\x00\n"), []byte{2, 0, 1})
	f.Add([]byte("\x1b[31mred\x1b[0m caf\xc3\xa9\n> "), []byte{4, 4})
	f.Fuzz(func(t *testing.T, s, sizes []byte) {
		s = s[:min(len(s), maxFuzzInput)]
		sizes = sizes[:min(len(sizes), maxFuzzInput)]
		wire := AppendEscaped(nil, s)
		checkWire(t, wire)
		want := wireText(s)
		got := decodeChunks(0, split(wire, sizes)...)
		var gotText []byte
		for _, e := range got {
			if e.Kind != EventData {
				t.Fatalf("AppendEscaped(%q) decodes to %v", s, e)
			}
			gotText = append(gotText, e.Data...)
		}
		if !bytes.Equal(gotText, want) {
			t.Fatalf("round trip of %q: got %q, want %q", s, gotText, want)
		}
		if bytes.IndexByte(s, '\r') >= 0 {
			return
		}
		if want := bytes.ReplaceAll(s, []byte("\n"), []byte("\r\n")); !bytes.Equal(gotText, want) {
			t.Fatalf("round trip of CR-free %q: got %q, want %q", s, gotText, want)
		}
		lines, pending := writeChunks(len(s)+1, gotText)
		wantLines := strings.Split(string(s), "\n")
		if len(lines) != len(wantLines)-1 || pending != len(wantLines[len(wantLines)-1]) {
			t.Fatalf("lines of %q: got %v pending %d, want %q", s, lines, pending, wantLines)
		}
		for i, l := range lines {
			if l.text != wantLines[i] || l.overflow {
				t.Fatalf("lines of %q: got %v, want %q", s, lines, wantLines)
			}
		}
	})
}

// checkWire checks the invariants of AppendEscaped's output.
func checkWire(t *testing.T, wire []byte) {
	t.Helper()
	for i := 0; i < len(wire); i++ {
		switch wire[i] {
		case '\n':
			if i == 0 || wire[i-1] != '\r' {
				t.Fatalf("bare LF at %d in %q", i, wire)
			}
		case '\r':
			if i+1 == len(wire) || (wire[i+1] != '\n' && wire[i+1] != 0) {
				t.Fatalf("bare CR at %d in %q", i, wire)
			}
		case IAC:
			if i+1 == len(wire) || wire[i+1] != IAC {
				t.Fatalf("undoubled IAC at %d in %q", i, wire)
			}
			i++
		}
	}
}

// mudOutput is a typical 4 KiB chunk of game output: ANSI colours, "\n"
// line ends, UTF-8.
func mudOutput() []byte {
	var b []byte
	for len(b) < 4096 {
		b = append(b, "\x1b[1;32mThe Town Square\x1b[0m\nA fountain bubbles here. Caf\xc3\xa9 tables line the street.\n"...)
		b = append(b, "\x1b[33mExits: north, south, east\x1b[0m\nBob says, \"Hello!\"\n> "...)
	}
	return b[:4096]
}

func BenchmarkAppendEscaped(b *testing.B) {
	in := mudOutput()
	dst := make([]byte, 0, 2*len(in))
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		dst = AppendEscaped(dst[:0], in)
	}
}
