package telnet

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

func lineBufferTests() []struct {
	name        string
	max         int
	in          string
	want        []line
	wantPending int
} {
	return []struct {
		name        string
		max         int
		in          string
		want        []line
		wantPending int
	}{
		{name: "empty", in: ""},
		{name: "CR LF", in: "look\r\n", want: []line{{"look", false}}},
		{name: "LF CR", in: "look\n\r", want: []line{{"look", false}}},
		{name: "LF", in: "look\n", want: []line{{"look", false}}},
		{name: "CR", in: "look\r", want: []line{{"look", false}}},
		{name: "mixed", in: "a\nb\rc\r\nd\n\re", want: []line{{"a", false}, {"b", false}, {"c", false}, {"d", false}}, wantPending: 1},
		{name: "empty line", in: "\r\n", want: []line{{"", false}}},
		{name: "two empty lines CR LF", in: "\r\n\r\n", want: []line{{"", false}, {"", false}}},
		{name: "two empty lines LF", in: "\n\n", want: []line{{"", false}, {"", false}}},
		{name: "two empty lines CR", in: "\r\r", want: []line{{"", false}, {"", false}}},
		{name: "LF CR LF", in: "a\n\r\n", want: []line{{"a", false}, {"", false}}},
		{name: "CR CR LF", in: "a\r\r\nb", want: []line{{"a", false}, {"", false}}, wantPending: 1},
		{name: "partial", in: "say hi", wantPending: 6},
		{name: "at max", max: 4, in: "abcd\r\nab", want: []line{{"abcd", false}}, wantPending: 2},
		{name: "pending at max", max: 4, in: "abcd", wantPending: 4},
		{name: "overflow", max: 4, in: "abcdefg\r\nxy\r\n", want: []line{{"abcd", true}, {"xy", false}}},
		{name: "overflow by one", max: 4, in: "abcde\nx\n", want: []line{{"abcd", true}, {"x", false}}},
		{name: "overflow pending", max: 4, in: "abcdefgh", want: []line{{"abcd", true}}},
		{name: "overflow then CR LF", max: 2, in: "abc\r\n\r\n", want: []line{{"ab", true}, {"", false}}},
		{name: "overflow then LF CR", max: 2, in: "abc\n\rd\n", want: []line{{"ab", true}, {"d", false}}},
		{name: "binary", in: "a\x00\xff\tb\n", want: []line{{"a\x00\xff\tb", false}}},
		{name: "default max", in: strings.Repeat("x", DefaultMaxLine) + "\n" + strings.Repeat("y", DefaultMaxLine+1) + "\n",
			want: []line{{strings.Repeat("x", DefaultMaxLine), false}, {strings.Repeat("y", DefaultMaxLine), true}}},
	}
}

func sameLines(a, b []line) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestLineBuffer(t *testing.T) {
	t.Parallel()
	for _, tt := range lineBufferTests() {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := []byte(tt.in)
			check := func(how string, got []line, gotPending int) {
				t.Helper()
				if !sameLines(got, tt.want) || gotPending != tt.wantPending {
					t.Fatalf("%s: got %v pending %d, want %v pending %d", how, got, gotPending, tt.want, tt.wantPending)
				}
			}
			got, pending := writeChunks(tt.max, in)
			check("whole", got, pending)
			got, pending = writeChunks(tt.max, bytewise(in)...)
			check("bytewise", got, pending)
			if len(in) > 100 {
				return
			}
			for i := range in {
				for j := i; j <= len(in); j++ {
					got, pending := writeChunks(tt.max, in[:i], in[i:j], in[j:])
					check("split", got, pending)
				}
			}
		})
	}
}

func TestLineBufferPairSplitAcrossWrites(t *testing.T) {
	t.Parallel()
	tests := []struct {
		chunks []string
		want   []line
	}{
		{[]string{"abc\r", "\ndef\n"}, []line{{"abc", false}, {"def", false}}},
		{[]string{"abc\n", "\rdef\r", "\n"}, []line{{"abc", false}, {"def", false}}},
		{[]string{"abc\r", "", "\n"}, []line{{"abc", false}}},
		{[]string{"abc\r", "\r\n"}, []line{{"abc", false}, {"", false}}},
		{[]string{"abc\n", "\n"}, []line{{"abc", false}, {"", false}}},
	}
	for _, tt := range tests {
		chunks := make([][]byte, len(tt.chunks))
		for i, c := range tt.chunks {
			chunks[i] = []byte(c)
		}
		if got, _ := writeChunks(0, chunks...); !sameLines(got, tt.want) {
			t.Errorf("%q: got %v, want %v", tt.chunks, got, tt.want)
		}
	}
}

func TestLineBufferLineDoesNotExposeInput(t *testing.T) {
	t.Parallel()
	in := []byte("abc\ndef\n")
	orig := bytes.Clone(in)
	var b LineBuffer
	b.Write(in, func(l []byte, _ bool) { _ = append(l, "XXXX"...) })
	if !bytes.Equal(in, orig) {
		t.Errorf("input modified: %q", in)
	}
}

