package amp_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/portalsim/portalsim/internal/amp"
)

// fuzzLimits keep the fuzzer's inputs cheap.
var fuzzLimits = amp.Limits{MaxKeys: 64, MaxBox: 1 << 20, MaxPayload: 1 << 20, MaxDepth: 50, MaxNodes: 1 << 14}

// FuzzBoxReader reads boxes from any bytes: no panic, only the package's
// errors, and a stream read to its end writes back to the same bytes.
func FuzzBoxReader(f *testing.F) {
	for _, stream := range captures(f) {
		f.Add(stream[:min(len(stream), 4096)])
	}
	f.Add(wire("_command", "MsgStatus", "_ask", "1", "status", ""))
	f.Add([]byte{0, 0, 0, 1, 'a', 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		boxes, err := readAll(t, bytes.NewReader(data), fuzzLimits)
		if err != nil && !isReadError(err) {
			t.Fatalf("unexpected error: %v", err)
		}
		var out []byte
		for _, b := range boxes {
			if b.Size() > fuzzLimits.MaxBox || len(b) > fuzzLimits.MaxKeys {
				t.Fatalf("box of %d bytes, %d keys passed the limits", b.Size(), len(b))
			}
			var err error
			if out, err = amp.AppendBox(out, b); err != nil {
				t.Fatalf("a box read cannot be written: %v", err)
			}
		}
		if err == nil && !bytes.Equal(out, data) {
			t.Fatalf("written again: %q, read: %q", out, data)
		}
		if err != nil && !bytes.HasPrefix(data, out) {
			t.Fatalf("boxes before the error are not a prefix of the input")
		}
	})
}

func isReadError(err error) bool {
	for _, want := range []error{io.ErrUnexpectedEOF, amp.ErrKeyTooLong, amp.ErrTooManyKeys, amp.ErrBoxTooLarge, amp.ErrDuplicateKey} {
		if errors.Is(err, want) {
			return true
		}
	}
	return false
}

// FuzzCompressed inflates any bytes as a Compressed argument (no panic,
// the limit held) and compresses them and inflates them back.
func FuzzCompressed(f *testing.F) {
	for _, b := range captureBoxes(f) {
		if v, ok := b.Get(amp.ArgPackedData); ok {
			f.Add(v)
		}
	}
	f.Add(zlibBytes(f, make([]byte, 1<<20), 9))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := amp.Decompressor{Max: 1 << 16}
		half := len(data) / 2
		got, err := d.Argument(amp.Box{{Key: []byte("p"), Value: data}, {Key: []byte("p.2"), Value: data[half:]}}, "p")
		if err == nil && len(got) > d.Max {
			t.Fatalf("inflated %d bytes past the limit %d", len(got), d.Max)
		}
		if err != nil && !errors.Is(err, amp.ErrCompressed) && !errors.Is(err, amp.ErrPayloadTooLarge) {
			t.Fatalf("unexpected error: %v", err)
		}
		var c amp.Compressor
		b, err := c.AppendArgument(nil, "p", data)
		if err != nil {
			t.Fatal(err)
		}
		back, err := d.Argument(b, "p")
		if err != nil || !bytes.Equal(back, data) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// FuzzPickle decodes any bytes as a pickle: no panic, and what decodes
// encodes and decodes to itself.
func FuzzPickle(f *testing.F) {
	for _, p := range capturePayloads(f) {
		f.Add(p.pickle)
	}
	for _, name := range []string{"dict", "ints", "tuples", "shared_str", "msg", "global", "shared_list"} {
		f.Add(readVector(f, name))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := amp.DecodePickle(data, fuzzLimits)
		if err != nil {
			if !isPickleError(err) {
				t.Fatalf("unexpected error: %v", err)
			}
			return
		}
		if n := strBytes(v); n > fuzzLimits.MaxPayload {
			t.Fatalf("decoded to %d bytes of strs and bytes, past the limit %d", n, fuzzLimits.MaxPayload)
		}
		p, err := amp.AppendPickle(nil, v)
		if err != nil {
			t.Fatalf("encode %#v: %v", v, err)
		}
		again, err := amp.DecodePickle(p, amp.Limits{})
		if err != nil {
			t.Fatalf("decode our pickle of %#v: %v", v, err)
		}
		if diff := cmp.Diff(v, again, valueOpts); diff != "" {
			t.Fatalf("round trip (-before +after):\n%s", diff)
		}
	})
}

// strBytes counts the bytes of the strs and bytes in v, at each use.
func strBytes(v any) int {
	n := 0
	switch v := v.(type) {
	case string:
		n = len(v)
	case amp.Bytes:
		n = len(v)
	case amp.Tuple:
		for _, x := range v {
			n += strBytes(x)
		}
	case amp.List:
		for _, x := range v {
			n += strBytes(x)
		}
	case amp.Dict:
		for _, it := range v {
			n += strBytes(it.Key) + strBytes(it.Value)
		}
	}
	return n
}

func isPickleError(err error) bool {
	for _, want := range []error{amp.ErrPickle, amp.ErrPickleGlobal, amp.ErrPickleOpcode, amp.ErrPickleLimit, amp.ErrPayloadTooLarge} {
		if errors.Is(err, want) {
			return true
		}
	}
	return false
}

// FuzzPayload decodes any pickle as Evennia's payloads: what decodes
// encodes and decodes to itself.
func FuzzPayload(f *testing.F) {
	for _, p := range capturePayloads(f) {
		f.Add(p.pickle)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := amp.DecodeAdmin(data, fuzzLimits); err == nil {
			requireAdminRoundTrip(t, data)
		} else if !isPickleError(err) && !errors.Is(err, amp.ErrPayload) {
			t.Fatalf("admin: unexpected error: %v", err)
		}
		if _, err := amp.DecodeMsg(data, fuzzLimits); err == nil {
			requireMsgRoundTrip(t, data)
		}
		if s, err := amp.DecodeStatus(data, fuzzLimits); err == nil {
			p, err := amp.AppendStatus(nil, &s)
			if err != nil {
				t.Fatal(err)
			}
			again, err := amp.DecodeStatus(p, amp.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(s, again, valueOpts); diff != "" {
				t.Fatalf("status (-first +second):\n%s", diff)
			}
		}
	})
}
