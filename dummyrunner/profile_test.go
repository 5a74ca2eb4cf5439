package dummyrunner

import (
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// evenniaProfiles are the ACTIONS tuples of Evennia's
// dummyrunner_settings.py, in their order.
var evenniaProfiles = map[string][]WeightedAction{
	"idler": {
		{Action: "idles", Weight: 0.9},
		{Action: "measure_lag", Weight: 0.1},
	},
	"looker": {
		{Action: "looks", Weight: 0.8},
		{Action: "measure_lag", Weight: 0.2},
	},
	"normal_player": {
		{Action: "digs", Weight: 0.01},
		{Action: "looks", Weight: 0.29},
		{Action: "help", Weight: 0.2},
		{Action: "moves", Weight: 0.3},
		{Action: "socialize", Weight: 0.05},
		{Action: "measure_lag", Weight: 0.1},
	},
	"normal_builder": {
		{Action: "looks", Weight: 0.5},
		{Action: "examines", Weight: 0.08},
		{Action: "help", Weight: 0.1},
		{Action: "digs", Weight: 0.01},
		{Action: "creates_obj", Weight: 0.01},
		{Action: "moves", Weight: 0.2},
		{Action: "measure_lag", Weight: 0.1},
	},
	"heavy_builder": {
		{Action: "looks", Weight: 0.1},
		{Action: "examines", Weight: 0.1},
		{Action: "help", Weight: 0.2},
		{Action: "digs", Weight: 0.1},
		{Action: "creates_obj", Weight: 0.1},
		{Action: "moves", Weight: 0.2},
		{Action: "measure_lag", Weight: 0.1},
	},
	"socializing_builder": {
		{Action: "socialize", Weight: 0.1},
		{Action: "looks", Weight: 0.1},
		{Action: "help", Weight: 0.1},
		{Action: "creates_obj", Weight: 0.1},
		{Action: "digs", Weight: 0.2},
		{Action: "moves", Weight: 0.3},
		{Action: "measure_lag", Weight: 0.1},
	},
	"only_digger": {
		{Action: "digs", Weight: 0.9},
		{Action: "measure_lag", Weight: 0.1},
	},
}

func TestBuiltinProfilesMatchEvennia(t *testing.T) {
	t.Parallel()
	var want []string
	for name := range evenniaProfiles {
		want = append(want, name)
	}
	slices.Sort(want)
	if got := BuiltinProfiles(); !slices.Equal(got, want) {
		t.Fatalf("BuiltinProfiles() = %v, want %v", got, want)
	}
	for _, name := range want {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p, err := LoadProfile(name)
			if err != nil {
				t.Fatalf("LoadProfile(%q): %v", name, err)
			}
			if p.Name != name || p.Login != "login" || p.Logout != "logout" {
				t.Errorf("name, login, logout = %q, %q, %q; want %q, login, logout", p.Name, p.Login, p.Logout, name)
			}
			if !reflect.DeepEqual(p.Actions, evenniaProfiles[name]) {
				t.Errorf("actions = %+v\nwant      %+v", p.Actions, evenniaProfiles[name])
			}
			if len(p.cum) != len(p.Actions) || p.cum[len(p.cum)-1] != 1 {
				t.Errorf("cumulative weights %v: want %d entries ending at exactly 1", p.cum, len(p.Actions))
			}
			for i := 1; i < len(p.cum); i++ {
				if p.cum[i] <= p.cum[i-1] {
					t.Errorf("cumulative weights %v are not increasing", p.cum)
				}
			}
		})
	}
}

// TestPickFollowsWeights draws from a seeded PCG, so the counts are the
// same in every run: the tolerance (about 4 standard deviations of a
// binomial proportion at n = 200000) only has to hold for this seed.
func TestPickFollowsWeights(t *testing.T) {
	t.Parallel()
	const n = 200_000
	const tol = 0.005
	for _, name := range BuiltinProfiles() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p, err := LoadProfile(name)
			if err != nil {
				t.Fatal(err)
			}
			total := 0.0
			for _, a := range p.Actions {
				total += a.Weight
			}
			rng := rand.New(rand.NewPCG(20240601, 7))
			counts := map[string]int{}
			for range n {
				counts[p.pick(rng.Float64()).Action]++
			}
			for _, a := range p.Actions {
				got := float64(counts[a.Action]) / n
				want := a.Weight / total
				if math.Abs(got-want) > tol {
					t.Errorf("%s: picked %.4f of the time, want %.4f ± %.3f", a.Action, got, want, tol)
				}
			}
		})
	}
}

