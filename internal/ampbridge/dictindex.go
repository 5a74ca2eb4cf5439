package ampbridge

import (
	"math"
	"math/big"

	"github.com/portalsim/portalsim/internal/amp"
)

// dictIndex is an amp.Dict with its keys indexed, for lookups in time
// independent of its length: the dicts it holds come from a peer.
type dictIndex struct {
	d  amp.Dict
	at map[any]int
}

// newDictIndex indexes a copy of d.
func newDictIndex(d amp.Dict) *dictIndex {
	x := &dictIndex{d: make(amp.Dict, 0, len(d)), at: make(map[any]int, len(d))}
	for _, it := range d {
		x.set(it.Key, it.Value)
	}
	return x
}

// get returns the value of key.
func (x *dictIndex) get(key any) (any, bool) {
	if h, ok := hashKey(key); ok {
		i, ok := x.at[h]
		if !ok {
			return nil, false
		}
		return x.d[i].Value, true
	}
	return x.d.Get(key)
}

// has reports whether the dict has key.
func (x *dictIndex) has(key any) bool {
	_, ok := x.get(key)
	return ok
}

// set sets the value of key, adding it at the end if it is new.
func (x *dictIndex) set(key, value any) {
	h, ok := hashKey(key)
	if !ok {
		x.d.Set(key, value)
		return
	}
	if i, ok := x.at[h]; ok {
		x.d[i].Value = value
		return
	}
	x.at[h] = len(x.d)
	x.d = append(x.d, amp.Item{Key: key, Value: value})
}

// hashKey returns a Go map key for a Python dict key: equal for the keys
// amp.Dict takes as the same (amp's keyEqual: same type and value, ints
// by value whatever their Go type, NaNs equal). ok is false for a value
// that is no dict key.
func hashKey(k any) (any, bool) {
	switch x := k.(type) {
	case nil:
		return noneKey{}, true
	case bool, string, amp.Bytes, int64:
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
