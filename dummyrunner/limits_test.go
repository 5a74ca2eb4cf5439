package dummyrunner

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// closedBase and openBase are valid scenarios a bounds case adds one bad
// field to (a later key of the same name replaces an earlier one in the
// YAML mapping only through pacing, session and health, written whole).
const (
	closedBase = "clients: 1\nduration: 2s\n"
	openBase   = "model: open\nstages: [{duration: 1s, target: 1}]\n"
)

// TestScenarioBounds goes through every number of a scenario and profile
// file: a value that is not finite, negative or absurd is refused with
// the path of its field, before anything runs.
func TestScenarioBounds(t *testing.T) {
	t.Parallel()
	var manyEvents strings.Builder
	manyEvents.WriteString(closedBase + "events:\n")
	for range MaxEvents + 1 {
		manyEvents.WriteString("  - {at: 1s, command: look}\n")
	}
	tests := []struct {
		name string
		yaml string
		want string // the field's path and what is wrong
	}{
		{"clients absurd", "clients: 2000000000\nduration: 1s", "clients: 2000000000 is out of range: want 1 to 1000000"},
		{"clients negative", "clients: -3\nduration: 1s", "clients: -3 is out of range"},
		{"clients negative, open model", openBase + "clients: -3", "clients: -3 is out of range"},
		{"duration negative", "clients: 1\nduration: -1s", "duration: -1s is out of range: want 1ms to 24h"},
		{"duration absurd", "clients: 1\nduration: 1000h", "duration: 1000h0m0s is out of range"},
		{"duration in nanoseconds", "clients: 1\nduration: 30ns", "duration: 30ns is out of range: want 1ms to 24h"},
		{"duration negative, open model", openBase + "duration: -1s", "duration: -1s is out of range"},
		{"ramp_up negative", closedBase + "ramp_up: -1s", "ramp_up: -1s is negative"},
		{"ramp_up past the end", closedBase + "ramp_up: 3s", "ramp_up: 3s is longer than the duration 2s"},
		{"stage target infinite", "model: open\nstages: [{duration: 1s, target: 1}, {duration: 1s, target: .inf}]", "stages[1].target: +Inf is not a finite number"},
		{"stage target NaN", "model: open\nstages: [{duration: 1s, target: .nan}]", "stages[0].target: NaN is not a finite number"},
		{"stage target negative", "model: open\nstages: [{duration: 1s, target: -1}]", "stages[0].target: -1 is out of range: want 0 to 100000"},
		{"stage target absurd", "model: open\nstages: [{duration: 1s, target: 1e9}]", "stages[0].target: 1000000000 is out of range"},
		{"stage duration negative", "model: open\nstages: [{duration: -1s, target: 1}]", "stages[0].duration: -1s is out of range"},
		{"stage duration absurd", "model: open\nstages: [{duration: 1000h, target: 1}]", "stages[0].duration: 1000h0m0s is out of range"},
		{"stages too long together", "model: open\nstages: [{duration: 13h, target: 1}, {duration: 13h, target: 1}]", "stages: last 26h0m0s together: at most 24h"},
		{"stages schedule too many sessions", "model: open\nstages: [{duration: 1000s, target: 100000}]", "stages: schedule 50000000 sessions: at most 10000000"},
		{"stages schedule nobody", "model: open\nstages: [{duration: 10s, target: 0}, {duration: 1s, target: 0}]", "stages: schedule no session: raise a target"},
		{"too many stages", "model: open\nstages: [" + strings.Repeat("{duration: 1s, target: 1}, ", MaxStages) + "{duration: 1s, target: 1}]", "stages: 1001 stages: at most 1000"},
		{"session actions negative", openBase + "session: {actions: -1}", "session.actions: -1 is out of range: want 1 to 1000000"},
		{"session actions absurd", openBase + "session: {actions: 2000000}", "session.actions: 2000000 is out of range"},
		{"session think negative", openBase + "session: {think: -1s}", "session.think: -1s is out of range: want 1ms to 1h"},
		{"session think absurd", openBase + "session: {think: 2h}", "session.think: 2h0m0s is out of range"},
		{"max_sessions negative", openBase + "max_sessions: -5", "max_sessions: -5 is out of range: want 1 to 1000000"},
		{"max_sessions absurd", openBase + "max_sessions: 2000000", "max_sessions: 2000000 is out of range"},
		{"profile weight NaN", closedBase + "profiles: {looker: .nan}", "profiles.looker: NaN is not a finite number"},
		{"profile weight infinite", closedBase + "profiles: {looker: .inf}", "profiles.looker: +Inf is not a finite number"},
		{"profile weight negative", closedBase + "profiles: {looker: -1}", "profiles.looker: -1 is out of range: want above 0, at most 1000000"},
		{"profile weight absurd", closedBase + "profiles: {looker: 1e7}", "profiles.looker: 10000000 is out of range"},
		{"profile name with a control character", closedBase + "profiles: {\"look\\e[2J\": -1}", `profiles["look\x1b[2J"]: -1 is out of range`},
		{"timestep negative", closedBase + "pacing: {timestep: -1s}", "pacing.timestep: -1s is out of range: want 1ms to 1h"},
		{"timestep absurd", closedBase + "pacing: {timestep: 2h}", "pacing.timestep: 2h0m0s is out of range"},
		{"timestep in nanoseconds", closedBase + "pacing: {timestep: 100ns}", "pacing.timestep: 100ns is out of range"},
		{"chance_of_action NaN", closedBase + "pacing: {chance_of_action: .nan}", "pacing.chance_of_action: NaN is not a finite number: want 0 to 1"},
		{"chance_of_action above 1", closedBase + "pacing: {chance_of_action: 1.5}", "pacing.chance_of_action: 1.5 is out of range: want 0 to 1"},
		{"chance_of_action negative", closedBase + "pacing: {chance_of_action: -0.5}", "pacing.chance_of_action: -0.5 is out of range"},
		{"chance_of_login NaN", closedBase + "pacing: {chance_of_login: .nan}", "pacing.chance_of_login: NaN is not a finite number"},
		{"chance_of_login infinite", closedBase + "pacing: {chance_of_login: -.inf}", "pacing.chance_of_login: -Inf is not a finite number"},
		{"login_concurrency negative", closedBase + "pacing: {login_concurrency: -3}", "pacing.login_concurrency: -3 is out of range: want 1 to 1000000"},
		{"login_concurrency absurd", closedBase + "pacing: {login_concurrency: 2000000}", "pacing.login_concurrency: 2000000 is out of range"},
		{"command_timeout negative", closedBase + "command_timeout: -5s", "command_timeout: -5s is out of range: want 1ms to 1h"},
		{"command_timeout absurd", closedBase + "command_timeout: 2h", "command_timeout: 2h0m0s is out of range"},
		{"connect_timeout negative", closedBase + "connect_timeout: -5s", "connect_timeout: -5s is out of range"},
		{"connect_timeout in microseconds", closedBase + "connect_timeout: 30us", "connect_timeout: 30µs is out of range"},
		{"logout_grace negative", closedBase + "logout_grace: -1s", "logout_grace: -1s is out of range"},
		{"logout_grace absurd", closedBase + "logout_grace: 1000h", "logout_grace: 1000h0m0s is out of range"},
		{"max_timer_lateness negative", closedBase + "health: {max_timer_lateness: -1s}", "health.max_timer_lateness: -1s is out of range"},
		{"max_cpu NaN", closedBase + "health: {max_cpu: .nan}", "health.max_cpu: NaN is not a finite number: want above 0, at most 1"},
		{"max_cpu above 1", closedBase + "health: {max_cpu: 2}", "health.max_cpu: 2 is out of range"},
		{"max_cpu negative", closedBase + "health: {max_cpu: -1}", "health.max_cpu: -1 is out of range"},
		{"event before the start", closedBase + "events: [{at: -1s, command: look}]", "events[0].at: -1s is not within the run (0s to 2s)"},
		{"event after the end", closedBase + "events: [{at: 1s, command: look}, {at: 5s, command: look}]", "events[1].at: 5s is not within the run"},
		{"event without a command", closedBase + "events: [{at: 1s}]", "events[0].command: is missing"},
		{"too many events", manyEvents.String(), "events: 10001 events: at most 10000"},
		{"event of two lines", closedBase + "events: [{at: 1s, command: \"look\\nquit\"}]", `events[0].command: "look\nquit" has a control character at 4: one line per command`},
		{"target without a port", closedBase + "target: mud.example.org", `target: "mud.example.org": want host:port with a port from 1 to 65535`},
		{"target port out of range", closedBase + "target: mud.example.org:99999", `target: "mud.example.org:99999"`},
		{"target port 0", closedBase + "target: 127.0.0.1:0", `target: "127.0.0.1:0"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := parsePlan([]byte(tt.yaml), "")
			if !errors.Is(err, ErrInvalidScenario) {
				t.Fatalf("ParseScenario accepted it (%v); want an error wrapping ErrInvalidScenario", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error does not say %q:\n%v", tt.want, err)
			}
		})
	}
}

// TestScenarioBoundsHold: values at the bounds are accepted, so the
// bounds are where their doc comments say.
func TestScenarioBoundsHold(t *testing.T) {
	t.Parallel()
	for _, yaml := range []string{
		fmt.Sprintf("clients: %d\nduration: 24h\nramp_up: 24h\npacing: {timestep: 1ms, chance_of_action: 1, chance_of_login: 0.000001, login_concurrency: %d}", MaxClients, MaxClients),
		"clients: 1\nduration: 1ms\ncommand_timeout: 1h\nconnect_timeout: 1ms\nlogout_grace: 1h\nhealth: {max_timer_lateness: 1h, max_cpu: 1}\nprofiles: {looker: 1000000, idler: 0.000001}",
		fmt.Sprintf("model: open\nmax_sessions: %d\nsession: {actions: %d, think: 1h}\nstages: [{duration: 100s, target: 100000}, {duration: 100s, target: 0}]", MaxClients, MaxSessionActions),
		"model: open\nstages: [{duration: 12h, target: 0.1}, {duration: 12h, target: 0.1}]",
		"model: open\nstages: [{duration: 1ms, target: 1000}]\nevents: [{at: 0s, command: look}]",
	} {
		if _, err := parsePlan([]byte(yaml), ""); err != nil {
			t.Errorf("ParseScenario refused a scenario within the bounds: %v\n%s", err, yaml)
		}
	}
	pl := mustPlan(t, "model: open\nstages: [{duration: 100s, target: 100000}, {duration: 100s, target: 0}]")
	if got := pl.Sessions(); got != MaxArrivals {
		t.Errorf("Sessions() = %d, want exactly MaxArrivals (%d)", got, MaxArrivals)
	}
}

// A profile file's weights are numbers like any other.
func TestProfileWeightBounds(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ weight, want string }{
		{"1, commands: [\"say hi\\r\\nquit\"]", `actions[1].commands[0]: "say hi\r\nquit" has a control character at 6`},
		{".nan", "actions[1].weight: NaN is not a finite number"},
		{".inf", "actions[1].weight: +Inf is not a finite number"},
		{"-2", "actions[1].weight: -2 is out of range"},
		{"2e6", "actions[1].weight: 2000000 is out of range"},
	} {
		_, err := ParseProfile([]byte("name: p\nactions: [{action: looks, weight: 1}, {action: help, weight: " + tt.weight + "}]"))
		if !errors.Is(err, ErrInvalidProfile) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("weight %s: error %v, want one saying %q", tt.weight, err, tt.want)
		}
	}
}

// A scenario or profile file larger than MaxFileSize is refused without
// being read whole: a profile file naming /dev/zero does not exhaust
// memory.
func TestFileSizeBound(t *testing.T) {
	t.Parallel()
	big := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(big, []byte("# "+strings.Repeat("x", MaxFileSize)+"\nclients: 1\nduration: 1s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := loadPlan(big); !errors.Is(err, ErrInvalidScenario) || !strings.Contains(err.Error(), "larger than 1048576 bytes") {
		t.Errorf("loadPlan(%d bytes) = %v, want it refused for its size", MaxFileSize+30, err)
	}
	if _, err := parsePlan(make([]byte, MaxFileSize+1), ""); !errors.Is(err, ErrInvalidScenario) {
		t.Errorf("parsePlan(%d bytes) = %v, want it refused", MaxFileSize+1, err)
	}
	if _, err := ParseProfile(make([]byte, MaxFileSize+1)); !errors.Is(err, ErrInvalidProfile) {
		t.Errorf("ParseProfile(%d bytes) = %v, want it refused", MaxFileSize+1, err)
	}
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	start := time.Now()
	_, err := parsePlan([]byte(closedBase+"profile_files: [/dev/zero]"), "")
	if !errors.Is(err, ErrInvalidScenario) || !strings.Contains(err.Error(), "profile_files[0]") || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("profile_files: [/dev/zero]: %v, want it refused for its size", err)
	}
	t.Logf("refused /dev/zero in %v", time.Since(start))
}

// A value of the wrong type is named by its field too (yaml names only
// the line), and a file's text in the error is escaped.
func TestYAMLErrorsNameTheField(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ yaml, want string }{
		{"clients: 1e99\nduration: 1s", "clients: cannot unmarshal !!float `1e99` into int (line 1)"},
		{"clients: 1\nduration: [1s]", "duration: cannot unmarshal !!seq into time.Duration (line 2)"},
		{closedBase + "pacing: {timestep: 1s, chance_of_action: often}", "pacing.chance_of_action: cannot unmarshal !!str `often` into float64 (line 3)"},
		{"model: open\nstages:\n  - {duration: 1s, target: 1}\n  - {duration: soon, target: 1}", "stages[1].duration: cannot unmarshal !!str `soon` into time.Duration (line 4)"},
		{closedBase + "profiles: {looker: lots}", "profiles.looker: cannot unmarshal !!str `lots` into float64 (line 3)"},
		{closedBase + "clinets: 3", "clinets: field clinets not found in type dummyrunner.Scenario (line 3)"},
		{closedBase + "session: {actoins: 3}", "session.actoins: field actoins not found"},
		{"clients: \"\\e[2J\"\nduration: 1s", "clients: cannot unmarshal !!str `\\x1b[2J` into int (line 1)"},
	} {
		_, err := parsePlan([]byte(tt.yaml), "")
		if !errors.Is(err, ErrInvalidScenario) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: %v, want an error saying %q", tt.yaml, err, tt.want)
		}
		if err != nil && strings.ContainsRune(err.Error(), '\x1b') {
			t.Errorf("%q: the error has a raw escape character: %q", tt.yaml, err)
		}
	}
	_, err := ParseProfile([]byte("name: p\nactions:\n  - {action: looks, weight: heavy}"))
	if want := "actions[0].weight: cannot unmarshal !!str `heavy` into float64 (line 3)"; !errors.Is(err, ErrInvalidProfile) || !strings.Contains(err.Error(), want) {
		t.Errorf("profile: %v, want an error saying %q", err, want)
	}
}
