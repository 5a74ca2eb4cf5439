package amp

import (
	"bufio"
	"bytes"
	"fmt"
	"math/big"
	"slices"
	"sync"

	ogrek "github.com/kisielk/og-rek"
)

// DecodePickle decodes one pickle (any protocol from 2 to 5, as Python 3
// writes them) into the value model of value.go, within lim (the zero
// value means the defaults).
//
// The opcodes are checked against an allow-list first (see
// pickle_scan.go): a pickle that names any global is refused with
// [ErrPickleGlobal], whatever it names. The unpickler is og-rek's; its
// dicts are Go maps, so Python's insertion order is lost, and decoded
// [Dict]s have their keys sorted instead. Values the pickle shares (the
// memo) are counted at each use: the values within [Limits.MaxNodes],
// the bytes of str and bytes values within [Limits.MaxPayload] (past it,
// [ErrPayloadTooLarge]), so that what decodes can be pickled again or
// sent on in about as many bytes as the pickle may have.
func DecodePickle(p []byte, lim Limits) (any, error) {
	lim = lim.orDefaults()
	if len(p) > lim.MaxPayload {
		return nil, fmt.Errorf("pickle of %d bytes (max %d): %w", len(p), lim.MaxPayload, ErrPayloadTooLarge)
	}
	if err := scanPickle(p, lim.MaxNodes); err != nil {
		return nil, err
	}
	raw, err := unpickle(p)
	if err != nil {
		return nil, err
	}
	c := converter{lim: lim}
	return c.value(raw, 0)
}

// unpickle runs og-rek's unpickler on a scanned pickle.
func unpickle(p []byte) (v any, err error) {
	defer func() {
		// og-rek is not ours to fix here; a panic on some input is a
		// malformed pickle to the caller, never a crash.
		if r := recover(); r != nil {
			v, err = nil, fmt.Errorf("og-rek panicked (%v): %w", r, ErrPickle)
		}
	}()
	in := inputs.Get().(*pickleInput)
	defer func() {
		in.src.Reset(nil) // hold no caller's bytes in the pool
		inputs.Put(in)
	}()
	in.src.Reset(p)
	in.br.Reset(&in.src)
	d := ogrek.NewDecoderWithConfig(in.br, &decoderConfig)
	v, err = d.Decode()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPickle, err)
	}
	return v, nil
}

var decoderConfig = ogrek.DecoderConfig{
	StrictUnicode:  true,
	PersistentLoad: func(ogrek.Ref) (any, error) { return nil, ErrPickleGlobal },
}

// pickleInput is og-rek's input. og-rek puts a 4 KiB bufio.Reader in
// front of any reader that is not one already; these are reused.
type pickleInput struct {
	src bytes.Reader
	br  *bufio.Reader
}

var inputs = sync.Pool{New: func() any {
	in := new(pickleInput)
	in.br = bufio.NewReaderSize(&in.src, 4096)
	return in
}}

// converter turns og-rek's values into this package's, counting values,
// depth and the bytes of strs and bytes.
type converter struct {
	lim   Limits
	nodes int
	bytes int
}

// use counts n bytes of a str or bytes value.
func (c *converter) use(n int) error {
	if c.bytes += n; c.bytes > c.lim.MaxPayload {
		return fmt.Errorf("strs and bytes of more than %d bytes in all: %w", c.lim.MaxPayload, ErrPayloadTooLarge)
	}
	return nil
}

func (c *converter) value(v any, depth int) (any, error) {
	if c.nodes++; c.nodes > c.lim.MaxNodes {
		return nil, fmt.Errorf("more than %d values: %w", c.lim.MaxNodes, ErrPickleLimit)
	}
	if depth > c.lim.MaxDepth {
		return nil, fmt.Errorf("nested deeper than %d: %w", c.lim.MaxDepth, ErrPickleLimit)
	}
	switch v := v.(type) {
	case ogrek.None:
		return nil, nil
	case bool, int64, float64:
		return v, nil
	case string:
		return v, c.use(len(v))
	case *big.Int:
		if v.IsInt64() {
			return v.Int64(), nil
		}
		return new(big.Int).Set(v), nil
	case ogrek.Bytes:
		return Bytes(v), c.use(len(v))
	case ogrek.Tuple:
		items, err := c.items(v, depth)
		return Tuple(items), err
	case []any:
		items, err := c.items(v, depth)
		return List(items), err
	case map[any]any:
		return c.dict(v, depth)
	case ogrek.Class, ogrek.Call, ogrek.Ref:
		return nil, fmt.Errorf("%T: %w", v, ErrPickleGlobal)
	}
	return nil, fmt.Errorf("%T: %w", v, ErrPickleOpcode)
}

func (c *converter) items(in []any, depth int) ([]any, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make([]any, len(in))
	for i, v := range in {
		var err error
		if out[i], err = c.value(v, depth+1); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// dict converts a map into a Dict sorted by key. Two keys that became
// equal (an int pickled both as BININT and as LONG1) are refused.
func (c *converter) dict(m map[any]any, depth int) (Dict, error) {
	if len(m) == 0 {
		return nil, nil
	}
	d := make(Dict, 0, len(m))
	for k, v := range m {
		key, err := c.value(k, depth+1)
		if err != nil {
			return nil, err
		}
		if keyRank(key) > 5 {
			return nil, fmt.Errorf("dict key of type %T: %w", key, ErrPickle)
		}
		val, err := c.value(v, depth+1)
		if err != nil {
			return nil, err
		}
		d = append(d, Item{Key: key, Value: val})
	}
	slices.SortFunc(d, func(a, b Item) int { return compareKeys(a.Key, b.Key) })
	for i := 1; i < len(d); i++ {
		if compareKeys(d[i-1].Key, d[i].Key) == 0 {
			return nil, fmt.Errorf("dict key %v twice: %w", d[i].Key, ErrPickle)
		}
	}
	return d, nil
}
