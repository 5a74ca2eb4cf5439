package amp_test

import (
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/portalsim/portalsim/internal/amp"
)

// hostilePickles are pickles written to get past the scan (review-amp.md
// findings 1 to 4); each is also in testdata/fuzz/FuzzPickle.
var hostilePickles = []struct {
	name string
	p    string
	lim  amp.Limits
	err  error
}{
	// og-rek reads LONG1's length byte as signed: 0x80 reads no bytes,
	// and the 128 the scan skipped run as opcodes (a GLOBAL here).
	{name: "long1 signed length", p: "\x80\x05\x8a\x80cos\nsystem\n0" + strings.Repeat("N0", 58) + "N.", err: amp.ErrPickleLimit},
	{name: "long1 17 bytes", p: "\x80\x05\x8a\x11" + strings.Repeat("\x01", 17) + ".", err: amp.ErrPickleLimit},
	{name: "long1 16 bytes", p: "\x80\x05\x8a\x10" + strings.Repeat("\x01", 16) + "."},
	// MEMOIZE fills slot len(memo), not a count of MEMOIZEs.
	{name: "shared list memoize slot", p: "\x80\x05K\x01q\x00]\x94K\x05ah\x01\x86.", err: amp.ErrPickleOpcode},
	// A second memo op, or a PROTO, between the list and its MEMOIZE.
	{name: "shared list second put", p: "\x80\x05]q\x00q\x01K\x05ah\x01\x86.", err: amp.ErrPickleOpcode},
	{name: "shared list proto", p: "\x80\x05]\x80\x05\x94K\x05ah\x00\x86.", err: amp.ErrPickleOpcode},
	{name: "shared list frame and put", p: "\x80\x05]\x95\x01\x00\x00\x00\x00\x00\x00\x00q\x00r\x01\x00\x00\x00K\x05aj\x01\x00\x00\x00\x86.", err: amp.ErrPickleOpcode},
	{name: "shared str", p: "\x80\x05X\x02\x00\x00\x00hiq\x00h\x00\x86."},
	// One string used many times: the bytes are counted at each use.
	{name: "shared str budget", p: "\x80\x05X\xe8\x03\x00\x00" + strings.Repeat("x", 1000) + "q\x00(" + strings.Repeat("h\x00", 10) + "l.",
		lim: amp.Limits{MaxPayload: 4096}, err: amp.ErrPayloadTooLarge},
	{name: "shared bytes budget", p: "\x80\x05B\xe8\x03\x00\x00" + strings.Repeat("x", 1000) + "\x94(" + strings.Repeat("h\x00", 10) + "t.",
		lim: amp.Limits{MaxPayload: 4096}, err: amp.ErrPayloadTooLarge},
	{name: "shared str within budget", p: "\x80\x05X\xe8\x03\x00\x00" + strings.Repeat("x", 1000) + "q\x00(" + strings.Repeat("h\x00", 3) + "l.",
		lim: amp.Limits{MaxPayload: 4096}},
}

func TestDecodePickleHostile(t *testing.T) {
	t.Parallel()
	for _, tt := range hostilePickles {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, err := amp.DecodePickle([]byte(tt.p), tt.lim)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err: got %v (value %#v), want %v", err, v, tt.err)
			}
		})
	}
}

// TestAppendPickleIntRange: the encoder writes only the ints the decoder
// accepts (LONG1 of at most 16 bytes), and refuses a nil *big.Int.
func TestAppendPickleIntRange(t *testing.T) {
	t.Parallel()
	one := big.NewInt(1)
	max := new(big.Int).Sub(new(big.Int).Lsh(one, 127), one)
	min := new(big.Int).Neg(new(big.Int).Lsh(one, 127))
	tests := []struct {
		name string
		v    any
		err  error
	}{
		{name: "2^127-1", v: max},
		{name: "-2^127", v: min},
		{name: "2^127", v: new(big.Int).Add(max, one), err: amp.ErrIntRange},
		{name: "-2^127-1", v: new(big.Int).Sub(min, one), err: amp.ErrIntRange},
		{name: "2^1100", v: new(big.Int).Lsh(one, 1100), err: amp.ErrIntRange},
		{name: "nil big", v: (*big.Int)(nil), err: amp.ErrPythonType},
		{name: "nil big key", v: amp.Dict{{Key: (*big.Int)(nil), Value: nil}, {Key: int64(1), Value: nil}}, err: amp.ErrPythonType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := amp.AppendPickle(nil, tt.v)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err: got %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			back, err := amp.DecodePickle(p, amp.Limits{})
			if err != nil || back.(*big.Int).Cmp(tt.v.(*big.Int)) != 0 {
				t.Fatalf("round trip: %v, %v", back, err)
			}
		})
	}
}
