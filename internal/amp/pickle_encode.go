package amp

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
)

// Pickle opcodes the encoder writes.
const (
	opProto           = 0x80
	opFrame           = 0x95
	opStop            = '.'
	opNone            = 'N'
	opNewTrue         = 0x88
	opNewFalse        = 0x89
	opBinInt          = 'J'
	opBinInt1         = 'K'
	opBinInt2         = 'M'
	opLong1           = 0x8a
	opBinFloat        = 'G'
	opShortBinUnicode = 0x8c
	opBinUnicode      = 'X'
	opShortBinBytes   = 'C'
	opBinBytes        = 'B'
	opMark            = '('
	opEmptyTuple      = ')'
	opTuple1          = 0x85
	opTuple           = 't'
	opEmptyList       = ']'
	opAppend          = 'a'
	opAppends         = 'e'
	opEmptyDict       = '}'
	opSetItem         = 's'
	opSetItems        = 'u'
)

// batchSize is how many items Python puts between a MARK and its APPENDS
// or SETITEMS.
const batchSize = 1000

// frameHeaderLen is FRAME and its 8-byte length.
const frameHeaderLen = 9

// maxEncodeDepth bounds the nesting the encoder follows: a Go value can
// contain itself, a pickle must not.
const maxEncodeDepth = 1000

// AppendPickle appends v pickled with protocol 5 to dst, as Python 3
// would read it: PROTO 5, one FRAME around the rest, STOP. It writes no
// memo (Python does, to share repeated objects; nothing needs it to
// read). v is a value of value.go's model, or an int. A value that cannot
// be pickled leaves dst as it was.
func AppendPickle(dst []byte, v any) ([]byte, error) {
	start := len(dst)
	out := append(dst, opProto, 5, opFrame, 0, 0, 0, 0, 0, 0, 0, 0)
	out, err := appendValue(out, v, 0)
	if err != nil {
		return dst[:start], err
	}
	out = append(out, opStop)
	return closeFrame(out, start+2), nil
}

// closeFrame fills in the length of the frame whose header is at
// out[at:], or drops the header when the frame is under 4 bytes, as
// Python does.
func closeFrame(out []byte, at int) []byte {
	n := len(out) - at - frameHeaderLen
	if n < 4 {
		return append(out[:at], out[at+frameHeaderLen:]...)
	}
	binary.LittleEndian.PutUint64(out[at+1:], uint64(n))
	return out
}

func appendValue(out []byte, v any, depth int) ([]byte, error) {
	if depth > maxEncodeDepth {
		return out, fmt.Errorf("nested deeper than %d: %w", maxEncodeDepth, ErrPythonType)
	}
	switch v := v.(type) {
	case nil:
		return append(out, opNone), nil
	case bool:
		if v {
			return append(out, opNewTrue), nil
		}
		return append(out, opNewFalse), nil
	case int:
		return appendInt(out, int64(v)), nil
	case int64:
		return appendInt(out, v), nil
	case *big.Int:
		return appendBig(out, v)
	case float64:
		return binary.BigEndian.AppendUint64(append(out, opBinFloat), math.Float64bits(v)), nil
	case string:
		return appendCounted(out, opShortBinUnicode, opBinUnicode, v)
	case Bytes:
		return appendCounted(out, opShortBinBytes, opBinBytes, string(v))
	case Tuple:
		return appendTuple(out, v, depth)
	case List:
		return appendList(out, v, depth)
	case Dict:
		return appendDict(out, v, depth)
	}
	return out, fmt.Errorf("%T: %w", v, ErrPythonType)
}

// appendInt writes an int in the shortest form Python uses.
func appendInt(out []byte, i int64) []byte {
	switch {
	case i >= 0 && i <= 0xff:
		return append(out, opBinInt1, byte(i))
	case i >= 0 && i <= 0xffff:
		return append(out, opBinInt2, byte(i), byte(i>>8))
	case i >= math.MinInt32 && i <= math.MaxInt32:
		return binary.LittleEndian.AppendUint32(append(out, opBinInt), uint32(i))
	}
	// LONG1: the shortest little-endian two's complement.
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(i))
	n := 8
	for n > 1 && ((b[n-1] == 0 && b[n-2] < 0x80) || (b[n-1] == 0xff && b[n-2] >= 0x80)) {
		n--
	}
	return append(append(out, opLong1, byte(n)), b[:n]...)
}

