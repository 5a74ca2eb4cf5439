package telnet

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// MSDP structure bytes (the MUD Server Data Protocol).
const (
	// MSDPVar starts a variable name.
	MSDPVar = 1
	// MSDPVal starts a value.
	MSDPVal = 2
	// MSDPTableOpen starts a table value: (VAR name VAL value)…
	MSDPTableOpen = 3
	// MSDPTableClose ends a table value.
	MSDPTableClose = 4
	// MSDPArrayOpen starts an array value: (VAL value)…
	MSDPArrayOpen = 5
	// MSDPArrayClose ends an array value.
	MSDPArrayClose = 6
)

// MaxMSDPDepth bounds how deeply MSDP tables and arrays may nest, in
// input (deeper is [ErrMSDPTooDeep]) and in output (deeper values are
// sent as text).
const MaxMSDPDepth = 8

// msdpRenamed are MSDP's generic commands, which Evennia renames
// "msdp_<name>" so that they cannot collide with its own input functions.
var msdpRenamed = map[string]bool{"list": true, "report": true, "reset": true, "send": true, "unreport": true}

// AppendMSDP appends the MSDP payload for an Evennia command to dst, as
// Evennia encodes it: VAR name VAL with no arguments; VAR name VAL arg
// with one; VAR name VAL ARRAY_OPEN (VAL arg)… ARRAY_CLOSE with several;
// keyword arguments as VAR name VAL TABLE_OPEN (VAR key VAL value)…
// TABLE_CLOSE (keys sorted), after the arguments when there are both.
// Nested lists and maps become nested arrays and tables, up to
// [MaxMSDPDepth]. Bytes 0-6, which would break the structure, are left
// out of names and values. The payload is not framed: [AppendSubneg]
// frames and IAC-escapes it.
func AppendMSDP(dst []byte, cmd string, args []any, kwargs map[string]any) []byte {
	head := func(dst []byte) []byte {
		dst = append(dst, MSDPVar)
		dst = appendMSDPText(dst, cmd)
		return append(dst, MSDPVal)
	}
	if len(args) == 0 && len(kwargs) == 0 {
		return head(dst)
	}
	if len(args) > 0 {
		dst = head(dst)
		if len(args) == 1 {
			dst = appendMSDPValue(dst, args[0], 1)
		} else {
			dst = appendMSDPValue(dst, args, 1)
		}
	}
	if len(kwargs) > 0 {
		dst = appendMSDPValue(head(dst), kwargs, 1)
	}
	return dst
}

func appendMSDPValue(dst []byte, v any, depth int) []byte {
	if depth > MaxMSDPDepth {
		return appendMSDPText(dst, fmt.Sprint(v))
	}
	switch v := v.(type) {
	case []any:
		dst = append(dst, MSDPArrayOpen)
		for _, x := range v {
			dst = appendMSDPValue(append(dst, MSDPVal), x, depth+1)
		}
		return append(dst, MSDPArrayClose)
	case map[string]any:
		dst = append(dst, MSDPTableOpen)
		for _, k := range slices.Sorted(maps.Keys(v)) {
			dst = appendMSDPText(append(dst, MSDPVar), k)
			dst = appendMSDPValue(append(dst, MSDPVal), v[k], depth+1)
		}
		return append(dst, MSDPTableClose)
	case string:
		return appendMSDPText(dst, v)
	case nil:
		return dst
	case float64:
		return appendMSDPText(dst, strconv.FormatFloat(v, 'f', -1, 64))
	default:
		return appendMSDPText(dst, fmt.Sprint(v))
	}
}

func appendMSDPText(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] > MSDPArrayClose {
			dst = append(dst, s[i])
		}
	}
	return dst
}

// DecodeMSDP reads an MSDP payload from a client into Evennia commands,
// in the order their names first appear. For each VAR name, a table
// value gives keyword arguments, an array value arguments, and a plain
// value one argument (an empty one none); values under the same name
// merge. Nested tables and arrays become maps and lists. The generic
// commands LIST, REPORT, RESET, SEND and UNREPORT (any case) become
// msdp_list, msdp_report, .... Names are read as text with [DecodeText].
//
// A payload with an unclosed or stray table or array, or a VAR without
// a name, is [ErrMalformedMSDP]; one nested deeper than [MaxMSDPDepth]
// is [ErrMSDPTooDeep]. Either way no command is returned.
func DecodeMSDP(payload []byte) ([]OOBCommand, error) {
	p := msdpParser{b: payload}
	var cmds []OOBCommand
	index := map[string]int{}
	for p.i < len(p.b) {
		if p.b[p.i] != MSDPVar {
			return nil, ErrMalformedMSDP // data before the first VAR, or a stray close
		}
		p.i++
		name := p.text()
		if name == "" {
			return nil, ErrMalformedMSDP
		}
		if msdpRenamed[strings.ToLower(name)] {
			name = "msdp_" + strings.ToLower(name)
		}
		k, ok := index[name]
		if !ok {
			k = len(cmds)
			index[name] = k
			cmds = append(cmds, OOBCommand{Name: name})
		}
		for p.i < len(p.b) && p.b[p.i] == MSDPVal {
			p.i++
			v, err := p.value(1)
			if err != nil {
				return nil, err
			}
			mergeMSDP(&cmds[k], v)
		}
	}
	return cmds, nil
}

func mergeMSDP(c *OOBCommand, v any) {
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 0 {
			return
		}
		if c.Kwargs == nil {
			c.Kwargs = make(map[string]any, len(v))
		}
		for k, x := range v {
			c.Kwargs[k] = x
		}
	case []any:
		c.Args = append(c.Args, v...)
	case string:
		if v != "" {
			c.Args = append(c.Args, v)
		}
	}
}

type msdpParser struct {
	b []byte
	i int
}

// text reads bytes up to the next structure byte.
func (p *msdpParser) text() string {
	start := p.i
	for p.i < len(p.b) && p.b[p.i] > MSDPArrayClose {
		p.i++
	}
	s, _ := DecodeText(p.b[start:p.i])
	return s
}

// value reads one value after its VAL.
func (p *msdpParser) value(depth int) (any, error) {
	if p.i >= len(p.b) {
		return "", nil
	}
	switch p.b[p.i] {
	case MSDPTableOpen, MSDPArrayOpen:
		if depth > MaxMSDPDepth {
			return nil, ErrMSDPTooDeep
		}
		open := p.b[p.i]
		p.i++
		if open == MSDPTableOpen {
			return p.table(depth)
		}
		return p.array(depth)
	}
	return p.text(), nil
}

func (p *msdpParser) table(depth int) (any, error) {
	t := map[string]any{}
	for {
		if p.i >= len(p.b) {
			return nil, ErrMalformedMSDP
		}
		switch p.b[p.i] {
		case MSDPTableClose:
			p.i++
			return t, nil
		case MSDPVar:
			p.i++
			key := p.text()
			var v any = ""
			for p.i < len(p.b) && p.b[p.i] == MSDPVal {
				p.i++
				var err error
				if v, err = p.value(depth + 1); err != nil {
					return nil, err
				}
			}
			if key != "" {
				t[key] = v
			}
		default:
			return nil, ErrMalformedMSDP
		}
	}
}

func (p *msdpParser) array(depth int) (any, error) {
	a := []any{}
	for {
		if p.i >= len(p.b) {
			return nil, ErrMalformedMSDP
		}
		switch p.b[p.i] {
		case MSDPArrayClose:
			p.i++
			return a, nil
		case MSDPVal:
			p.i++
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		default:
			return nil, ErrMalformedMSDP
		}
	}
}
