package amp

import "bytes"

// Field is one key/value pair of a box.
type Field struct {
	Key   []byte
	Value []byte
}

// Box is one AMP box: its fields in wire order. Twisted reads a box into
// a dict (a repeated key keeps its last value); this package refuses
// repeated keys when reading.
type Box []Field

// StringField returns a field with the given key and value.
func StringField(key, value string) Field {
	return Field{Key: []byte(key), Value: []byte(value)}
}

// Get returns the value of the field named key.
func (b Box) Get(key string) ([]byte, bool) {
	for _, f := range b {
		if string(f.Key) == key {
			return f.Value, true
		}
	}
	return nil, false
}

// getBytes is Get for a key held in a byte slice.
func (b Box) getBytes(key []byte) ([]byte, bool) {
	for _, f := range b {
		if bytes.Equal(f.Key, key) {
			return f.Value, true
		}
	}
	return nil, false
}

// Has reports whether the box has a field named key.
func (b Box) Has(key string) bool {
	_, ok := b.Get(key)
	return ok
}

// Size returns the length of the box on the wire, its end marker included.
func (b Box) Size() int {
	n := 2
	for _, f := range b {
		n += 4 + len(f.Key) + len(f.Value)
	}
	return n
}

// Clone returns a copy of b that shares no memory with it (one
// allocation for all keys and values), for keeping a box the [Reader]
// will reuse.
func (b Box) Clone() Box {
	if b == nil {
		return nil
	}
	n := 0
	for _, f := range b {
		n += len(f.Key) + len(f.Value)
	}
	buf := make([]byte, 0, n)
	out := make(Box, len(b))
	for i, f := range b {
		k := len(buf)
		buf = append(buf, f.Key...)
		v := len(buf)
		buf = append(buf, f.Value...)
		out[i] = Field{Key: buf[k:v:v], Value: buf[v:len(buf):len(buf)]}
	}
	return out
}

// duplicateKey returns a key that b has twice, if any. Small boxes are
// checked pairwise; larger ones with seen, which is cleared first.
func (b Box) duplicateKey(seen map[string]struct{}) ([]byte, bool) {
	if len(b) <= 16 {
		for i := 1; i < len(b); i++ {
			for j := range i {
				if bytes.Equal(b[i].Key, b[j].Key) {
					return b[i].Key, true
				}
			}
		}
		return nil, false
	}
	clear(seen)
	for _, f := range b {
		if _, dup := seen[string(f.Key)]; dup {
			return f.Key, true
		}
		seen[string(f.Key)] = struct{}{}
	}
	return nil, false
}
