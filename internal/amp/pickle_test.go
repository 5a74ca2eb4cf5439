package amp_test

import (
	"errors"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/portalsim/portalsim/internal/amp"
)

// valueOpts compare decoded values: big ints by value, NaNs as equal.
var valueOpts = cmp.Options{
	cmp.Comparer(func(a, b *big.Int) bool { return a.Cmp(b) == 0 }),
	cmpopts.EquateNaNs(),
}

func bigInt(s string) *big.Int {
	b, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic(s)
	}
	return b
}

func readVector(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "pickles", name+".pickle"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDecodePickleVectors decodes what Python 3.11 wrote
// (testdata/capture/vectors.py), encodes it again and decodes that.
func TestDecodePickleVectors(t *testing.T) {
	t.Parallel()
	longList := make(amp.List, 1001)
	for i := range longList {
		longList[i] = int64(i)
	}
	tests := []struct {
		name string
		want any
		err  error
	}{
		{name: "none", want: nil},
		{name: "bools", want: amp.Tuple{true, false}},
		{name: "ints", want: amp.List{int64(0), int64(255), int64(256), int64(65535), int64(65536), int64(-1),
			int64(math.MaxInt32), int64(math.MinInt32), int64(1 << 31), int64(-1<<31 - 1),
			int64(math.MaxInt64), int64(math.MinInt64), bigInt("18446744073709551616"),
			bigInt("-18446744073709551616"), bigInt("1267650600228229401496703205376")}},
		{name: "floats", want: amp.List{0.0, 1.5, -2.25, 1e300, math.Inf(1)}},
		{name: "strs", want: amp.List{"", "hi", "å∂ß", strings.Repeat("x", 300)}},
		{name: "bytes", want: amp.List{amp.Bytes(""), amp.Bytes("\x00\xff"), amp.Bytes(strings.Repeat("y", 300))}},
		{name: "tuples", want: amp.Tuple{amp.Tuple(nil), amp.Tuple{int64(1)}, amp.Tuple{int64(1), int64(2)},
			amp.Tuple{int64(1), int64(2), int64(3)}, amp.Tuple{int64(1), int64(2), int64(3), int64(4)}}},
		{name: "nested", want: amp.List{int64(1), amp.List{int64(2), amp.List{int64(3), amp.List(nil)}}, amp.Dict(nil)}},
		{name: "dict", want: amp.Dict{
			{Key: int64(3), Value: nil},
			{Key: "a", Value: amp.List{int64(1)}},
			{Key: "b", Value: int64(1)},
			{Key: "nested", Value: amp.Dict{{Key: "x", Value: amp.Tuple{int64(1)}}}},
		}},
		{name: "shared_str", want: amp.List{"sharedsharedshared", "sharedsharedshared",
			amp.Dict{{Key: "k", Value: "sharedsharedshared"}}}},
		{name: "shared_dict", want: amp.List{amp.Dict{{Key: "a", Value: int64(1)}}, amp.Dict{{Key: "a", Value: int64(1)}}}},
		{name: "long_list", want: longList},
		{name: "msg", want: amp.Tuple{int64(5), amp.Dict{{Key: "text", Value: amp.List{amp.List{"look"},
			amp.Dict{{Key: "options", Value: amp.Dict(nil)}}}}}}},
		{name: "proto4_tuple", want: amp.Tuple{int64(1), "x"}},
		{name: "shared_list", err: amp.ErrPickleOpcode},
		{name: "recursive_list", err: amp.ErrPickleOpcode},
		{name: "cyclic_dict", err: amp.ErrPickleLimit},
		{name: "global", err: amp.ErrPickleGlobal},
		{name: "set", err: amp.ErrPickleOpcode},
		{name: "frozenset", err: amp.ErrPickleOpcode},
		{name: "bytearray", err: amp.ErrPickleOpcode},
		{name: "proto0_list", err: amp.ErrPickleOpcode},
		{name: "proto2_bytes", err: amp.ErrPickleGlobal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := amp.DecodePickle(readVector(t, tt.name), amp.Limits{})
			if !errors.Is(err, tt.err) {
				t.Fatalf("err: got %v, want %v", err, tt.err)
			}
			if tt.err != nil {
				return
			}
			if diff := cmp.Diff(tt.want, got, valueOpts); diff != "" {
				t.Fatalf("decoded (-want +got):\n%s", diff)
			}
			requirePickleRoundTrip(t, got)
		})
	}
}

// requirePickleRoundTrip checks that v encodes and decodes to itself.
func requirePickleRoundTrip(t testing.TB, v any) {
	t.Helper()
	p, err := amp.AppendPickle(nil, v)
	if err != nil {
		t.Fatalf("encode %#v: %v", v, err)
	}
	again, err := amp.DecodePickle(p, amp.Limits{})
	if err != nil {
		t.Fatalf("decode our pickle %q: %v", p, err)
	}
	if diff := cmp.Diff(v, again, valueOpts); diff != "" {
		t.Fatalf("round trip (-before +after):\n%s", diff)
	}
}

