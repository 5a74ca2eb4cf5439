package dummyrunner

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
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
	Name    string           `yaml:"name"`
	Login   string           `yaml:"login"`
	Logout  string           `yaml:"logout"`
	Actions []WeightedAction `yaml:"actions"`

	cum []float64 // cumulative normalized weights, built by compile
}

// WeightedAction is one entry of a profile: a built-in action by name, or
// a custom one defined by its Commands (templates, see [Template]).
type WeightedAction struct {
	Action   string   `yaml:"action"`
	Weight   float64  `yaml:"weight"`
	Commands []string `yaml:"commands,omitempty"`
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
		b, err = os.ReadFile(nameOrPath)
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
	var p Profile
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidProfile, err)
	}
	if err := p.compile(); err != nil {
		return nil, err
	}
	return &p, nil
}

// compile validates the profile and normalizes its weights.
func (p *Profile) compile() error {
	var errs []string
	if p.Name == "" {
		errs = append(errs, "name is missing")
	}
	if p.Login == "" {
		p.Login = "login"
	}
	if p.Logout == "" {
		p.Logout = "logout"
	}
	for _, a := range []string{p.Login, p.Logout} {
		if _, ok := builtinActions[a]; !ok {
			errs = append(errs, fmt.Sprintf("unknown login/logout action %q", a))
		}
	}
	if len(p.Actions) == 0 {
		errs = append(errs, "no actions")
	}
	total := 0.0
	for i, a := range p.Actions {
		_, builtin := builtinActions[a.Action]
		switch {
		case a.Action == "":
			errs = append(errs, fmt.Sprintf("action %d has no name", i+1))
		case !builtin && len(a.Commands) == 0:
			errs = append(errs, fmt.Sprintf("action %q is not built in (%s) and has no commands", a.Action, strings.Join(ActionNames(), ", ")))
		}
		if a.Weight <= 0 {
			errs = append(errs, fmt.Sprintf("action %q: weight %v must be positive", a.Action, a.Weight))
		}
		total += a.Weight
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w %q: %s", ErrInvalidProfile, p.Name, strings.Join(errs, "; "))
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