// appendBig writes a big int as LONG1, of at most maxLong1 bytes: the
// ints [DecodePickle] accepts; others are refused with [ErrIntRange].
func appendBig(out []byte, v *big.Int) ([]byte, error) {
	if v == nil {
		return out, fmt.Errorf("nil *big.Int: %w", ErrPythonType)
	}
	if v.IsInt64() {
		return appendInt(out, v.Int64()), nil
	}
	// Two's complement of v in n bytes, little-endian.
	n := twosComplementLen(v)
	if n > maxLong1 {
		return out, fmt.Errorf("int of %d bytes (max %d): %w", n, maxLong1, ErrIntRange)
	}
	t := new(big.Int).Set(v)
	if v.Sign() < 0 {
		t.Add(t, new(big.Int).Lsh(big.NewInt(1), uint(8*n)))
	}
	be := t.FillBytes(make([]byte, n))
	out = append(out, opLong1, byte(n))
	for i := n - 1; i >= 0; i-- {
		out = append(out, be[i])
	}
	return out, nil
}

// twosComplementLen is the fewest bytes that hold v in two's complement.
func twosComplementLen(v *big.Int) int {
	if v.Sign() < 0 {
		// -2^(8n-1) fits in n bytes: count the bits of -v-1.
		m := new(big.Int).Neg(v)
		return (m.Sub(m, big.NewInt(1)).BitLen() + 8) / 8
	}
	return (v.BitLen() + 8) / 8
}

// appendCounted writes s with the short opcode (1-byte length) or the
// long one (4-byte length).
func appendCounted(out []byte, short, long byte, s string) ([]byte, error) {
	switch {
	case len(s) < 256:
		out = append(out, short, byte(len(s)))
	case uint64(len(s)) <= math.MaxUint32:
		out = binary.LittleEndian.AppendUint32(append(out, long), uint32(len(s)))
	default:
		return out, fmt.Errorf("string of %d bytes: %w", len(s), ErrPythonType)
	}
	return append(out, s...), nil
}

func appendTuple(out []byte, t Tuple, depth int) ([]byte, error) {
	if len(t) == 0 {
		return append(out, opEmptyTuple), nil
	}
	if len(t) > 3 {
		out = append(out, opMark)
	}
	var err error
	for _, v := range t {
		if out, err = appendValue(out, v, depth+1); err != nil {
			return out, err
		}
	}
	if len(t) > 3 {
		return append(out, opTuple), nil
	}
	return append(out, opTuple1+byte(len(t)-1)), nil
}

func appendList(out []byte, l List, depth int) ([]byte, error) {
	out = append(out, opEmptyList)
	for len(l) > 0 {
		batch := l[:min(len(l), batchSize)]
		l = l[len(batch):]
		if len(batch) > 1 {
			out = append(out, opMark)
		}
		var err error
		for _, v := range batch {
			if out, err = appendValue(out, v, depth+1); err != nil {
				return out, err
			}
		}
		if len(batch) > 1 {
			out = append(out, opAppends)
		} else {
			out = append(out, opAppend)
		}
	}
	return out, nil
}

func appendDict(out []byte, d Dict, depth int) ([]byte, error) {
	out = append(out, opEmptyDict)
	for len(d) > 0 {
		batch := d[:min(len(d), batchSize)]
		d = d[len(batch):]
		if len(batch) > 1 {
			out = append(out, opMark)
		}
		var err error
		for _, it := range batch {
			if out, err = appendItem(out, it, depth+1); err != nil {
				return out, err
			}
		}
		if len(batch) > 1 {
			out = append(out, opSetItems)
		} else {
			out = append(out, opSetItem)
		}
	}
	return out, nil
}

// appendItem writes a dict item's key and value.
func appendItem(out []byte, it Item, depth int) ([]byte, error) {
	if keyRank(it.Key) > 5 {
		return out, fmt.Errorf("dict key of type %T: %w", it.Key, ErrPythonType)
	}
	out, err := appendValue(out, it.Key, depth)
	if err != nil {
		return out, err
	}
	return appendValue(out, it.Value, depth)
}
