package telnet

import (
	"bytes"
	"compress/zlib"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// serverStream builds what a server sends: plain, the start sequence,
// compressed (each piece flushed), the end of the stream, then after.
func serverStream(plain []byte, compressed [][]byte, after []byte) []byte {
	var c Compressor
	out := append([]byte(nil), plain...)
	out = AppendMCCP2Start(out)
	c.Start()
	for _, p := range compressed {
		out = c.AppendCompressed(out, p)
	}
	out = c.AppendEnd(out)
	return append(out, after...)
}

func TestCompressorSyncFlushEachPiece(t *testing.T) {
	t.Parallel()
	var c Compressor
	c.Start()
	first := c.AppendCompressed(nil, []byte("hello\r\n"))
	// A sync flush ends with an empty stored block: 00 00 FF FF.
	if !bytes.HasSuffix(first, []byte{0, 0, 0xff, 0xff}) {
		t.Fatalf("piece not sync-flushed: % x", first)
	}
	zr, err := zlib.NewReader(bytes.NewReader(first))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 7)
	if _, err := io.ReadFull(zr, buf); err != nil || string(buf) != "hello\r\n" {
		t.Fatalf("read %q, %v: a flushed piece must be readable at once", buf, err)
	}
}

// Bug 5.32: Evennia drops its compressor without finishing the stream,
// so the client sees a zlib stream cut off. AppendEnd must finish it:
// a zlib reader then reaches io.EOF with the checksum verified.
func TestCompressorEndFinishesStream(t *testing.T) {
	t.Parallel()
	var c Compressor
	c.Start()
	b := c.AppendCompressed(nil, []byte("one"))
	b = c.AppendCompressed(b, []byte("two"))
	b = c.AppendEnd(b)
	if c.Active() {
		t.Fatal("still active after AppendEnd")
	}
	zr, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("stream not finished: %v", err)
	}
	if string(got) != "onetwo" {
		t.Fatalf("got %q", got)
	}
	if p := c.AppendCompressed(nil, []byte("plain")); string(p) != "plain" {
		t.Errorf("after the end got %q, want plain bytes", p)
	}
	if e := c.AppendEnd(nil); len(e) != 0 {
		t.Errorf("a second AppendEnd wrote %q", e)
	}
}

func TestCompressorRestart(t *testing.T) {
	t.Parallel()
	var c Compressor
	c.Start()
	b := c.AppendEnd(c.AppendCompressed(nil, bytes.Repeat([]byte("x"), 100<<10)))
	c.Start()
	b2 := c.AppendEnd(c.AppendCompressed(nil, []byte("again")))
	for i, s := range [][]byte{b, b2} {
		zr, err := zlib.NewReader(bytes.NewReader(s))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadAll(zr); err != nil {
			t.Errorf("stream %d: %v", i, err)
		}
	}
}

func TestMCCP2Reader(t *testing.T) {
	t.Parallel()
	start := string(AppendMCCP2Start(nil))
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{
			name: "switch mid-buffer, end, plain again",
			in:   serverStream([]byte("plain\r\n"), [][]byte{[]byte("zipped "), []byte("more\r\n")}, []byte("after")),
			want: "plain\r\n" + start + "zipped more\r\nafter",
		},
		{
			name: "IAC IAC before a fake start is data",
			in:   []byte("a\xff\xff\xfa\x56\xff\xf0b"),
			want: "a\xff\xff\xfa\x56\xff\xf0b",
		},
		{
			name: "another subnegotiation holding the bytes",
			in:   []byte("\xff\xfa\x18\x00\xff\xff\xfa\x56\xff\xf0x"),
			want: "\xff\xfa\x18\x00\xff\xff\xfa\x56\xff\xf0x",
		},
		{
			name: "negotiation of option 250 before",
			in:   append([]byte("\xff\xfb\xfa"), serverStream(nil, [][]byte{[]byte("z")}, nil)...),
			want: "\xff\xfb\xfa" + start + "z",
		},
		{
			name: "two streams",
			in:   append(serverStream(nil, [][]byte{[]byte("1")}, []byte("-")), serverStream(nil, [][]byte{[]byte("2")}, nil)...),
			want: start + "1-" + start + "2",
		},
	}
	for _, tt := range tests {
		for _, split := range []bool{false, true} {
			var r io.Reader = bytes.NewReader(tt.in)
			if split {
				r = iotest.OneByteReader(r)
			}
			got, err := io.ReadAll(NewMCCP2Reader(r))
			if err != nil {
				t.Errorf("%s (one byte reads %v): %v", tt.name, split, err)
			}
			if string(got) != tt.want {
				t.Errorf("%s (one byte reads %v): got %q, want %q", tt.name, split, got, tt.want)
			}
		}
	}
}

