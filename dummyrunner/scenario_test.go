package dummyrunner

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestDefaultScenario(t *testing.T) {
	t.Parallel()
	pl := defaultPlan()
	tests := []struct {
		field     string
		got, want any
	}{
		{"Name", pl.sc.Name, "default"},
		{"Model", pl.sc.Model, ModelClosed},
		{"TransportLabel", pl.TransportLabel(), "telnet"},
		{"Clients", pl.sc.Clients, 50},
		{"Duration", pl.sc.Duration, 30 * time.Second},
		{"Seed", pl.sc.Seed, int64(1)},
		{"len(Profiles)", len(pl.sc.Profiles), 1},
		{"Profiles[looker]", pl.sc.Profiles["looker"], 1.0},
		{"Pacing", pl.sc.Pacing, Pacing{Timestep: time.Second, ChanceOfAction: 0.5, ChanceOfLogin: 0.01, LoginConcurrency: 10}},
		{"Completion", pl.sc.Completion.Mode, CompletionPrompt},
		{"Names", pl.sc.Names, NamesUnique},
		{"CommandTimeout", pl.sc.CommandTimeout, 30 * time.Second},
		{"ConnectTimeout", pl.sc.ConnectTimeout, 30 * time.Second},
		{"LogoutGrace", pl.sc.LogoutGrace, 5 * time.Second},
		{"Session", pl.sc.Session, SessionSpec{Actions: 10, Think: 2 * time.Second}},
		{"MaxSessions", pl.sc.MaxSessions, 10_000},
		{"Health", pl.sc.Health, Health{MaxTimerLateness: 250 * time.Millisecond, MaxCPU: 0.95, MaxBackgroundCPU: DefaultMaxBackgroundCPU}},
		{"Thresholds", strings.Join(pl.sc.Thresholds, "; "), "p99(*) < 1s; errors == 0; lost_clients == 0"},
		{"len(ParsedThresholds)", len(pl.Thresholds()), 3},
		{"PlannedDuration", pl.PlannedDuration(), 30 * time.Second},
		{"Sessions", pl.Sessions(), 50},
		{"Target", pl.sc.Target, ""},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %v, want %v", tt.field, tt.got, tt.want)
		}
	}
	if p := pl.profileFor(0.5); p == nil || p.Name != "looker" {
		t.Errorf("profileFor(0.5) = %v, want the looker profile", p)
	}
	for _, line := range []string{"You become Dummy_1.", "Welcome back, Dummy_1!", "You are now logged in."} {
		if !pl.loginRe.MatchString(line) {
			t.Errorf("the default login_success does not match %q", line)
		}
	}
	if pl.loginRe.MatchString("Username and/or password is incorrect.") {
		t.Error("the default login_success matches a failed login")
	}
}

func TestParseScenarioDefaults(t *testing.T) {
	t.Parallel()
	pl := mustPlan(t, "clients: 1\nduration: 1s\npacing: {timestep: 200ms, chance_of_action: 0.25}")
	tests := []struct {
		field     string
		got, want any
	}{
		{"Name", pl.sc.Name, "unnamed"},
		{"Model", pl.sc.Model, ModelClosed},
		{"Profiles", len(pl.sc.Profiles) == 1 && pl.sc.Profiles["looker"] == 1, true},
		{"ChanceOfLogin", pl.sc.Pacing.ChanceOfLogin, 0.01},
		{"LoginConcurrency", pl.sc.Pacing.LoginConcurrency, 10},
		// Think defaults to the closed model's mean time between commands.
		{"Session.Think", pl.sc.Session.Think, 800 * time.Millisecond},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %v, want %v", tt.field, tt.got, tt.want)
		}
	}
}

