package amp_test

import (
	"bytes"
	"compress/zlib"
	"errors"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/portalsim/portalsim/internal/amp"
)

// randomBytes returns n bytes that do not compress.
func randomBytes(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestCompressedRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		data   []byte
		fields int
	}{
		{name: "empty", data: nil, fields: 1},
		{name: "small", data: []byte("hello"), fields: 1},
		{name: "exactly one piece", data: bytes.Repeat([]byte("a"), 65535), fields: 1},
		{name: "one byte more", data: bytes.Repeat([]byte("a"), 65536), fields: 2},
		{name: "ten pieces", data: bytes.Repeat([]byte("abc"), 65535*10/3+1), fields: 11},
		// Incompressible pieces grow under zlib: each is cut in two.
		{name: "random", data: randomBytes(3 * 65535), fields: 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var c amp.Compressor
			b, err := c.AppendArgument(amp.Box{amp.StringField("_ask", "1")}, "packed_data", tt.data)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(b) - 1; got != tt.fields {
				t.Errorf("fields: got %d, want %d", got, tt.fields)
			}
			for i, f := range b[1:] {
				want := "packed_data"
				if i > 0 {
					want += "." + strconv.Itoa(i+1)
				}
				if string(f.Key) != want || len(f.Value) > amp.MaxValueLen {
					t.Fatalf("field %d: key %q, %d bytes", i, f.Key, len(f.Value))
				}
			}
			// Through the wire and back.
			w, err := amp.AppendBox(nil, b)
			if err != nil {
				t.Fatal(err)
			}
			got, err := readAll(t, bytes.NewReader(w), amp.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			var d amp.Decompressor
			data, err := d.Argument(got[0], "packed_data")
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(data, tt.data) {
				t.Fatalf("got %d bytes back, want %d", len(data), len(tt.data))
			}
		})
	}
}

func zlibBytes(t testing.TB, data []byte, level int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := zlib.NewWriterLevel(&buf, level)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDecompressor(t *testing.T) {
	t.Parallel()
	good := zlibBytes(t, []byte("hello"), 9)
	bomb := zlibBytes(t, make([]byte, 10<<20), 9) // 10 MiB of zeros in about 10 KiB
	tests := []struct {
		name string
		box  amp.Box
		max  int
		want string
		err  error
	}{
		{name: "one", box: amp.Box{{Key: []byte("p"), Value: good}}, want: "hello"},
		{name: "joined", box: amp.Box{{Key: []byte("p"), Value: good}, {Key: []byte("p.2"), Value: good}}, want: "hellohello"},
		{name: "gap ignored", box: amp.Box{{Key: []byte("p"), Value: good}, {Key: []byte("p.3"), Value: good}}, want: "hello"},
		{name: "any level", box: amp.Box{{Key: []byte("p"), Value: zlibBytes(t, []byte("hello"), 0)}}, want: "hello"},
		{name: "missing", box: amp.Box{{Key: []byte("q"), Value: good}}, err: amp.ErrMissingArgument},
		{name: "not zlib", box: amp.Box{{Key: []byte("p"), Value: []byte("hello")}}, err: amp.ErrCompressed},
		{name: "empty value", box: amp.Box{{Key: []byte("p")}}, err: amp.ErrCompressed},
		{name: "truncated", box: amp.Box{{Key: []byte("p"), Value: good[:len(good)-3]}}, err: amp.ErrCompressed},
		{name: "bad checksum", box: amp.Box{{Key: []byte("p"), Value: append(bytes.Clone(good[:len(good)-1]), good[len(good)-1]^1)}}, err: amp.ErrCompressed},
		{name: "bomb", box: amp.Box{{Key: []byte("p"), Value: bomb}}, max: 1 << 20, err: amp.ErrPayloadTooLarge},
		{name: "bomb in pieces", box: amp.Box{{Key: []byte("p"), Value: good}, {Key: []byte("p.2"), Value: bomb}}, max: 1 << 20, err: amp.ErrPayloadTooLarge},
		{name: "exactly the limit", box: amp.Box{{Key: []byte("p"), Value: good}}, max: 5, want: "hello"},
		{name: "one over", box: amp.Box{{Key: []byte("p"), Value: good}, {Key: []byte("p.2"), Value: zlibBytes(t, []byte("!"), 9)}}, max: 5, err: amp.ErrPayloadTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := amp.Decompressor{Max: tt.max}
			got, err := d.Argument(tt.box, "p")
			if !errors.Is(err, tt.err) {
				t.Fatalf("err: got %v, want %v", err, tt.err)
			}
			if string(got) != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			// The decompressor is reusable after an error.
			if again, err := d.Argument(amp.Box{{Key: []byte("p"), Value: good}}, "p"); err != nil || string(again) != "hello" {
				t.Fatalf("reuse: got %q, %v", again, err)
			}
		})
	}
}

func TestNewCompressorLevel(t *testing.T) {
	t.Parallel()
	if _, err := amp.NewCompressor(42); err == nil {
		t.Fatal("level 42 accepted")
	}
	c, err := amp.NewCompressor(zlib.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.AppendArgument(nil, "packed_data", []byte("x"))
	if err != nil || len(b) != 1 {
		t.Fatalf("got %v, %v", b, err)
	}
}
