package dummyrunner

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// yamlPlace is a key or value of a YAML file, with the path of its field.
type yamlPlace struct {
	line   int
	value  string // a scalar's text or a key's name; "" for a mapping or sequence
	path   string // "stages[1].target"
	key    bool
	scalar bool
}

// yamlErrorRe splits yaml's unmarshal errors: "line 3: cannot unmarshal
// !!str `abc` into int" and "line 3: field clent not found in type ...".
var yamlErrorRe = regexp.MustCompile("^line ([0-9]+): (?:cannot unmarshal !![a-z]+(?: `(.*)`)? into|field (.*) not found in type)")

// fieldErrors names the fields of yaml's unmarshal errors: it returns the
// problems of err, each prefixed with the path of the field on its line
// ("pacing.chance_of_action: cannot unmarshal !!str `often` into
// float64 (line 3)"), or err itself when it is not an unmarshal error.
func fieldErrors(b []byte, err error) []error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return []error{err}
	}
	var root yaml.Node
	if yaml.Unmarshal(b, &root) != nil {
		return []error{err}
	}
	var places []yamlPlace
	indexYAML(&root, "", &places)
	out := make([]error, 0, len(te.Errors))
	for _, msg := range te.Errors {
		out = append(out, problem(nameYAMLError(msg, places)))
	}
	return out
}

// nameYAMLError puts the path of the field msg is about in front of it.
func nameYAMLError(msg string, places []yamlPlace) string {
	m := yamlErrorRe.FindStringSubmatch(msg)
	if m == nil {
		return escapeControls(msg)
	}
	line, _ := strconv.Atoi(m[1])
	text := escapeControls(msg[len("line "+m[1]+": "):])
	best := ""
	for _, p := range places {
		if p.line != line || p.path == "" {
			continue
		}
		switch {
		case m[3] != "" && p.key && p.value == m[3]: // an unknown field: its own name
			return fmt.Sprintf("%s: %s (line %d)", p.path, text, line)
		case m[3] == "" && !p.key && p.scalar == (m[2] != "") && (m[2] == "" || p.value == m[2]):
			return fmt.Sprintf("%s: %s (line %d)", p.path, text, line)
		case best == "" && !p.key:
			best = p.path
		}
	}
	if best == "" {
		return escapeControls(msg)
	}
	return fmt.Sprintf("%s: %s (line %d)", best, text, line)
}

// indexYAML appends the keys and values under n, with their paths.
func indexYAML(n *yaml.Node, path string, out *[]yamlPlace) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			indexYAML(c, path, out)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := fieldKey(path, k.Value)
			*out = append(*out, yamlPlace{line: k.Line, value: k.Value, path: p, key: true})
			*out = append(*out, yamlPlace{line: v.Line, value: v.Value, path: p, scalar: v.Kind == yaml.ScalarNode})
			indexYAML(v, p, out)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			*out = append(*out, yamlPlace{line: c.Line, value: c.Value, path: p, scalar: c.Kind == yaml.ScalarNode})
			indexYAML(c, p, out)
		}
	}
}

// escapeControls escapes the control characters of s as Go does in a
// string literal: a file's text quoted in an error must not reach a
// terminal raw.
func escapeControls(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
