package dummyrunner

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// TimestampMark in a command is replaced by the send time (Unix seconds)
// just before the command is written, as Evennia's echo probe does.
const TimestampMark = "{timestamp}"

// EchoCommand is Evennia's lag probe; the server answers
// "dummyrunner_echo_response:<args>,<server time>".
const EchoCommand = "dummyrunner_echo_response"

// buttonTypeclass is the typeclass Evennia's creates_button action uses.
const buttonTypeclass = "contrib.tutorial_examples.red_button.RedButton"

// script is a player's memory between actions (Evennia's client.objs and
// client.exits) and the names it was given.
type script struct {
	name, password, startRoom string
	prefix                    string // unique per run and client: names never collide
	n                         int    // the player's number, from 0 ({n})
	counter                   int
	objs, exits               []string
}

// next returns a fresh unique token (Evennia's client.counter()).
func (s *script) next() string {
	s.counter++
	return fmt.Sprintf("%s_%d", s.prefix, s.counter)
}

// actionFunc returns the commands of one action.
type actionFunc func(s *script) []string

// builtinActions are Evennia's dummyrunner action functions (spec 6.5).
var builtinActions = map[string]actionFunc{
	"login": func(s *script) []string {
		return []string{
			"create " + s.name + " " + s.password,
			"yes",
			"connect " + s.name + " " + s.password,
			"dig " + s.startRoom,
			"teleport " + s.startRoom,
			"py from evennia.server.profiling.dummyrunner import DummyRunnerCmdSet;self.cmdset.add(DummyRunnerCmdSet, persistent=False)",
		}
	},
	"login_nodig": func(s *script) []string {
		return []string{"create " + s.name + " " + s.password, "connect " + s.name + " " + s.password}
	},
	"logout": func(*script) []string { return []string{"quit"} },
	"looks":  func(s *script) []string { return eachOr("look", s.objs, s.exits, "look") },
	"examines": func(s *script) []string {
		return eachOr("examine", s.objs, s.exits, "examine me")
	},
	"idles": func(*script) []string { return []string{"idle", "idle"} },
	"help":  func(*script) []string { return []string{"help", EchoCommand} },
	"digs": func(s *script) []string {
		room, e1, e2 := "testing_room_"+s.next(), "exit_"+s.next(), "exit_"+s.next()
		s.exits = append(s.exits, e1, e2)
		return []string{fmt.Sprintf("dig/tel %s = %s, %s", room, e1, e2)}
	},
	"creates_obj": func(s *script) []string {
		obj := "testing_obj_" + s.next()
		s.objs = append(s.objs, obj)
		return []string{
			"create " + obj,
			"desc " + obj + ` = "this is a test object`,
			"set " + obj + "/testattr = this is a test attribute value.",
			"set " + obj + "/testattr2 = this is a second test attribute.",
		}
	},
	"creates_button": func(s *script) []string {
		obj := "testing_button_" + s.next()
		s.objs = append(s.objs, obj)
		return []string{"create " + obj + ":" + buttonTypeclass, "desc " + obj + " = test red button!"}
	},
	"socialize": func(*script) []string {
		return []string{"pub Hello!", "say Yo!", "emote stands looking around."}
	},
	"moves": func(s *script) []string {
		if len(s.exits) == 0 {
			return []string{"look"}
		}
		return slices.Clone(s.exits)
	},
	"moves_n":     func(*script) []string { return []string{"north"} },
	"moves_s":     func(*script) []string { return []string{"south"} },
	"measure_lag": func(*script) []string { return []string{EchoCommand + " " + TimestampMark} },
}

// ActionNames lists the built-in actions.
func ActionNames() []string {
	names := make([]string, 0, len(builtinActions))
	for n := range builtinActions {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// eachOr is Evennia's look/examine rule: verb each stored object, else
// each stored exit, else the fallback.
func eachOr(verb string, objs, exits []string, fallback string) []string {
	src := objs
	if len(src) == 0 {
		src = exits
	}
	if len(src) == 0 {
		return []string{fallback}
	}
	out := make([]string, len(src))
	for i, x := range src {
		out[i] = verb + " " + x
	}
	return out
}

// commandsFor expands an action for the player: a built-in function, or a
// custom action's command templates.
func commandsFor(a WeightedAction, s *script) []string {
	if f, ok := builtinActions[a.Action]; ok && len(a.Commands) == 0 {
		return f(s)
	}
	out := make([]string, len(a.Commands))
	for i, c := range a.Commands {
		out[i] = expand(c, s)
	}
	return out
}

// expand fills a command template. Known fields: {name}, {password},
// {n} (the player's number, from 0), {start_room}, {new} (a fresh unique
// token), {obj} and {exit} (the last stored, or "me"/"here");
// {timestamp} is left for send time.
func expand(tmpl string, s *script) string {
	r := strings.NewReplacer(
		"{name}", s.name,
		"{password}", s.password,
		"{n}", strconv.Itoa(s.n),
		"{start_room}", s.startRoom,
		"{obj}", lastOr(s.objs, "me"),
		"{exit}", lastOr(s.exits, "here"),
	)
	parts := strings.Split(r.Replace(tmpl), "{new}")
	if len(parts) == 1 {
		return parts[0]
	}
	// One pass, each {new} a fresh token: replacing them one at a time
	// took time quadratic in their number.
	var b strings.Builder
	b.WriteString(parts[0])
	for _, p := range parts[1:] {
		b.WriteString(s.next())
		b.WriteString(p)
	}
	return b.String()
}

func lastOr(xs []string, def string) string {
	if len(xs) == 0 {
		return def
	}
	return xs[len(xs)-1]
}
