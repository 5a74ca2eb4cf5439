package amp

import (
	"cmp"
	"math"
	"math/big"
)

// Python values are Go values of these types:
//
//	Python  Go
//	None    nil
//	bool    bool
//	int     int64, or *big.Int when it does not fit
//	float   float64
//	str     string (the UTF-8 bytes as pickled, not validated)
//	bytes   Bytes
//	tuple   Tuple
//	list    List
//	dict    Dict
//
// Decoding gives exactly these (an empty tuple, list or dict decodes to a
// nil Tuple, List or Dict); encoding also takes int.

// Bytes is a Python bytes value.
type Bytes string

// Tuple is a Python tuple.
type Tuple []any

// List is a Python list.
type List []any

// Item is one key/value pair of a [Dict].
type Item struct {
	Key   any
	Value any
}

// Dict is a Python dict: its items in order. Decoded dicts have their
// keys sorted (see [DecodePickle]); keys are None, bool, int, float, str
// or bytes.
type Dict []Item

// Get returns the value of key.
func (d Dict) Get(key any) (any, bool) {
	for _, it := range d {
		if keyEqual(it.Key, key) {
			return it.Value, true
		}
	}
	return nil, false
}

// Set sets the value of key, adding it at the end if it is new.
func (d *Dict) Set(key, value any) {
	for i, it := range *d {
		if keyEqual(it.Key, key) {
			(*d)[i].Value = value
			return
		}
	}
	*d = append(*d, Item{Key: key, Value: value})
}

// keyRank orders the types of dict keys: None, bool, int, float, str,
// bytes, then anything else.
func keyRank(k any) int {
	switch k := k.(type) {
	case nil:
		return 0
	case bool:
		return 1
	case int64, int:
		return 2
	case *big.Int:
		if k == nil {
			return 6 // no int: a Go caller's mistake, never a key
		}
		return 2
	case float64:
		return 3
	case string:
		return 4
	case Bytes:
		return 5
	}
	return 6
}

// compareKeys orders dict keys: by type, then by value. Keys of types
// that cannot be keys compare equal.
func compareKeys(a, b any) int {
	if c := cmp.Compare(keyRank(a), keyRank(b)); c != 0 {
		return c
	}
	switch a := a.(type) {
	case bool:
		return compareBool(a, b.(bool))
	case int64:
		if b, ok := b.(int64); ok {
			return cmp.Compare(a, b)
		}
		return bigOf(a).Cmp(bigOf(b))
	case int, *big.Int:
		return bigOf(a).Cmp(bigOf(b))
	case float64:
		return cmp.Compare(a, b.(float64))
	case string:
		return cmp.Compare(a, b.(string))
	case Bytes:
		return cmp.Compare(a, b.(Bytes))
	}
	return 0
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case b:
		return -1
	}
	return 1
}

// keyEqual reports whether two dict keys are the same key.
func keyEqual(a, b any) bool {
	if keyRank(a) != keyRank(b) || keyRank(a) == 6 {
		return false
	}
	return compareKeys(a, b) == 0
}

// bigOf returns an integer value as a *big.Int.
func bigOf(v any) *big.Int {
	switch v := v.(type) {
	case int64:
		return big.NewInt(v)
	case int:
		return big.NewInt(int64(v))
	case *big.Int:
		return v
	}
	return new(big.Int)
}

// HashKey returns a Go map key for a dict key, equal for the keys
// a Dict takes as the same (ints by value whatever their Go type, NaNs
// equal); ok is false for a value that is no dict key.
func HashKey(k any) (any, bool) {
	switch x := k.(type) {
	case nil:
		return noneKey{}, true
	case bool, string, Bytes, int64:
		return x, true
	case int:
		return int64(x), true
	case *big.Int:
		if x == nil {
			return nil, false
		}
		if x.IsInt64() {
			return x.Int64(), true
		}
		return bigKey(x.String()), true
	case float64:
		if math.IsNaN(x) {
			return nanKey{}, true
		}
		return x + 0, true // -0 and 0 are one key
	}
	return nil, false
}

type (
	noneKey struct{}
	nanKey  struct{}
	bigKey  string
)
