package amp

import "fmt"

// Evennia's Msg* and Admin* commands carry packed_data: the pickle of
// the tuple (sessid, kwargs), sessid an int (0 for no session) and
// kwargs a dict with str keys.

// decodePacked decodes a packed_data pickle.
func decodePacked(p []byte, lim Limits) (int64, Dict, error) {
	v, err := DecodePickle(p, lim)
	if err != nil {
		return 0, nil, err
	}
	t, ok := v.(Tuple)
	if !ok || len(t) != 2 {
		return 0, nil, fmt.Errorf("packed data is %s, want (sessid, kwargs): %w", pyType(v), ErrPayload)
	}
	sessid, ok := t[0].(int64)
	if !ok {
		return 0, nil, fmt.Errorf("sessid is %s, want int: %w", pyType(t[0]), ErrPayload)
	}
	kwargs, ok := t[1].(Dict)
	if !ok && t[1] != nil {
		return 0, nil, fmt.Errorf("kwargs is %s, want dict: %w", pyType(t[1]), ErrPayload)
	}
	if !ok {
		return 0, nil, fmt.Errorf("kwargs is None, want dict: %w", ErrPayload)
	}
	return sessid, kwargs, nil
}

// appendPacked appends the packed_data pickle of (sessid, kwargs).
func appendPacked(dst []byte, sessid int64, kwargs Dict) ([]byte, error) {
	return AppendPickle(dst, Tuple{sessid, kwargs})
}

// pyType names the Python type of a decoded value.
func pyType(v any) string {
	switch v.(type) {
	case nil:
		return "None"
	case bool:
		return "bool"
	case int64, int:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case Bytes:
		return "bytes"
	case Tuple:
		return "tuple"
	case List:
		return "list"
	case Dict:
		return "dict"
	}
	return fmt.Sprintf("%T", v)
}