func TestLineBufferMaxLowered(t *testing.T) {
	t.Parallel()
	b := LineBuffer{Max: 10}
	b.Write([]byte("abcdefgh"), nil)
	b.Max = 4
	var got []line
	b.Write([]byte("ij\n"), func(l []byte, overflow bool) { got = append(got, line{string(l), overflow}) })
	want := []line{{"abcd", true}}
	if !sameLines(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestLineBufferReset(t *testing.T) {
	t.Parallel()
	b := LineBuffer{Max: 5}
	b.Write([]byte("abc\rdef"), nil)
	b.Reset()
	if got, want := b.Pending(), 0; got != want {
		t.Errorf("Pending() = %d, want %d", got, want)
	}
	if got, want := b.Max, 5; got != want {
		t.Errorf("Max = %d, want %d", got, want)
	}
	var got []line
	b.Write([]byte("\nx\n"), func(l []byte, overflow bool) { got = append(got, line{string(l), overflow}) })
	if want := []line{{"", false}, {"x", false}}; !sameLines(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

var lineBreak = regexp.MustCompile("\n\r|\r\n|\n|\r")

// refLines splits the whole input the way Evennia does (a regexp with
// leftmost-first alternation) and applies the overflow rule.
func refLines(in []byte, maxLine int) ([]line, int) {
	if maxLine <= 0 {
		maxLine = DefaultMaxLine
	}
	pieces := lineBreak.Split(string(in), -1)
	var lines []line
	for _, p := range pieces[:len(pieces)-1] {
		if len(p) > maxLine {
			lines = append(lines, line{p[:maxLine], true})
		} else {
			lines = append(lines, line{p, false})
		}
	}
	last := pieces[len(pieces)-1]
	if len(last) > maxLine {
		return append(lines, line{last[:maxLine], true}), 0
	}
	return lines, len(last)
}

func TestRefLinesMatchesTable(t *testing.T) {
	t.Parallel()
	for _, tt := range lineBufferTests() {
		got, pending := refLines([]byte(tt.in), tt.max)
		if !sameLines(got, tt.want) || pending != tt.wantPending {
			t.Errorf("%s: got %v pending %d, want %v pending %d", tt.name, got, pending, tt.want, tt.wantPending)
		}
	}
}

// FuzzLineBuffer checks that LineBuffer never panics, never buffers more
// than Max bytes, agrees with the regexp-based refLines, and gives the same
// lines whether the input comes whole, in random chunks or byte by byte.
func FuzzLineBuffer(f *testing.F) {
	for _, tt := range lineBufferTests() {
		if len(tt.in) < 100 {
			f.Add([]byte(tt.in), []byte{1, 2, 3}, uint8(tt.max))
		}
	}
	f.Add([]byte("abc\r\ndef\n\rghi\r\r\n\n"), []byte{4, 0, 1}, uint8(2))
	f.Add([]byte("0123456789\r\n0123\n"), []byte{5, 5}, uint8(4))
	f.Fuzz(func(t *testing.T, in, sizes []byte, maxLine uint8) {
		in = in[:min(len(in), maxFuzzInput)]
		sizes = sizes[:min(len(sizes), maxFuzzInput)]
		m := int(maxLine % 64) // small limits, so that inputs overflow them
		limit := m
		if limit == 0 {
			limit = DefaultMaxLine
		}
		b := LineBuffer{Max: m}
		var whole []line
		for _, c := range split(in, sizes) {
			b.Write(c, func(l []byte, overflow bool) {
				if len(l) > limit {
					t.Fatalf("line of %d bytes, limit %d", len(l), limit)
				}
				if bytes.ContainsAny(l, "\r\n") {
					t.Fatalf("line %q holds a line break", l)
				}
				whole = append(whole, line{string(l), overflow})
			})
			if b.Pending() > limit || cap(b.buf) > limit {
				t.Fatalf("Pending() = %d, cap %d, limit %d", b.Pending(), cap(b.buf), limit)
			}
		}
		pending := b.Pending()
		want, wantPending := refLines(in, m)
		if !sameLines(whole, want) || pending != wantPending {
			t.Fatalf("chunks: got %v pending %d, want %v pending %d", whole, pending, want, wantPending)
		}
		if got, gotPending := writeChunks(m, in); !sameLines(got, want) || gotPending != wantPending {
			t.Fatalf("whole: got %v pending %d, want %v pending %d", got, gotPending, want, wantPending)
		}
		if got, gotPending := writeChunks(m, bytewise(in)...); !sameLines(got, want) || gotPending != wantPending {
			t.Fatalf("bytewise: got %v pending %d, want %v pending %d", got, gotPending, want, wantPending)
		}
	})
}

func BenchmarkLineBuffer(b *testing.B) {
	var in []byte
	for len(in) < 4096 {
		in = append(in, "say Hello there, how are you today?\r\nlook\r\n"...)
	}
	in = in[:4096]
	var lb LineBuffer
	n := 0
	emit := func(l []byte, _ bool) { n += len(l) }
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		lb.Write(in, emit)
	}
}
