package telnet

import (
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"
)

// gmcpNames maps Evennia command names to the GMCP package names clients
// know (Evennia's EVENNIA_TO_GMCP); decoding maps them back.
var gmcpNames = map[string]string{
	"client_options": "Core.Supports.Get",
	"get_inputfuncs": "Core.Commands.Get",
	"get_value":      "Char.Value.Get",
	"repeat":         "Char.Repeat.Update",
	"monitor":        "Char.Monitor.Update",
}

var gmcpReverse = func() map[string]string {
	m := make(map[string]string, len(gmcpNames))
	for k, v := range gmcpNames {
		m[strings.ToLower(v)] = k
	}
	return m
}()

// GMCPName returns the GMCP package name for an Evennia command name:
// a known mapping ("get_value" → "Char.Value.Get"); else, for a name
// with underscores, its words capitalized and joined by dots, words in
// upper case kept ("char_HP_max" → "Char.HP.Max"); else "Core.<Name>"
// ("ping" → "Core.Ping", a title-case name kept as it is).
func GMCPName(cmd string) string {
	if n, ok := gmcpNames[cmd]; ok {
		return n
	}
	if strings.Contains(cmd, "_") {
		words := strings.Split(cmd, "_")
		for i, w := range words {
			if !isUpper(w) {
				words[i] = capitalize(w)
			}
		}
		return strings.Join(words, ".")
	}
	if isTitle(cmd) {
		return "Core." + cmd
	}
	return "Core." + capitalize(cmd)
}

// EncodeGMCP returns the GMCP payload "Package.Name json" for an Evennia
// command: no JSON without arguments, a single argument alone, several
// as an array, keyword arguments as an object, both as [args, kwargs]
// (a single argument collapsed there too). The payload is not framed:
// [AppendSubneg] frames and IAC-escapes it. A value encoding/json cannot
// encode (a NaN, a channel) is an error.
func EncodeGMCP(cmd string, args []any, kwargs map[string]any) ([]byte, error) {
	name := GMCPName(cmd)
	var v any
	switch {
	case len(args) == 0 && len(kwargs) == 0:
		return []byte(name), nil
	case len(kwargs) == 0:
		v = collapse(args)
	case len(args) == 0:
		v = kwargs
	default:
		v = []any{collapse(args), kwargs}
	}
	js, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(name)+1+len(js))
	out = append(out, name...)
	out = append(out, ' ')
	return append(out, js...), nil
}

func collapse(args []any) any {
	if len(args) == 1 {
		return args[0]
	}
	return args
}

// DecodeGMCP reads a GMCP payload "Package.Name payload" from a client
// into an Evennia command. The name is mapped back when known
// ("Char.Value.Get" → "get_value"); otherwise its dots become
// underscores, a leading "Core_" goes and it is lower-cased
// ("Core.Hello" → "hello"). A JSON object payload gives keyword
// arguments (an empty key dropped), an array the arguments, [[args],
// {kwargs}] both, any other JSON value one argument, and text that is
// not JSON one string argument. ok is false for an empty payload, an
// empty name, or JSON nested deeper than [MaxGMCPDepth]. Bytes that are
// not UTF-8 are read as Latin-1.
func DecodeGMCP(payload []byte) (cmd OOBCommand, ok bool) {
	text, _ := DecodeText(payload)
	text = strings.TrimLeftFunc(text, unicode.IsSpace)
	name, rest, _ := strings.Cut(text, " ")
	if name == "" {
		return OOBCommand{}, false
	}
	cmd.Name = gmcpCommandName(name)
	rest = strings.TrimSpace(rest)
	if rest == "" {
		return cmd, true
	}
	if JSONDepth([]byte(rest)) > MaxGMCPDepth {
		return OOBCommand{}, false // the link could not carry it; reading it all is work for nothing
	}
	var v any
	if err := json.Unmarshal([]byte(rest), &v); err != nil {
		cmd.Args = []any{rest}
		return cmd, true
	}
	switch v := v.(type) {
	case map[string]any:
		cmd.Kwargs = dropEmptyKey(v)
	case []any:
		if len(v) == 2 {
			if a, ok := v[0].([]any); ok {
				if kw, ok := v[1].(map[string]any); ok {
					cmd.Args, cmd.Kwargs = a, dropEmptyKey(kw)
					return cmd, true
				}
			}
		}
		cmd.Args = v
	default:
		cmd.Args = []any{v}
	}
	return cmd, true
}

func dropEmptyKey(m map[string]any) map[string]any {
	delete(m, "")
	if len(m) == 0 {
		return nil
	}
	return m
}

func gmcpCommandName(name string) string {
	if n, ok := gmcpReverse[strings.ToLower(name)]; ok {
		return n
	}
	n := strings.ToLower(strings.ReplaceAll(name, ".", "_"))
	if rest, ok := strings.CutPrefix(n, "core_"); ok && rest != "" {
		return rest
	}
	return n
}

// isUpper reports whether s has a cased letter and no lower-case one
// (Python's str.isupper).
func isUpper(s string) bool {
	cased := false
	for _, r := range s {
		if unicode.IsLower(r) {
			return false
		}
		cased = cased || unicode.IsUpper(r)
	}
	return cased
}

// isTitle reports whether s is title case: every word starts upper case
// and goes on lower case, with at least one cased letter (Python's
// str.istitle).
func isTitle(s string) bool {
	cased, prevCased := false, false
	for _, r := range s {
		switch {
		case unicode.IsUpper(r) || unicode.IsTitle(r):
			if prevCased {
				return false
			}
			prevCased, cased = true, true
		case unicode.IsLower(r):
			if !prevCased {
				return false
			}
			prevCased = true
		default:
			prevCased = false
		}
	}
	return cased
}

// capitalize upper-cases the first character and lower-cases the rest
// (Python's str.capitalize).
func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + strings.ToLower(s[n:])
}

// MaxGMCPDepth bounds how deeply a GMCP message's JSON may nest (arrays
// and objects); a deeper one is refused before it is read.
const MaxGMCPDepth = 16

// JSONDepth is the deepest nesting of arrays and objects in a JSON text,
// strings skipped; it reads anything, valid JSON or not, in one pass.
func JSONDepth(raw []byte) int {
	d, deepest, inString, escaped := 0, 0, false, false
	for _, c := range raw {
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case inString && c == '"':
			inString = false
		case inString:
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			d++
			deepest = max(deepest, d)
		case c == ']' || c == '}':
			d--
		}
	}
	return deepest
}
