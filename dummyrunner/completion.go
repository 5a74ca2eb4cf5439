package dummyrunner

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Completion modes: how a client knows a command's output is complete.
const (
	// CompletionPrompt waits for the end-of-output marker (telnet GA or
	// EOR, the websocket's prompt).
	CompletionPrompt = "prompt"
	// CompletionEcho sends an echo probe after each command and waits for
	// its answer, for servers that mark nothing (Evennia's dummyrunner).
	CompletionEcho = "echo"
	// CompletionMarker asks the server, once per connection, to wrap every
	// command's output in a begin and an end line (TinyMUX's OUTPUTPREFIX
	// and OUTPUTSUFFIX); a command completes at its end line.
	CompletionMarker = "marker"
	// CompletionRegex completes a command when its output matches a
	// regexp.
	CompletionRegex = "regex"
	// CompletionQuiet completes a command when no output came for a gap;
	// its latency is measured to the last byte.
	CompletionQuiet = "quiet"
)

// DefaultQuietGap is the quiet mode's gap when the file gives none.
const DefaultQuietGap = 200 * time.Millisecond

// MarkerToken is the placeholder of Completion.Begin and End that stands
// for the marker: a token unique per connection and per side.
const MarkerToken = "{marker}"

// Completion is a completion mode and its settings. In YAML it is either
// the mode's name ("completion: prompt") or a mapping ("completion:
// {mode: quiet, gap: 300ms}").
type Completion struct {
	// Mode is CompletionPrompt, CompletionMarker, CompletionRegex,
	// CompletionQuiet or CompletionEcho. In a profile's action, empty
	// means the scenario's completion.
	Mode string `yaml:"mode"`
	// Begin and End are the commands that set the marker lines, sent once
	// after connecting (marker mode); MarkerToken in them stands for the
	// marker. Defaults: TinyMUX's "OUTPUTPREFIX {marker}" and
	// "OUTPUTSUFFIX {marker}". A command completes when a whole line equal
	// to the end marker arrives; the lines up to the begin marker's are
	// not its output. Scenario only.
	Begin string `yaml:"begin,omitempty"`
	// End: see Begin.
	End string `yaml:"end,omitempty"`
	// Pattern is the regexp the output must match (regex mode).
	Pattern string `yaml:"pattern,omitempty"`
	// Gap is how long without output completes a command (quiet mode):
	// MinTimeout to MaxTimeout, default DefaultQuietGap. The wait before
	// the next command grows by the gap; the latency is measured to the
	// last byte, so output slower than the gap is cut off, not measured.
	Gap time.Duration `yaml:"gap,omitempty"`
	// Setup are commands sent once after login, as part of the login
	// (measured as the action "login"): in echo mode, the commands that
	// install the echo probe (Evennia's "py ..." step); the probe follows
	// the last of them. At most MaxSetup, one line each. Scenario only.
	Setup []string `yaml:"setup,omitempty"`

	// unknown lists the file's fields that are not a Completion's: the
	// decoder's note, refused by compile with the field's path.
	unknown []string
}

// completion is a compiled Completion: what a command in flight needs.
type completion struct {
	mode string
	re   *regexp.Regexp // regex mode's pattern
	gap  time.Duration  // quiet mode's gap
}

// MaxSetup bounds Completion.Setup.
const MaxSetup = 100

// completionFields are the YAML names of a Completion's fields.
var completionFields = []string{"mode", "begin", "end", "pattern", "gap", "setup"}

// completionModes are the modes, for error messages.
var completionModes = []string{CompletionPrompt, CompletionMarker, CompletionRegex, CompletionQuiet, CompletionEcho}

// UnmarshalYAML reads the shorthand (the mode's name) or the mapping,
// noting the mapping's unknown fields (refused by check, with the
// field's path).
func (c *Completion) UnmarshalYAML(node *yaml.Node) error {
	switch node.Kind {
	case yaml.ScalarNode:
		*c = Completion{Mode: node.Value}
		return nil
	case yaml.MappingNode:
	default:
		return fmt.Errorf("line %d: completion is a mode (%s) or a mapping like {mode: quiet, gap: 200ms}", node.Line, strings.Join(completionModes, ", "))
	}
	var unknown []string
	for i := 0; i+1 < len(node.Content); i += 2 {
		if k := node.Content[i].Value; !slices.Contains(completionFields, k) {
			unknown = append(unknown, k)
		}
	}
	type plain Completion
	if err := node.Decode((*plain)(c)); err != nil {
		return err
	}
	c.unknown = unknown
	return nil
}

// MarshalYAML writes the shorthand when only the mode is set.
func (c Completion) MarshalYAML() (any, error) {
	if c.Begin == "" && c.End == "" && c.Pattern == "" && c.Gap == 0 && len(c.Setup) == 0 {
		return c.Mode, nil
	}
	type plain Completion
	return plain(c), nil
}

