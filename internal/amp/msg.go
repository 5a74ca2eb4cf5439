package amp

import (
	"cmp"
	"fmt"
	"slices"
)

// Msg is the payload of MsgPortal2Server (a session's input) and
// MsgServer2Portal (output to a session): Evennia's
// {cmdname: [[args], {kwargs}], ...} for one session.
type Msg struct {
	// Sessid is the session.
	Sessid int64
	// Commands are the entries of Evennia's shape ([Command]). Decoded,
	// they are sorted by name with "prompt" last: og-rek loses Python's
	// dict order, and Evennia itself moves prompt to the end
	// (sessionhandler.clean_senddata) while "text" is its only other
	// command in practice. Encoded in this order.
	Commands []Command
	// Extra holds the entries of any other shape, and any key that is no
	// str, as decoded; encoded after Commands.
	Extra Dict
}

// Command is one entry of a [Msg]: Evennia's cmdname: [[args], {kwargs}]
// (clean_senddata turns every tuple into a list, so an entry of tuples
// stays in [Msg.Extra]).
type Command struct {
	// Name is the command: "text", "prompt", or an OOB command.
	Name string
	// Args are the positional arguments; text's first is the text.
	Args List
	// Kwargs are the keyword arguments; output carries Evennia's
	// "options" here.
	Kwargs Dict
}

// Text returns the first argument of c if it is a str.
func (c Command) Text() (string, bool) {
	if len(c.Args) == 0 {
		return "", false
	}
	s, ok := c.Args[0].(string)
	return s, ok
}

// commandOf decodes one entry; ok is false if it has another shape.
func commandOf(it Item) (Command, bool) {
	name, ok := it.Key.(string)
	if !ok {
		return Command{}, false
	}
	pair, ok := it.Value.(List)
	if !ok || len(pair) != 2 {
		return Command{}, false
	}
	args, argsOK := pair[0].(List)
	kwargs, kwargsOK := pair[1].(Dict)
	if !argsOK || !kwargsOK {
		return Command{}, false
	}
	return Command{Name: name, Args: args, Kwargs: kwargs}, true
}

// DecodeMsg decodes the packed_data pickle of a Msg* command.
func DecodeMsg(p []byte, lim Limits) (Msg, error) {
	sessid, kwargs, err := decodePacked(p, lim)
	if err != nil {
		return Msg{}, err
	}
	m := Msg{Sessid: sessid}
	for _, it := range kwargs {
		if c, ok := commandOf(it); ok {
			m.Commands = append(m.Commands, c)
		} else {
			m.Extra = append(m.Extra, it)
		}
	}
	slices.SortStableFunc(m.Commands, func(a, b Command) int {
		if ap, bp := a.Name == "prompt", b.Name == "prompt"; ap != bp {
			if ap {
				return 1
			}
			return -1
		}
		return cmp.Compare(a.Name, b.Name)
	})
	return m, nil
}

// AppendMsg appends the packed_data pickle of m to dst. A Msg that
// would write a dict key twice (two commands of one name, a command and
// an Extra entry of its name) is [ErrPythonType]: Python would keep the
// last one only.
func AppendMsg(dst []byte, m *Msg) ([]byte, error) {
	if err := msgKeysUnique(m); err != nil {
		return dst, err
	}
	start := len(dst)
	out := append(dst, opProto, 5, opFrame, 0, 0, 0, 0, 0, 0, 0, 0)
	out = appendInt(out, m.Sessid)
	out = append(out, opEmptyDict)
	n := len(m.Commands) + len(m.Extra)
	if n > 1 {
		out = append(out, opMark)
	}
	var err error
	for _, c := range m.Commands {
		if out, err = appendCommand(out, c); err != nil {
			return dst[:start], err
		}
	}
	for _, it := range m.Extra {
		if out, err = appendItem(out, it, 1); err != nil {
			return dst[:start], err
		}
	}
	switch {
	case n > 1:
		out = append(out, opSetItems)
	case n == 1:
		out = append(out, opSetItem)
	}
	out = append(out, opTuple1+1, opStop)
	return closeFrame(out, start+2), nil
}

// appendCommand writes the key and the value of a command's entry:
// name, then [args, kwargs].
func appendCommand(out []byte, c Command) ([]byte, error) {
	out, err := appendCounted(out, opShortBinUnicode, opBinUnicode, c.Name)
	if err != nil {
		return out, err
	}
	out = append(out, opEmptyList, opMark)
	if out, err = appendList(out, c.Args, 2); err != nil {
		return out, err
	}
	if out, err = appendDict(out, c.Kwargs, 2); err != nil {
		return out, err
	}
	return append(out, opAppends), nil
}

// msgKeysUnique checks that the entries of m have distinct keys.
func msgKeysUnique(m *Msg) error {
	seen := make(map[any]bool, len(m.Commands)+len(m.Extra))
	for _, c := range m.Commands {
		if seen[c.Name] {
			return fmt.Errorf("command %q twice: %w", c.Name, ErrPythonType)
		}
		seen[c.Name] = true
	}
	for _, it := range m.Extra {
		h, ok := HashKey(it.Key)
		if !ok {
			continue // no dict key: appendItem refuses it
		}
		if seen[h] {
			return fmt.Errorf("key %v twice: %w", it.Key, ErrPythonType)
		}
		seen[h] = true
	}
	return nil
}
