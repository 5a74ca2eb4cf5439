package amp_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/portalsim/portalsim/internal/amp"
)

// wire builds the wire bytes of fields given as alternating keys and
// values, with the end marker.
func wire(kv ...string) []byte {
	var b []byte
	for _, s := range kv {
		b = append(b, byte(len(s)>>8), byte(len(s)))
		b = append(b, s...)
	}
	return append(b, 0, 0)
}

func box(kv ...string) amp.Box {
	var b amp.Box
	for i := 0; i < len(kv); i += 2 {
		b = append(b, amp.StringField(kv[i], kv[i+1]))
	}
	return b
}

// readAll reads every box of in, cloning each.
func readAll(t testing.TB, r io.Reader, lim amp.Limits) ([]amp.Box, error) {
	t.Helper()
	rd := amp.NewReader(r, lim)
	var out []amp.Box
	for {
		b, err := rd.ReadBox()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, b.Clone())
	}
}

func TestReadBox(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("v", amp.MaxValueLen)
	tests := []struct {
		name string
		in   []byte
		lim  amp.Limits
		want []amp.Box
		err  error
	}{
		{name: "none", in: nil},
		{name: "one", in: wire("_command", "MsgStatus", "_ask", "1", "status", ""),
			want: []amp.Box{box("_command", "MsgStatus", "_ask", "1", "status", "")}},
		{name: "two", in: append(wire("_answer", "1"), wire("_answer", "2", "status", "x")...),
			want: []amp.Box{box("_answer", "1"), box("_answer", "2", "status", "x")}},
		{name: "empty box", in: []byte{0, 0}, want: []amp.Box{{}}},
		{name: "longest key and value", in: wire(strings.Repeat("k", 255), long),
			want: []amp.Box{box(strings.Repeat("k", 255), long)}},
		{name: "key too long", in: []byte{1, 0}, err: amp.ErrKeyTooLong},
		{name: "duplicate", in: wire("a", "1", "b", "2", "a", "3"), err: amp.ErrDuplicateKey},
		{name: "too many keys", in: wire("a", "", "b", "", "c", ""), lim: amp.Limits{MaxKeys: 2}, err: amp.ErrTooManyKeys},
		{name: "too large", in: wire("a", "0123456789"), lim: amp.Limits{MaxBox: 16}, err: amp.ErrBoxTooLarge},
		{name: "just fits", in: wire("a", "0123456789"), lim: amp.Limits{MaxBox: 17},
			want: []amp.Box{box("a", "0123456789")}},
		{name: "cut in a key", in: []byte{0, 3, 'a'}, err: io.ErrUnexpectedEOF},
		{name: "cut in a length", in: []byte{0}, err: io.ErrUnexpectedEOF},
		{name: "cut before the end", in: wire("a", "b")[:6], err: io.ErrUnexpectedEOF},
		{name: "cut in a value", in: []byte{0, 1, 'a', 0, 5, 'x'}, err: io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// One byte at a time: a box split anywhere reads the same.
			got, err := readAll(t, iotest.OneByteReader(bytes.NewReader(tt.in)), tt.lim)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err: got %v, want %v", err, tt.err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); tt.err == nil && diff != "" {
				t.Fatalf("boxes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadBoxManyKeys(t *testing.T) {
	t.Parallel()
	// Past 16 keys the duplicate check uses a map: both ways agree.
	var kv []string
	for i := range 40 {
		kv = append(kv, "k"+string(rune('A'+i)), "v")
	}
	got, err := readAll(t, bytes.NewReader(wire(kv...)), amp.Limits{})
	if err != nil || len(got) != 1 || len(got[0]) != 40 {
		t.Fatalf("got %d boxes, err %v", len(got), err)
	}
	kv = append(kv, "kB", "again")
	if _, err := readAll(t, bytes.NewReader(wire(kv...)), amp.Limits{}); !errors.Is(err, amp.ErrDuplicateKey) {
		t.Fatalf("err: got %v, want %v", err, amp.ErrDuplicateKey)
	}
}

func TestAppendBox(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		box  amp.Box
		want []byte
		err  error
	}{
		{name: "order kept", box: box("z", "1", "a", "2"), want: wire("z", "1", "a", "2")},
		{name: "empty", box: nil, want: []byte{0, 0}},
		{name: "empty key", box: box("", "x"), err: amp.ErrEmptyKey},
		{name: "key too long", box: box(strings.Repeat("k", 256), ""), err: amp.ErrKeyTooLong},
		{name: "value too long", box: box("k", strings.Repeat("v", 65536)), err: amp.ErrValueTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dst := []byte("prefix")
			got, err := amp.AppendBox(dst, tt.box)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err: got %v, want %v", err, tt.err)
			}
			want := append([]byte("prefix"), tt.want...)
			if !bytes.Equal(got, want) {
				t.Fatalf("got %q, want %q", got, want)
			}
		})
	}
}

func TestWriterRoundTrip(t *testing.T) {
	t.Parallel()
	boxes := []amp.Box{
		amp.NewCommand(amp.CommandMsgStatus, []byte("1"), amp.StringField(amp.ArgStatus, "")),
		amp.NewAnswer([]byte("1"), amp.StringField(amp.ArgStatus, "\x80\x05N.")),
		amp.NewError([]byte("2"), amp.ErrorCodeException, "boom"),
	}
	var buf bytes.Buffer
	w := amp.NewWriter(&buf)
	for _, b := range boxes {
		if err := w.WriteBox(b); err != nil {
			t.Fatal(err)
		}
	}
	got, err := readAll(t, &buf, amp.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(boxes, got); diff != "" {
		t.Fatalf("boxes (-want +got):\n%s", diff)
	}
}

func TestBoxClone(t *testing.T) {
	t.Parallel()
	rd := amp.NewReader(bytes.NewReader(append(wire("a", "1"), wire("b", "2")...)), amp.Limits{})
	first, err := rd.ReadBox()
	if err != nil {
		t.Fatal(err)
	}
	kept := first.Clone()
	if _, err := rd.ReadBox(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(box("a", "1"), kept); diff != "" {
		t.Fatalf("clone changed (-want +got):\n%s", diff)
	}
	if got, want := kept.Size(), len(wire("a", "1")); got != want {
		t.Fatalf("size: got %d, want %d", got, want)
	}
}

func TestReaderSetLimits(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 3000)
	in := append(wire("a", "1"), wire("b", big)...)
	in = append(in, wire("c", big)...)
	rd := amp.NewReader(bytes.NewReader(in), amp.Limits{MaxBox: 1024})
	if _, err := rd.ReadBox(); err != nil {
		t.Fatalf("first box: %v", err)
	}
	rd.SetLimits(amp.Limits{}) // the defaults: the large box fits now
	if b, err := rd.ReadBox(); err != nil || len(b[0].Value) != len(big) {
		t.Fatalf("second box: %v", err)
	}
	rd.SetLimits(amp.Limits{MaxBox: 1024})
	if _, err := rd.ReadBox(); !errors.Is(err, amp.ErrBoxTooLarge) {
		t.Fatalf("third box: got %v, want %v", err, amp.ErrBoxTooLarge)
	}
}
