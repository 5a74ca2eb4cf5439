package ampbridge

import (
	"fmt"
	"maps"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/portalsim/portalsim/internal/amp"
)

// linkMaxDepth is how deep the link's codec lets a value nest (its
// maxDepth, internal/link/codec.go): a command's argument, a kwarg, a
// flag are at depth 1.
const linkMaxDepth = 32

// maxExactInt is the largest integer every float64 up to it can hold
// exactly (2^53).
const maxExactInt = 1 << 53

// toLink converts a Python value (amp's model) to a link value:
//
//	Python              link
//	None, bool, str     nil, bool, string
//	int                 int64 within ±2^53 (the link sends it as a
//	                    float64, exact only that far)
//	float               float64 (not NaN or ±Inf: the link refuses them)
//	bytes               string (the link has no bytes; Evennia decodes
//	                    bytes with the session's encoding too)
//	tuple, list         []any
//	dict                map[string]any; a key that is no str is written
//	                    as json.dumps writes it (0 → "0", True → "true",
//	                    None → "null", 1.0 → "1.0", inf → "Infinity"):
//	                    what Evennia's webclient gets
//
// An int beyond ±2^53, a NaN or infinite float, a dict
// whose keys collide once written as strings, and a value nested deeper
// than the link carries are [ErrValue].
func toLink(v any) (any, error) { return toLinkAt(v, 1) }

// toLinkAt converts v, found at depth (1 for a top-level value).
func toLinkAt(v any, depth int) (any, error) {
	if depth > linkMaxDepth {
		return nil, fmt.Errorf("nested deeper than %d: %w", linkMaxDepth, ErrValue)
	}
	switch x := v.(type) {
	case nil, bool, string:
		return x, nil
	case int64:
		return exactInt(x)
	case int:
		return exactInt(int64(x))
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("float %v: %w", x, ErrValue)
		}
		return x, nil
	case *big.Int:
		return nil, fmt.Errorf("int %v beyond ±2^53: %w", x, ErrValue)
	case amp.Bytes:
		return string(x), nil
	case amp.Tuple:
		return listToLinkAt(x, depth)
	case amp.List:
		return listToLinkAt(x, depth)
	case amp.Dict:
		return dictToLinkAt(x, depth)
	}
	return nil, fmt.Errorf("python value of Go type %T: %w", v, ErrValue)
}

// exactInt returns i if the link's float64 holds it exactly.
func exactInt(i int64) (any, error) {
	if i > maxExactInt || i < -maxExactInt {
		return nil, fmt.Errorf("int %d beyond ±2^53 (the link would round it): %w", i, ErrValue)
	}
	return i, nil
}

// listToLink converts a list of top-level values (a command's args).
func listToLink(l []any) ([]any, error) { return listToLinkAt(l, 0) }

// listToLinkAt converts a list found at depth; its items are one deeper.
func listToLinkAt(l []any, depth int) ([]any, error) {
	out := make([]any, len(l))
	for i, e := range l {
		v, err := toLinkAt(e, depth+1)
		if err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
		out[i] = v
	}
	return out, nil
}

// dictToLink converts a dict of top-level values (kwargs, config,
// server_data); nil gives nil.
func dictToLink(d amp.Dict) (map[string]any, error) { return dictToLinkAt(d, 0) }

// dictToLinkAt converts a dict found at depth; its values are one deeper.
func dictToLinkAt(d amp.Dict, depth int) (map[string]any, error) {
	if d == nil {
		return nil, nil
	}
	out := make(map[string]any, len(d))
	for _, it := range d {
		k, err := keyToLink(it.Key)
		if err != nil {
			return nil, err
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("dict key %q twice once written as str: %w", k, ErrValue)
		}
		v, err := toLinkAt(it.Value, depth+1)
		if err != nil {
			return nil, fmt.Errorf("[%q]: %w", k, err)
		}
		out[k] = v
	}
	return out, nil
}

// keyToLink writes a dict key as json.dumps does; a bytes key (which
// json.dumps refuses) is [ErrValue].
func keyToLink(k any) (string, error) {
	switch x := k.(type) {
	case string:
		return x, nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case bool:
		return strconv.FormatBool(x), nil
	case nil:
		return "null", nil
	case *big.Int:
		if x != nil {
			return x.String(), nil
		}
	case float64:
		return pyFloatRepr(x), nil
	}
	return "", fmt.Errorf("dict key of Go type %T: %w", k, ErrValue)
}

// pyFloatRepr writes f as json.dumps writes a float key: Python's repr
// (the shortest digits that read back as f; 1.0, 1e+16, 1.5e-07),
// and Infinity, -Infinity, NaN.
func pyFloatRepr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // 1.5e-07, 1e+16: as Python writes them
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return e
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsRune(s, '.') {
		s += ".0"
	}
	return s
}

// toPython converts a link value to a Python value (amp's model):
//
//	link                          Python
//	nil, bool, string             None, bool, str
//	a Go integer                  int
//	float64, float32              int if integral and within ±2^53 (the
//	                              link sends every number as a float64,
//	                              and Evennia's json.loads reads 3 as an
//	                              int), else float
//	[]any, []string               list
//	map[string]any                dict, its keys sorted
//
// Any other Go type is [ErrValue].
func toPython(v any) (any, error) {
	switch x := v.(type) {
	case nil, bool, string, int64:
		return x, nil
	case int:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case uint64:
		if x > math.MaxInt64 {
			return new(big.Int).SetUint64(x), nil
		}
		return int64(x), nil
	case float32:
		return floatToPython(float64(x)), nil
	case float64:
		return floatToPython(x), nil
	case []any:
		return listToPython(x)
	case []string:
		out := make(amp.List, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out, nil
	case map[string]any:
		return dictToPython(x)
	}
	return nil, fmt.Errorf("link value of Go type %T: %w", v, ErrValue)
}

func floatToPython(f float64) any {
	if f == math.Trunc(f) && math.Abs(f) <= maxExactInt {
		return int64(f)
	}
	return f
}

func listToPython(l []any) (amp.List, error) {
	out := make(amp.List, len(l))
	for i, e := range l {
		v, err := toPython(e)
		if err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
		out[i] = v
	}
	return out, nil
}

// dictToPython converts a map to a dict with its keys sorted; nil gives nil.
func dictToPython(m map[string]any) (amp.Dict, error) {
	return mapToPython(m, func(k string, v any) (any, error) {
		p, err := toPython(v)
		if err != nil {
			return nil, fmt.Errorf("[%q]: %w", k, err)
		}
		return p, nil
	})
}

// mapToPython converts m to a dict with its keys sorted, each value by
// conv; nil gives nil.
func mapToPython(m map[string]any, conv func(k string, v any) (any, error)) (amp.Dict, error) {
	if m == nil {
		return nil, nil
	}
	keys := slices.Sorted(maps.Keys(m))
	out := make(amp.Dict, len(keys))
	for i, k := range keys {
		v, err := conv(k, m[k])
		if err != nil {
			return nil, err
		}
		out[i] = amp.Item{Key: k, Value: v}
	}
	return out, nil
}
