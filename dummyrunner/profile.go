package dummyrunner

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed profiles/*.yaml
var builtinProfiles embed.FS

// Profile is what a player does once logged in: Evennia's ACTIONS tuple,
// as a file. Login and Logout name actions; Actions are chosen by weight.
type Profile struct {
	// Name is how scenarios refer to the profile.
	Name string `yaml:"name"`
	// Login is the built-in action that logs in (default "login").
	Login string `yaml:"login"`
	// Logout is the built-in action that logs out (default "logout").
	Logout string `yaml:"logout"`
	// Actions are what a logged-in player does, chosen by weight; at least one.
	Actions []WeightedAction `yaml:"actions"`

	cum []float64 // cumulative normalized weights, built by compile
}

// WeightedAction is one entry of a profile: a built-in action by name, or
// a custom one defined by its Commands (templates, see [Template]).
type WeightedAction struct {
	// Action names the action: a built-in one, or the name of a custom
	// one, as the report shows it.
	Action string `yaml:"action"`
	// Weight is the action's share of the choices: a finite number above
	// 0, at most MaxWeight.
	Weight float64 `yaml:"weight"`
	// Commands, if set, are the action's command templates, one line each.
	Commands []string `yaml:"commands,omitempty"`
	// Completion, if set, is how the action's commands complete, in place
	// of the scenario's completion (see [Completion]; marker mode and
	// setup are the scenario's only).
	Completion *Completion `yaml:"completion,omitempty"`
	// Checks, if set, are the action's response checks, added to the
	// scenario's (see Checks). At most one entry of an action name may
	// set them; they apply to all its commands.
	Checks *Checks `yaml:"checks,omitempty"`
}

// BuiltinProfiles returns the names of the profiles that ship with the tool.
func BuiltinProfiles() []string {
	entries, _ := fs.ReadDir(builtinProfiles, "profiles")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	slices.Sort(names)
	return names
}

// LoadProfile reads a built-in profile by name, or a profile file by path.
func LoadProfile(nameOrPath string) (*Profile, error) {
	var b []byte
	var err error
	if strings.ContainsAny(nameOrPath, "/.") {
		b, err = readFileLimited(nameOrPath)
	} else {
		b, err = builtinProfiles.ReadFile(path.Join("profiles", nameOrPath+".yaml"))
		if err != nil {
			return nil, fmt.Errorf("profile %q: %w (built-in profiles: %s)", nameOrPath, ErrUnknownProfile, strings.Join(BuiltinProfiles(), ", "))
		}
	}
	if err != nil {
		return nil, fmt.Errorf("profile %q: %w", nameOrPath, err)
	}
	return ParseProfile(b)
}

// ParseProfile parses and validates a profile.
func ParseProfile(b []byte) (*Profile, error) {
	if len(b) > MaxFileSize {
		return nil, fmt.Errorf("%w: %d bytes: at most %d", ErrInvalidProfile, len(b), MaxFileSize)
	}
	var p Profile
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		msgs := []string{}
		for _, e := range fieldErrors(b, err) {
			msgs = append(msgs, e.Error())
		}
		return nil, fmt.Errorf("%w: %s", ErrInvalidProfile, strings.Join(msgs, "; "))
	}
	if err := p.compile(); err != nil {
		return nil, err
	}
	return &p, nil
}

// compile validates the profile and normalizes its weights. Its problems
// are named by the path of their field ("actions[2].weight", from 0).
func (p *Profile) compile() error {
	var errs problems
	if p.Name == "" {
		errs.add("name", "is missing")
	}
	if p.Login == "" {
		p.Login = "login"
	}
	if p.Logout == "" {
		p.Logout = "logout"
	}
	for _, f := range []struct{ field, action string }{{"login", p.Login}, {"logout", p.Logout}} {
		if _, ok := builtinActions[f.action]; !ok {
			errs.add(f.field, "unknown action %q (want a built-in action: %s)", f.action, strings.Join(ActionNames(), ", "))
		}
	}
	if len(p.Actions) == 0 {
		errs.add("actions", "none: a profile needs at least one")
	}
	total := 0.0
	for i, a := range p.Actions {
		_, builtin := builtinActions[a.Action]
		switch {
		case a.Action == "":
			errs.add(fmt.Sprintf("actions[%d].action", i), "is missing")
		case a.Action == "*":
			errs.add(fmt.Sprintf("actions[%d].action", i), `"*" stands for every action in thresholds and reports: name the action`)
		case !builtin && len(a.Commands) == 0:
			errs.add(fmt.Sprintf("actions[%d]", i), "%q is not built in (%s) and has no commands", a.Action, strings.Join(ActionNames(), ", "))
		}
		errs.number(fmt.Sprintf("actions[%d].weight", i), a.Weight, 0, MaxWeight, true)
		for j, c := range a.Commands {
			errs.command(fmt.Sprintf("actions[%d].commands[%d]", i, j), c)
		}
		if a.Completion != nil {
			a.Completion.compile(&errs, fmt.Sprintf("actions[%d].completion", i), false)
		}
		if a.Checks != nil {
			compileChecks(&errs, fmt.Sprintf("actions[%d].checks", i), &Checks{}, a.Checks)
			if j := slices.IndexFunc(p.Actions[:i], func(o WeightedAction) bool { return o.Action == a.Action && o.Checks != nil }); j >= 0 {
				errs.add(fmt.Sprintf("actions[%d].checks", i), "action %q has checks at actions[%d] too: set them on one entry", a.Action, j)
			}
		}
		total += a.Weight
	}
	if len(errs.errs) > 0 {
		msgs := make([]string, len(errs.errs))
		for i, e := range errs.errs {
			msgs[i] = e.Error()
		}
		return fmt.Errorf("%w %q: %s", ErrInvalidProfile, p.Name, strings.Join(msgs, "; "))
	}
	p.cum = make([]float64, len(p.Actions))
	acc := 0.0
	for i, a := range p.Actions {
		acc += a.Weight / total
		p.cum[i] = acc
	}
	p.cum[len(p.cum)-1] = 1 // no float rounding gap at the end (Evennia's IndexError)
	return nil
}

// pick returns the action for a uniform draw r in [0, 1): the first whose
// cumulative weight is at least r, as Evennia does.
func (p *Profile) pick(r float64) WeightedAction {
	i, _ := slices.BinarySearch(p.cum, r)
	return p.Actions[min(i, len(p.Actions)-1)]
}