// compile fills the defaults of the mode into c, records the problems of
// the completion at field and returns it compiled. scenario says it is
// the scenario's (marker and setup are per connection: an action may not
// set them).
func (c *Completion) compile(p *problems, field string, scenario bool) *completion {
	out := &completion{mode: c.Mode}
	c.check(p, field, scenario, out)
	out.gap = c.Gap
	return out
}

// check is compile's work: it fills the defaults of c and out's regexp.
func (c *Completion) check(p *problems, field string, scenario bool, out *completion) {
	for _, k := range c.unknown {
		p.add(field+"."+k, "unknown field: want %s", strings.Join(completionFields, ", "))
	}
	sub := func(name string) string { return field + "." + name }
	unused := func(name string, set bool) {
		if set {
			p.add(sub(name), "only used in %s mode", map[string]string{"begin": CompletionMarker, "end": CompletionMarker, "pattern": CompletionRegex, "gap": CompletionQuiet}[name])
		}
	}
	unused("begin", c.Mode != CompletionMarker && c.Begin != "")
	unused("end", c.Mode != CompletionMarker && c.End != "")
	unused("pattern", c.Mode != CompletionRegex && c.Pattern != "")
	unused("gap", c.Mode != CompletionQuiet && c.Gap != 0)
	if len(c.Setup) > 0 && !scenario {
		p.add(sub("setup"), "is sent once per connection: set it in the scenario's completion")
	}
	if n := len(c.Setup); n > MaxSetup {
		p.add(sub("setup"), "%d commands: at most %d", n, MaxSetup)
	}
	for i, cmd := range c.Setup {
		p.command(fmt.Sprintf("%s[%d]", sub("setup"), i), cmd)
	}
	switch c.Mode {
	case CompletionPrompt, CompletionEcho:
	case CompletionMarker:
		if !scenario {
			p.add(sub("mode"), "marker mode is set up once per connection: set it in the scenario's completion")
			return
		}
		if c.Begin == "" {
			c.Begin = "OUTPUTPREFIX " + MarkerToken
		}
		if c.End == "" {
			c.End = "OUTPUTSUFFIX " + MarkerToken
		}
		for _, f := range []struct{ name, v string }{{"begin", c.Begin}, {"end", c.End}} {
			p.command(sub(f.name), f.v)
			if !strings.Contains(f.v, MarkerToken) {
				p.add(sub(f.name), "%q has no %s: the marker would not be unique to the connection", f.v, MarkerToken)
			}
		}
	case CompletionRegex:
		if c.Pattern == "" {
			p.add(sub("pattern"), "is missing: regex mode needs the pattern the output must match")
			return
		}
		var err error
		if out.re, err = regexp.Compile(c.Pattern); err != nil {
			p.add(sub("pattern"), "%v", err)
		}
	case CompletionQuiet:
		if c.Gap == 0 {
			c.Gap = DefaultQuietGap
		}
		p.duration(sub("gap"), c.Gap, MinTimeout, MaxTimeout)
	case "":
		if scenario {
			p.add(sub("mode"), "is missing: want one of %s", strings.Join(completionModes, ", "))
		}
	default:
		p.add(sub("mode"), "%q: want one of %s", c.Mode, strings.Join(completionModes, ", "))
	}
}

// label is the mode as the report shows it: the name, with the gap in
// quiet mode ("quiet 200ms").
func (c *Completion) label() string {
	if c.Mode == CompletionQuiet {
		return fmt.Sprintf("%s %v", c.Mode, c.Gap)
	}
	return c.Mode
}

// markers are the begin and end lines of a connection in marker mode.
type markers struct{ begin, end string }

// markersFor returns the marker lines of connection id of the run with
// prefix: unique per connection and per side.
func markersFor(prefix string, id int) markers {
	return markers{begin: fmt.Sprintf("<<begin:%s-%d>>", prefix, id), end: fmt.Sprintf("<<end:%s-%d>>", prefix, id)}
}

// CompletionLabel is the completion the report records (Meta.Completion):
// the scenario's mode ("quiet 200ms" with its gap), then the actions of
// its profiles that complete otherwise, as "action=mode", sorted.
func (pl *Plan) CompletionLabel() string {
	s := &pl.sc
	parts := []string{s.Completion.label()}
	seen := map[string]bool{}
	for _, name := range pl.profileList {
		prof := pl.profiles[name]
		if prof == nil {
			continue
		}
		for _, a := range prof.Actions {
			if a.Completion == nil || a.Completion.Mode == "" || seen[a.Action] {
				continue
			}
			seen[a.Action] = true
			if l := a.Completion.label(); l != s.Completion.label() {
				parts = append(parts, a.Action+"="+l)
			}
		}
	}
	slices.Sort(parts[1:])
	return strings.Join(parts, " ")
}
