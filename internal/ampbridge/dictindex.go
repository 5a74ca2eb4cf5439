package ampbridge

import "github.com/portalsim/portalsim/internal/amp"

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
	if h, ok := amp.HashKey(key); ok {
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
	h, ok := amp.HashKey(key)
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
