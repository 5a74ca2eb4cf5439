package link

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"testing"
)

// A peer that announces a huge frame and sends little costs only what it
// sent: the body buffer grows with the bytes, not with the announced length.
// Not parallel: it measures the bytes allocated.
func TestFrameReaderMemoryFollowsBytes(t *testing.T) {
	var in []byte
	in = binary.BigEndian.AppendUint32(in, DefaultMaxFrame)
	in = append(in, byte(OpHello))
	in = append(in, bytes.Repeat([]byte("x"), 100<<10)...) // 100 KiB, then EOF
	fr := NewFrameReader(bytes.NewReader(in), 0)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := fr.Read()
	runtime.ReadMemStats(&after)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("Read = %v, want an unexpected EOF", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 4<<20 {
		t.Fatalf("allocated %d bytes for a 100 KiB partial frame announced as %d", got, DefaultMaxFrame)
	}
}

// Frames larger than a read chunk, and of every size around its edges,
// round-trip, also through one reader reusing its buffer.
func TestFrameReaderChunkEdges(t *testing.T) {
	t.Parallel()
	var buf []byte
	var want []Message
	for _, n := range []int{0, 1, readChunk - 40, readChunk - 30, readChunk, readChunk + 1, 3*readChunk + 7, 10} {
		m := Message{Op: OpDataIn, Sessid: uint64(n), Data: []Command{Text(string(bytes.Repeat([]byte("y"), n)))}}
		want = append(want, m)
		var err error
		if buf, err = AppendFrame(buf, m); err != nil {
			t.Fatal(err)
		}
	}
	fr := NewFrameReader(bytes.NewReader(buf), 0)
	for _, w := range want {
		got, err := fr.Read()
		if err != nil {
			t.Fatalf("Read (sessid %d): %v", w.Sessid, err)
		}
		if s, _ := got.Data[0].FirstString(); got.Sessid != w.Sessid || len(s) != int(w.Sessid) {
			t.Fatalf("got sessid %d with %d bytes, want %d", got.Sessid, len(s), w.Sessid)
		}
	}
	if _, err := fr.Read(); err != io.EOF {
		t.Fatalf("after the last frame: %v, want EOF", err)
	}
}