func TestMCCP2ReaderErrors(t *testing.T) {
	t.Parallel()
	start := AppendMCCP2Start([]byte("x"))
	corrupt := append(append([]byte(nil), start...), 0x78, 0x9c, 0xff, 0xff, 0xff, 0xff)
	if _, err := io.ReadAll(NewMCCP2Reader(bytes.NewReader(corrupt))); !errors.Is(err, ErrMCCP2Corrupt) {
		t.Errorf("corrupt stream: err = %v, want ErrMCCP2Corrupt", err)
	}
	cut := serverStream(nil, [][]byte{[]byte("abc")}, nil)
	cut = cut[:len(cut)-6] // drop the end of the stream
	if _, err := io.ReadAll(NewMCCP2Reader(bytes.NewReader(cut))); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("cut stream: err = %v, want io.ErrUnexpectedEOF", err)
	}
}

// The start sequence ends a read: the bytes before it are returned
// without waiting for the compressed ones.
func TestMCCP2ReaderReturnsBeforeStream(t *testing.T) {
	t.Parallel()
	pr, pw := io.Pipe()
	go func() { _, _ = pw.Write(AppendMCCP2Start([]byte("hi"))) }()
	r := NewMCCP2Reader(pr)
	buf := make([]byte, 64)
	n, err := r.Read(buf)
	if err != nil || string(buf[:n]) != "hi"+string(AppendMCCP2Start(nil)) {
		t.Fatalf("Read = %q, %v", buf[:n], err)
	}
	if !r.Compressed() {
		t.Error("Compressed() = false after the start sequence")
	}
	pw.Close()
}

func BenchmarkCompressor(b *testing.B) {
	line := bytes.Repeat([]byte("You see a small room with a wooden table. "), 4)
	var c Compressor
	c.Start()
	var out []byte
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		out = c.AppendCompressed(out[:0], line)
	}
}

// FuzzMCCP2 reads any server stream without panicking or looping, and
// reads back what a Compressor wrote around the plain text given.
func FuzzMCCP2(f *testing.F) {
	f.Add([]byte("plain"), []byte("zipped"), []byte{})
	f.Add(AppendMCCP2Start([]byte("x")), []byte{0xff, 0xfa}, []byte{0x78, 0x9c})
	f.Add([]byte("\xff\xff\xfa\x56\xff\xf0"), []byte("\x00\xff"), []byte("\xff\xfa\x56\xff\xf0\x78\x9c\x01"))
	f.Fuzz(func(t *testing.T, plain, zipped, raw []byte) {
		// Any bytes: no panic, a bounded result.
		out, _ := io.ReadAll(io.LimitReader(NewMCCP2Reader(bytes.NewReader(raw)), 1<<20))
		_ = out
		// A real stream: plain text without a start sequence of its own.
		if bytes.Contains(plain, AppendMCCP2Start(nil)) || bytes.Contains(plain, []byte{IAC}) {
			return
		}
		in := serverStream(plain, [][]byte{zipped}, nil)
		got, err := io.ReadAll(NewMCCP2Reader(bytes.NewReader(in)))
		if err != nil {
			t.Fatal(err)
		}
		want := string(plain) + string(AppendMCCP2Start(nil)) + string(zipped)
		if string(got) != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	})
}