func TestPickEdges(t *testing.T) {
	t.Parallel()
	for _, name := range BuiltinProfiles() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p, err := LoadProfile(name)
			if err != nil {
				t.Fatal(err)
			}
			first, last := p.Actions[0].Action, p.Actions[len(p.Actions)-1].Action
			tests := []struct {
				r    float64
				want string
			}{
				{0, first},
				{p.cum[0], first}, // the first whose cumulative weight is at least r
				{math.Nextafter(p.cum[0], 1), p.Actions[1].Action},
				{0.999999, last},
				{math.Nextafter(1, 0), last},
				{1, last}, // not a valid draw, but must not panic (Evennia's IndexError)
			}
			for _, tt := range tests {
				if got := p.pick(tt.r).Action; got != tt.want {
					t.Errorf("pick(%v) = %s, want %s", tt.r, got, tt.want)
				}
			}
		})
	}
}

func TestParseProfileInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		yaml string
		want []string // substrings of the error
	}{
		{
			name: "no name",
			yaml: "actions: [{action: looks, weight: 1}]",
			want: []string{"name: is missing"},
		},
		{
			name: "unknown action without commands",
			yaml: "name: p\nactions: [{action: dance, weight: 1}]",
			want: []string{`actions[0]: "dance" is not built in`, "has no commands", "looks"},
		},
		{
			name: "zero weight",
			yaml: "name: p\nactions: [{action: looks, weight: 0}]",
			want: []string{`actions[0].weight: missing or 0: want above 0, at most 1000000`},
		},
		{
			name: "negative weight",
			yaml: "name: p\nactions: [{action: looks, weight: 1}, {action: help, weight: -0.5}]",
			want: []string{`actions[1].weight: -0.5 is out of range: want above 0, at most 1000000`},
		},
		{
			name: "missing weight",
			yaml: "name: p\nactions: [{action: looks}]",
			want: []string{`actions[0].weight: missing or 0`},
		},
		{
			name: "unknown field",
			yaml: "name: p\nactions: [{action: looks, weight: 1}]\nwieght: 3",
			want: []string{"wieght"},
		},
		{
			name: "unknown field in an action",
			yaml: "name: p\nactions: [{action: looks, wieght: 1}]",
			want: []string{"wieght"},
		},
		{
			name: "no actions",
			yaml: "name: p",
			want: []string{"actions: none: a profile needs at least one"},
		},
		{
			name: "action without a name",
			yaml: "name: p\nactions: [{weight: 1}]",
			want: []string{"actions[0].action: is missing"},
		},
		{
			name: "the action called *",
			yaml: "name: p\nactions: [{action: '*', weight: 1, commands: [look]}]",
			want: []string{`actions[0].action: "*" stands for every action`},
		},
		{
			name: "unknown login action",
			yaml: "name: p\nlogin: sneak_in\nactions: [{action: looks, weight: 1}]",
			want: []string{`login: unknown action "sneak_in"`},
		},
		{
			name: "every problem at once",
			yaml: "actions: [{action: dance, weight: 0}]",
			want: []string{"name: is missing", `actions[0]: "dance" is not built in`, "actions[0].weight: missing or 0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := ParseProfile([]byte(tt.yaml))
			if !errors.Is(err, ErrInvalidProfile) {
				t.Fatalf("ParseProfile = %+v, %v; want an error wrapping ErrInvalidProfile", p, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestParseProfileCustom(t *testing.T) {
	t.Parallel()
	p, err := ParseProfile([]byte(`
name: custom
login: login_nodig
actions:
  - {action: looks, weight: 3}
  - {action: dance, weight: 1, commands: ["emote dances with {obj}", "say {new}"]}
`))
	if err != nil {
		t.Fatalf("ParseProfile: %v", err)
	}
	if p.Login != "login_nodig" || p.Logout != "logout" {
		t.Errorf("login, logout = %q, %q; want login_nodig, logout", p.Login, p.Logout)
	}
	if want := []float64{0.75, 1}; !slices.Equal(p.cum, want) {
		t.Errorf("cumulative weights = %v, want %v", p.cum, want)
	}
}

func TestLoadProfileUnknown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		arg  string
		is   error
		want string
	}{
		{"unknown built-in", "speedrunner", ErrUnknownProfile, "looker"},
		{"missing file", "testdata/nope.yaml", nil, "testdata/nope.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := LoadProfile(tt.arg)
			if err == nil {
				t.Fatalf("LoadProfile(%q) succeeded", tt.arg)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v does not wrap %v", err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}
