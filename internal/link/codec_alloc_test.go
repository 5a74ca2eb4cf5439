package link

import (
	"bufio"
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestHotMessagesAllocate pins what the link's steady path allocates per
// message (see BenchmarkEncode and BenchmarkDecode): encoding nothing;
// reading a player's command (DATAIN) three allocations (its commands
// with their arguments, its strings, the text's box in an any); reading
// an answer (DATAOUT: text and prompt) four (one box more). Not
// parallel: testing.AllocsPerRun refuses to run in a parallel test.
func TestHotMessagesAllocate(t *testing.T) {
	for _, tc := range []struct {
		name         string
		encode, read float64
	}{
		{name: "DATAIN", encode: 0, read: 3},
		{name: "DATAOUT", encode: 0, read: 4},
	} {
		m := benchMessages()[tc.name]
		buf, err := AppendFrame(nil, m)
		if err != nil {
			t.Fatal(err)
		}
		if got := testing.AllocsPerRun(100, func() { buf, _ = AppendFrame(buf[:0], m) }); got != tc.encode {
			t.Errorf("%s: encoding allocates %v times, want %v", tc.name, got, tc.encode)
		}
		fr := NewFrameReader(bufio.NewReaderSize(&repeatReader{frame: buf}, 64<<10), 0)
		if got := testing.AllocsPerRun(100, func() { _, _ = fr.Read() }); got != tc.read {
			t.Errorf("%s: reading allocates %v times, want %v", tc.name, got, tc.read)
		}
	}
}

// The strings of a small message share one copy of its body, those of a
// large one are copied one by one; either way they survive the reader's
// buffer being reused, and a command with one argument or several
// decodes whole.
func TestDecodedStringsOwnTheirBytes(t *testing.T) {
	t.Parallel()
	for _, n := range []int{10, sharedStrings} {
		big := strings.Repeat("x", n)
		want := []Message{
			{Op: OpDataOut, Sessid: 1, Reason: "r", Data: []Command{Text("first " + big), Prompt("> ")}},
			{Op: OpDataOut, Sessid: 2, Data: []Command{{Name: "Text", Args: []any{"a", "b"}}, Text("")}},
			{Op: OpDataIn, Sessid: 3, Data: []Command{{Name: "look"}, Text("x"), {Name: "go", Args: []any{"n", 1.0}}}},
		}
		var in []byte
		for _, m := range want {
			var err error
			if in, err = AppendFrame(in, m); err != nil {
				t.Fatal(err)
			}
		}
		fr := NewFrameReader(bytes.NewReader(in), 0)
		var got []Message
		for range want {
			m, err := fr.Read()
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, m)
		}
		clear(fr.buf[:cap(fr.buf)]) // the reader's buffer, reused
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("body of about %d bytes: decoded messages differ (-want +got):\n%s", n, diff)
		}
	}
}
