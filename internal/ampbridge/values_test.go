package ampbridge

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/portalsim/portalsim/internal/amp"
	"github.com/portalsim/portalsim/internal/link"
)

func TestToLink(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   any
		want any
		err  error
	}{
		{"none", nil, nil, nil},
		{"int", int64(3), int64(3), nil},
		{"float", 1.5, 1.5, nil},
		{"bytes", amp.Bytes("ab"), "ab", nil},
		{"tuple", amp.Tuple{int64(1), "x"}, []any{int64(1), "x"}, nil},
		{"int keys as json writes them", amp.Dict{{Key: int64(0), Value: int64(78)}, {Key: true, Value: nil}, {Key: nil, Value: 1.5}},
			map[string]any{"0": int64(78), "true": nil, "null": 1.5}, nil},
		{"big int", amp.List{big.NewInt(1).Lsh(big.NewInt(1), 70)}, nil, ErrValue},
		// The link carries numbers as float64: ints past ±2^53 would be
		// rounded.
		{"2^53", int64(1 << 53), int64(1 << 53), nil},
		{"-2^53", int64(-1 << 53), int64(-1 << 53), nil},
		{"2^53+1", int64(1<<53 + 1), nil, ErrValue},
		{"-2^53-1", amp.List{int64(-1<<53 - 1)}, nil, ErrValue},
		{"go int past 2^53", 1<<53 + 1, nil, ErrValue},
		{"nan", math.NaN(), nil, ErrValue},
		// json.dumps writes float keys as Python's repr, and ints of any
		// size (review-amp.md finding 9).
		{"float and big int keys as json writes them", amp.Dict{{Key: 1.0, Value: int64(0)}, {Key: 1e16, Value: int64(1)},
			{Key: math.Inf(1), Value: int64(2)}, {Key: math.Inf(-1), Value: int64(3)}, {Key: 1.5e-7, Value: int64(4)},
			{Key: math.Copysign(0, -1), Value: int64(5)}, {Key: 123456.789, Value: int64(6)}, {Key: 1e15, Value: int64(7)},
			{Key: 0.0001, Value: int64(8)}, {Key: math.NaN(), Value: int64(9)}, {Key: new(big.Int).Lsh(big.NewInt(1), 70), Value: int64(10)}},
			map[string]any{"1.0": int64(0), "1e+16": int64(1), "Infinity": int64(2), "-Infinity": int64(3), "1.5e-07": int64(4),
				"-0.0": int64(5), "123456.789": int64(6), "1000000000000000.0": int64(7), "0.0001": int64(8), "NaN": int64(9),
				"1180591620717411303424": int64(10)}, nil},
		{"colliding keys", amp.Dict{{Key: int64(0), Value: 1.0}, {Key: "0", Value: 2.0}}, nil, ErrValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := toLink(tt.in)
			if !errors.Is(err, tt.err) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			if diff := cmp.Diff(tt.want, got); err == nil && diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestToPython(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   any
		want any
		err  error
	}{
		{"integral float is an int", 78.0, int64(78), nil},
		{"fraction stays a float", 0.5, 0.5, nil},
		{"past 2^53 stays a float", 1e17, 1e17, nil},
		{"go int", 7, int64(7), nil},
		{"large uint", uint64(math.MaxUint64), new(big.Int).SetUint64(math.MaxUint64), nil},
		{"map sorted", map[string]any{"b": "x", "a": []any{1.0, true}},
			amp.Dict{{Key: "a", Value: amp.List{int64(1), true}}, {Key: "b", Value: "x"}}, nil},
		{"strings", []string{"a"}, amp.List{"a"}, nil},
		{"a struct", struct{}{}, nil, ErrValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := toPython(tt.in)
			if !errors.Is(err, tt.err) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			if diff := cmp.Diff(tt.want, got, valueOpts); err == nil && diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestTimesRoundTrip checks that every time.time() float of this era
// (and of the recordings) comes back from the link as the same float.
func TestTimesRoundTrip(t *testing.T) {
	t.Parallel()
	floats := []float64{1.7966577748932555e+09, 1.796657780186157e+09, 1.7966577698385677e+09, 1, 0.25}
	r := rand.New(rand.NewPCG(14, 2))
	for range 100000 {
		floats = append(floats, 1e9+r.Float64()*3e9)
	}
	for _, f := range floats {
		if got := timeToPython(timeToLink(f)); got != f {
			t.Fatalf("%v came back as %v", f, got)
		}
	}
	if !timeToLink(0).IsZero() || timeToPython(timeToLink(0)) != 0 {
		t.Fatalf("0 is not the zero time both ways")
	}
}

// TestToLinkDepth checks that a value nests as deep as the link's codec
// carries and no deeper.
func TestToLinkDepth(t *testing.T) {
	t.Parallel()
	nest := func(n int) any {
		var v any = "x"
		for range n - 1 {
			v = amp.List{v}
		}
		return v
	}
	for _, tt := range []struct {
		levels int
		err    error
	}{{linkMaxDepth, nil}, {linkMaxDepth + 1, ErrValue}} {
		var tr Translator
		m, err := tr.FromServer(Payload{Msg: &amp.Msg{Sessid: 1, Commands: []amp.Command{{Name: "x", Args: amp.List{nest(tt.levels)}}}}})
		if !errors.Is(err, tt.err) {
			t.Fatalf("%d levels: error %v, want %v", tt.levels, err, tt.err)
		}
		if _, lerr := link.AppendFrame(nil, m); err == nil && lerr != nil {
			t.Fatalf("%d levels: the link refuses it: %v", tt.levels, lerr)
		}
	}
}