func TestScenarioReportsEveryProblem(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{
			name: "closed",
			yaml: `
name: broken
model: closed
protocol: pigeon
completion: psychic
pacing: {chance_of_action: 1.5}
login_success: "(unclosed"
thresholds: ["p99(*) <<< 1s"]
profiles: {looker: -1, speedrunner: 1}
profile_files: [testdata/nope.yaml]
`,
			want: []string{
				`"broken"`,
				"clients: missing or 0: want 1 to 1000000",
				"duration: missing or 0: want 1ms to 24h",
				`protocol: "pigeon": unknown transport`,
				`completion.mode: "psychic"`,
				"pacing.chance_of_action: 1.5 is out of range: want 0 to 1",
				"login_success",
				"thresholds",
				`profiles.looker: -1 is out of range: want above 0, at most 1000000`,
				"speedrunner",
				"testdata/nope.yaml",
			},
		},
		{
			name: "open",
			yaml: `
model: open
stages: [{duration: 1s, target: 5}, {duration: 0s, target: 5}, {duration: 1s, target: -1}]
session: {profile: speedrunner}
pacing: {chance_of_login: -0.1}
`,
			want: []string{
				"stages[1].duration: missing or 0: want 1ms to 24h",
				"stages[2].target: -1 is out of range: want 0 to 100000",
				"session.profile",
				"speedrunner",
				"pacing.chance_of_login: -0.1 is out of range",
			},
		},
		{
			name: "open without stages",
			yaml: "model: open",
			want: []string{"stages: the open model needs at least one stage"},
		},
		{
			name: "unknown model",
			yaml: "model: chaotic\nclients: 1\nduration: 1s",
			want: []string{`model: "chaotic"`},
		},
		{
			name: "unknown field",
			yaml: "clients: 1\nduration: 1s\nclient: 2",
			want: []string{"client"},
		},
		{
			name: "bad duration",
			yaml: "clients: 1\nduration: soon",
			want: []string{"soon"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pl, err := parsePlan([]byte(tt.yaml), "")
			if !errors.Is(err, ErrInvalidScenario) {
				t.Fatalf("ParseScenario = %+v, %v; want an error wrapping ErrInvalidScenario", pl, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestLoadScenarioResolvesProfileFiles(t *testing.T) {
	t.Parallel()
	pl, err := loadPlan(filepath.Join("testdata", "custom_scenario.yaml"))
	if err != nil {
		t.Fatalf("LoadScenario: %v", err)
	}
	p := pl.profiles["scripted"]
	if p == nil {
		t.Fatalf("profile %q not loaded; have %v", "scripted", pl.profiles)
	}
	if got, want := len(p.Actions), 3; got != want {
		t.Errorf("scripted has %d actions, want %d", got, want)
	}
	// Profiles are picked by weight, in name order: looker 1/4, scripted 3/4.
	for _, tt := range []struct {
		r    float64
		want string
	}{{0, "looker"}, {0.25, "looker"}, {0.26, "scripted"}, {0.999, "scripted"}} {
		if got := pl.profileFor(tt.r).Name; got != tt.want {
			t.Errorf("profileFor(%v) = %s, want %s", tt.r, got, tt.want)
		}
	}

	// The same file parsed from another directory: relative to dir, not to the working directory.
	b, err := os.ReadFile(filepath.Join("testdata", "custom_scenario.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parsePlan(b, abs); err != nil {
		t.Errorf("ParseScenario with dir %s: %v", abs, err)
	}
	if _, err := parsePlan(b, ""); !errors.Is(err, ErrInvalidScenario) || !strings.Contains(err.Error(), "profiles/scripted.yaml") {
		t.Errorf("ParseScenario without dir = %v; want the missing profile file reported", err)
	}
}

func TestTemplateExpansion(t *testing.T) {
	t.Parallel()
	fresh := func() *script {
		return &script{name: "Dummy_a_1", password: "pw-1", startRoom: "start_a_1", prefix: "a_1"}
	}
	built := func() *script {
		s := fresh()
		s.objs = []string{"obj_1", "obj_2"}
		s.exits = []string{"exit_3", "exit_4"}
		return s
	}
	tests := []struct {
		name string
		s    *script
		tmpl string
		want string
	}{
		{"name and password", fresh(), "connect {name} {password}", "connect Dummy_a_1 pw-1"},
		{"start room", fresh(), "teleport {start_room}", "teleport start_a_1"},
		{"new tokens differ", fresh(), "dig room_{new} = x_{new}", "dig room_a_1_1 = x_a_1_2"},
		{"obj without objects", fresh(), "look {obj}", "look me"},
		{"obj is the last stored", built(), "look {obj}", "look obj_2"},
		{"exit without exits", fresh(), "look {exit}", "look here"},
		{"exit is the last stored", built(), "{exit}", "exit_4"},
		{"timestamp left for send time", fresh(), "dummyrunner_echo_response {timestamp}", "dummyrunner_echo_response {timestamp}"},
		{"unknown fields kept", fresh(), "say {nope}", "say {nope}"},
		{"repeated fields", built(), "{name} {name} {obj} {obj}", "Dummy_a_1 Dummy_a_1 obj_2 obj_2"},
	}
	for _, tt := range tests {
		if got := expand(tt.tmpl, tt.s); got != tt.want {
			t.Errorf("%s: expand(%q) = %q, want %q", tt.name, tt.tmpl, got, tt.want)
		}
	}

	// Through a profile: a custom action's commands are templates; the
	// counter behind {new} is shared with the built-in actions.
	pl, err := loadPlan(filepath.Join("testdata", "custom_scenario.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p := pl.profiles["scripted"]
	s := fresh()
	var got []string
	for _, a := range p.Actions {
		got = append(got, commandsFor(a, s)...)
	}
	want := []string{
		"dig/tel testing_room_a_1_1 = exit_a_1_2, exit_a_1_3",
		"create thing_a_1_4",
		"desc me = made by Dummy_a_1",
		"look exit_a_1_3",
		"say hello from Dummy_a_1 in start_a_1 at {timestamp}",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("commands =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// A custom action may reuse a built-in name: its commands win.
	if got := commandsFor(WeightedAction{Action: "looks", Commands: []string{"glance {exit}"}}, fresh()); len(got) != 1 || got[0] != "glance here" {
		t.Errorf("custom looks = %q, want [glance here]", got)
	}
}

// A template with many {new} fields expands in one pass: replacing them
// one at a time copied the whole command once per field, so a 1 MiB
// profile file of them cost hundreds of gigabytes of copying per action.
func TestTemplateExpansionIsLinear(t *testing.T) { // not parallel: it measures allocation
	const n = 20_000
	tmpl := strings.Repeat("{new} ", n)
	s := &script{prefix: "p"}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	out := expand(tmpl, s)
	runtime.ReadMemStats(&after)
	if got := strings.Count(out, "p_"); got != n {
		t.Fatalf("%d tokens, want %d", got, n)
	}
	if !strings.HasPrefix(out, "p_1 p_2 ") || !strings.HasSuffix(out, "p_20000 ") {
		t.Errorf("tokens out of order: %.20q ... %.20q", out, out[len(out)-20:])
	}
	// Linear: the output and the template a few times over, plus the
	// tokens; the quadratic expansion allocated about n * len(out) / 2.
	if alloc, limit := after.TotalAlloc-before.TotalAlloc, uint64(20*(len(out)+len(tmpl))); alloc > limit {
		t.Errorf("expanding %d {new} fields allocated %d bytes, want at most %d", n, alloc, limit)
	}
}

// Actions lists what the players can measure: the actions of the
// profiles the scenario uses, with their login and logout, and "event".
func TestScenarioActions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		yaml string
		want string
	}{
		{"default", "clients: 1\nduration: 1s", "login logout looks measure_lag"},
		{"weighted profiles", "clients: 1\nduration: 1s\nprofiles: {idler: 1, looker: 2}", "idles login logout looks measure_lag"},
		{"events", "clients: 1\nduration: 2s\nevents: [{at: 1s, command: reload}]", "event login logout looks measure_lag"},
		{"a profile file", "clients: 1\nduration: 1s\nprofile_files: [profiles/scripted.yaml]\nprofiles: {scripted: 1}", "builds digs greets login logout"},
		{"open: the session's profile only", "model: open\nstages: [{duration: 1s, target: 1}]\nprofiles: {idler: 1}\nsession: {profile: looker}", "login logout looks measure_lag"},
		// A session profile given as a file, relative to the scenario: it
		// used to be stored under its own name, so sessions found no profile.
		{"open: the session's profile file", "model: open\nstages: [{duration: 1s, target: 1}]\nsession: {profile: profiles/scripted.yaml}", "builds digs greets login logout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pl, err := parsePlan([]byte(tt.yaml), "testdata")
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(pl.Actions(), " "); got != tt.want {
				t.Errorf("Actions() = %s, want %s", got, tt.want)
			}
			if p := pl.profileFor(0.5); p == nil {
				t.Error("profileFor(0.5) = nil")
			}
		})
	}
}

// A threshold naming an action the scenario does not have is refused
// before the run, naming the threshold, the known actions and the
// nearest one; both kinds of action metric (latency statistics with their
// histogram prefixes, and error counts) are checked.
func TestScenarioThresholdActions(t *testing.T) {
	t.Parallel()
	base := "clients: 1\nduration: 1s\nprofiles: {looker: 1}\n"
	for _, tt := range []struct {
		threshold string
		want      string // "" for accepted
	}{
		{"p99(looks) < 1s", ""},
		{"p99(*) < 1s", ""},
		{"max(login) < 10s", ""},
		{"errors(logout) == 0", ""},
		{"phase_p99(logged_in) < 10s", ""},
		{"lost_clients == 0", ""},
		{"p99(lookz) < 1s", `thresholds[0]: invalid threshold "p99(lookz) < 1s": unknown action "lookz" (known: *, login, logout, looks, measure_lag); did you mean "looks"?`},
		{"p99.9(ttfb:lookz) < 1s", `unknown action "lookz"`},
		{"mean(corrected:digs) < 1s", `unknown action "digs" (known: *, login, logout, looks, measure_lag)`},
		{"errors(lookz) == 0", `thresholds[0]: invalid threshold "errors(lookz) == 0": unknown action "lookz"`},
		{"error_rate(help) < 1%", `unknown action "help"`},
		{"p99(event) < 1s", `unknown action "event"`},
	} {
		_, err := parsePlan([]byte(base+"thresholds: ["+strconv.Quote(tt.threshold)+"]"), "")
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v, want it accepted", tt.threshold, err)
		case tt.want != "" && (!errors.Is(err, ErrInvalidScenario) || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: %v, want an error saying %q", tt.threshold, err, tt.want)
		}
	}
}