func TestAppendPickle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		v    any
		want string // the pickle, as Python 3.11 writes it where it writes no memo
		err  error
	}{
		{name: "none", v: nil, want: "\x80\x05N."},
		{name: "small int", v: 7, want: "\x80\x05K\x07."},
		{name: "true", v: true, want: "\x80\x05\x88."},
		{name: "int in a frame", v: int64(1 << 20), want: "\x80\x05\x95\x06\x00\x00\x00\x00\x00\x00\x00J\x00\x00\x10\x00."},
		{name: "long1", v: int64(1 << 40), want: "\x80\x05\x95\x09\x00\x00\x00\x00\x00\x00\x00\x8a\x06\x00\x00\x00\x00\x00\x01."},
		{name: "negative long1", v: int64(-1 << 40), want: "\x80\x05\x95\x09\x00\x00\x00\x00\x00\x00\x00\x8a\x06\x00\x00\x00\x00\x00\xff."},
		{name: "empty tuple", v: amp.Tuple{}, want: "\x80\x05)."},
		{name: "unsupported", v: 1.5i, err: amp.ErrPythonType},
		{name: "list key", v: amp.Dict{{Key: amp.List{}, Value: 1}}, err: amp.ErrPythonType},
		{name: "huge int", v: new(big.Int).Lsh(big.NewInt(1), 2048), err: amp.ErrIntRange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := amp.AppendPickle([]byte("x"), tt.v)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err: got %v, want %v", err, tt.err)
			}
			if want := "x" + tt.want; string(got) != want {
				t.Fatalf("got %q, want %q", got, want)
			}
		})
	}
}

func TestAppendPickleCycle(t *testing.T) {
	t.Parallel()
	l := make(amp.List, 1)
	l[0] = l
	if _, err := amp.AppendPickle(nil, l); !errors.Is(err, amp.ErrPythonType) {
		t.Fatalf("got %v, want %v", err, amp.ErrPythonType)
	}
}

func TestPickleRoundTripValues(t *testing.T) {
	t.Parallel()
	values := []any{
		int64(math.MinInt64), int64(math.MaxInt64), bigInt("-170141183460469231731687303715884105728"),
		bigInt("170141183460469231731687303715884105727"), math.NaN(), math.Copysign(0, -1),
		strings.Repeat("é", 40000), amp.Bytes(strings.Repeat("\x00", 70000)),
		amp.Dict{{Key: nil, Value: 1.5}, {Key: false, Value: int64(2)}, {Key: int64(-3), Value: amp.Tuple{amp.List{}}},
			{Key: 2.5, Value: "x"}, {Key: "s", Value: amp.Bytes("b")}, {Key: amp.Bytes("k"), Value: nil}},
	}
	for _, v := range values {
		requirePickleRoundTrip(t, normalize(v))
	}
}

// normalize turns empty containers into nil ones, as decoding does.
func normalize(v any) any {
	switch v := v.(type) {
	case amp.Tuple:
		if len(v) == 0 {
			return amp.Tuple(nil)
		}
		for i := range v {
			v[i] = normalize(v[i])
		}
	case amp.List:
		if len(v) == 0 {
			return amp.List(nil)
		}
		for i := range v {
			v[i] = normalize(v[i])
		}
	case amp.Dict:
		if len(v) == 0 {
			return amp.Dict(nil)
		}
		for i := range v {
			v[i].Value = normalize(v[i].Value)
		}
	}
	return v
}

func TestDecodePickleLimits(t *testing.T) {
	t.Parallel()
	deep := "\x80\x05" + strings.Repeat("]", 200) + strings.Repeat("a", 199) + "."
	tests := []struct {
		name string
		p    string
		lim  amp.Limits
		err  error
	}{
		{name: "deep", p: deep, err: amp.ErrPickleLimit},
		{name: "deep allowed", p: deep, lim: amp.Limits{MaxDepth: 300}},
		{name: "too many opcodes", p: "\x80\x05" + strings.Repeat("N0", 100) + "N.", lim: amp.Limits{MaxNodes: 100}, err: amp.ErrPickleLimit},
		{name: "too large", p: "\x80\x05N.", lim: amp.Limits{MaxPayload: 3}, err: amp.ErrPayloadTooLarge},
		// A memo bomb: each level holds the one below twice.
		{name: "shared expansion", p: "\x80\x05Nq\x00" + strings.Repeat("h\x00h\x00\x86q\x00", 40) + ".", err: amp.ErrPickleLimit},
		{name: "no stop", p: "\x80\x05N", err: amp.ErrPickle},
		{name: "after stop", p: "\x80\x05N.N", err: amp.ErrPickle},
		{name: "truncated argument", p: "\x80\x05X\xff\xff\x00\x00ab.", err: amp.ErrPickle},
		{name: "frame past the end", p: "\x80\x05\x95\xff\x00\x00\x00\x00\x00\x00\x00N.", err: amp.ErrPickle},
		{name: "protocol 6", p: "\x80\x06N.", err: amp.ErrPickleOpcode},
		{name: "stack underflow", p: "\x80\x05a.", err: amp.ErrPickle},
		{name: "mark left", p: "\x80\x05(.", err: amp.ErrPickle},
		{name: "unhashable key", p: "\x80\x05}]N\x94s.", err: amp.ErrPickle},
		{name: "int key twice", p: "\x80\x05}(K\x05N\x8a\x01\x05Nu.", err: amp.ErrPickle},
		{name: "reduce", p: "\x80\x05NNR.", err: amp.ErrPickleGlobal},
		{name: "persid", p: "\x80\x05N\x51.", err: amp.ErrPickleGlobal},
		{name: "dup", p: "\x80\x05N2.", err: amp.ErrPickleOpcode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := amp.DecodePickle([]byte(tt.p), tt.lim)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err: got %v, want %v", err, tt.err)
			}
		})
	}
}
