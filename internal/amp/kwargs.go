package amp

// Payload types map some keys of a Python dict to typed fields and keep
// the rest. The rule, the same for every such type:
//
//   - decoding: a value of the field's Python type goes into the field;
//     a value of any other type (None included) stays as it was in the
//     type's Extra, and so does every key the type does not model. Keys
//     lists every str key the dict had: modelled keys in the table's order,
//     then the others sorted.
//   - encoding: Keys names the keys to write, in order (nil: every
//     modelled field that is not zero, then Extra). A key's value is the
//     field's when the field is not zero, else Extra's if it has the key,
//     else the field's zero. Extra's keys that Keys does not name come
//     last.
//
// So decode, encode, decode gives back the same value, and a field set
// after decoding is what gets written.

// kwField is one modelled key of a payload struct T.
type kwField[T any] struct {
	key string
	// get returns the value to write and whether the field is not zero.
	get func(*T) (any, bool)
	// set takes a decoded value if it has the field's type.
	set func(*T, any) bool
}

// typedField returns the kwField of a field of Go type V.
func typedField[T any, V comparable](key string, at func(*T) *V) kwField[T] {
	var zero V
	return kwField[T]{
		key: key,
		get: func(t *T) (any, bool) { v := *at(t); return v, v != zero },
		set: func(t *T, v any) bool {
			x, ok := v.(V)
			if ok {
				*at(t) = x
			}
			return ok
		},
	}
}

// dictField returns the kwField of a Dict field.
func dictField[T any](key string, at func(*T) *Dict) kwField[T] {
	return kwField[T]{
		key: key,
		get: func(t *T) (any, bool) { d := *at(t); return d, d != nil },
		set: func(t *T, v any) bool {
			d, ok := v.(Dict)
			if ok {
				*at(t) = d
			}
			return ok
		},
	}
}

// decodeKwargs fills t from d by table; it returns Keys and Extra.
func decodeKwargs[T any](t *T, table []kwField[T], d Dict) (keys []string, extra Dict) {
	keys = make([]string, 0, len(d))
	for _, f := range table {
		v, ok := d.Get(f.key)
		if !ok {
			continue
		}
		keys = append(keys, f.key)
		if !f.set(t, v) {
			extra = append(extra, Item{Key: f.key, Value: v})
		}
	}
	for _, it := range d { // d is sorted: so are the other keys
		k, isStr := it.Key.(string)
		if isStr && fieldIndex(table, k) >= 0 {
			continue
		}
		if isStr {
			keys = append(keys, k)
		}
		extra = append(extra, it)
	}
	if len(keys) == 0 {
		keys = nil
	}
	return keys, extra
}

// encodeKwargs returns the dict of t by table, keys and extra. Its
// lookups go through maps: keys and extra may be as long as a peer's
// dict.
func encodeKwargs[T any](t *T, table []kwField[T], keys []string, extra Dict) Dict {
	d := make(Dict, 0, len(table)+len(extra))
	written := make(map[string]bool, max(len(keys), len(table)))
	if keys == nil {
		for _, f := range table {
			if v, set := f.get(t); set {
				d = append(d, Item{Key: f.key, Value: v})
				written[f.key] = true
			}
		}
	}
	extraAt := strIndex(extra)
	for _, k := range keys {
		d = append(d, Item{Key: k, Value: kwValue(t, table, k, extra, extraAt)})
		written[k] = true
	}
	for _, it := range extra {
		if k, ok := it.Key.(string); ok && written[k] {
			continue
		}
		d = append(d, it)
	}
	return d
}

// strIndex maps each str key of d to the index of its first item.
func strIndex(d Dict) map[string]int {
	at := make(map[string]int, len(d))
	for i, it := range d {
		if k, ok := it.Key.(string); ok {
			if _, seen := at[k]; !seen {
				at[k] = i
			}
		}
	}
	return at
}

// kwValue is the value encodeKwargs writes for key k; extraAt is
// strIndex(extra).
func kwValue[T any](t *T, table []kwField[T], k string, extra Dict, extraAt map[string]int) any {
	i := fieldIndex(table, k)
	if i >= 0 {
		if v, set := table[i].get(t); set {
			return v
		}
	}
	if j, ok := extraAt[k]; ok {
		return extra[j].Value
	}
	if i >= 0 {
		v, _ := table[i].get(t)
		return v
	}
	return nil
}

func fieldIndex[T any](table []kwField[T], key string) int {
	for i, f := range table {
		if f.key == key {
			return i
		}
	}
	return -1
}
