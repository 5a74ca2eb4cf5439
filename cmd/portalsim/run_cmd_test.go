package main

import (
	"bytes"
	"cmp"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portalsim/portalsim/reports"
)

// writeFile writes body to name in a new temporary directory and returns its path.
func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// quickBound bounds a runQuick command: a hang, not a speed goal.
const quickBound = 2 * time.Minute

// runQuick runs "portalsim args..." and returns its exit code and output:
// a command that starts no player (a refusal, a report merged or
// compared). quickBound only catches a hang: it is no speed goal (a
// compare under -race on a loaded machine took more than 10 s).
func runQuick(t *testing.T, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out bytes.Buffer
	done := make(chan int, 1)
	go func() {
		err := run(ctx, args, &out, &out)
		done <- exitCode(err, &out)
	}()
	select {
	case code := <-done:
		return code, out.String()
	case <-time.After(quickBound):
		cancel()
		t.Fatalf("portalsim %s did not finish within %v: a hang", strings.Join(args, " "), quickBound)
		return 0, ""
	}
}

// Absurd numbers are refused before the run starts, with the field's
// name: an infinite arrival rate once grew the open model's schedule
// until the process ran out of memory, and two billion clients spawned
// players until it did.
func TestRunRefusesAbsurdNumbers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want []string
		code int // 0: ExitInvalidConfig
	}{
		{
			name: "infinite arrival rate",
			args: []string{writeFile(t, "inf.yaml", "name: inf\nmodel: open\nstages: [{duration: 10s, target: .inf}]\n")},
			want: []string{"stages[0].target: +Inf is not a finite number"},
		},
		{
			name: "a billion sessions a second for 1000 hours",
			args: []string{writeFile(t, "1e9.yaml", "name: big\nmodel: open\nstages: [{duration: 1000h, target: 1e9}]\n")},
			want: []string{"stages[0].target: 1000000000 is out of range"},
		},
		{
			name: "two billion clients in the file",
			args: []string{writeFile(t, "clients.yaml", "name: crowd\nclients: 2000000000\nduration: 10s\n")},
			want: []string{"clients: 2000000000 is out of range: want 1 to 1000000"},
		},
		{
			name: "two billion clients on the command line",
			args: []string{"-clients", "2000000000"},
			want: []string{"clients: 2000000000 is out of range"},
		},
		{
			name: "no child processes",
			args: []string{"-procs", "0"},
			want: []string{"run: -procs 0: want 1 to 256"},
			code: ExitUsage,
		},
		{
			name: "a fork bomb of child processes",
			args: []string{"-procs", "100000"},
			want: []string{"run: -procs 100000: want 1 to 256"},
			code: ExitUsage,
		},
		{
			name: "transports with a bad weight",
			args: []string{writeFile(t, "weights.yaml", "name: doors\nclients: 2\nduration: 1s\ntransports: {telnet: -1, websocket: 1}\n")},
			want: []string{"transports.telnet: -1 is out of range"},
		},
		{
			name: "a target without the websocket door",
			args: []string{writeFile(t, "doors.yaml", "name: doors\nclients: 2\nduration: 1s\ntransports: {telnet: 1, websocket: 1}\n"), "-target", "127.0.0.1:1"},
			want: []string{"websocket.url: missing"},
		},
		{
			name: "a websocket URL that is not one",
			args: []string{writeFile(t, "wsurl.yaml", "name: doors\nclients: 2\nduration: 1s\ntransports: {websocket: 1}\n"), "-websocket-url", "http://127.0.0.1:1/"},
			want: []string{`websocket.url: "http://127.0.0.1:1/": want ws://`},
		},
		{
			name: "negative login concurrency and a NaN chance",
			args: []string{writeFile(t, "pacing.yaml", "clients: 1\nduration: 1s\npacing: {login_concurrency: -3, chance_of_action: .nan}\ncommand_timeout: -1s\n")},
			want: []string{"pacing.login_concurrency: -3 is out of range", "pacing.chance_of_action: NaN is not a finite number", "command_timeout: -1s is out of range"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out := runQuick(t, append([]string{"run", "-quiet", "-o", ""}, tt.args...)...)
			want := cmp.Or(tt.code, ExitInvalidConfig)
			if code != want {
				t.Errorf("exit code %d, want %d", code, want)
			}
			for _, want := range tt.want {
				if !strings.Contains(out, want) {
					t.Errorf("output does not say %q:\n%s", want, out)
				}
			}
		})
	}
}

// A run in which no player logged in measured nothing: it fails (exit
// 97, the run is invalid) and its report says why, even with no
// threshold to fail. It used to exit 0.
func TestRunWhereNobodyLoggedInFails(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	scenario := filepath.Join(dir, "nobody.yaml")
	if err := os.WriteFile(scenario, []byte(`name: nobody
clients: 2
duration: 1s
login_success: "^this never matches$"
pacing: {timestep: 50ms, chance_of_action: 1, chance_of_login: 1}
logout_grace: 1s
`), 0o644); err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(dir, "report.json")
	var out bytes.Buffer
	err := run(t.Context(), []string{"run", scenario, "-quiet", "-o", report}, &out, &out)
	if code := exitCode(err, &out); code != ExitInvalidRun {
		t.Errorf("exit code %d, want %d (invalid run)", code, ExitInvalidRun)
	}
	// How far the players got depends on the machine's speed, and so does
	// whether a loaded machine made the timers late (another reason,
	// listed first); that nobody logged in does not.
	const why = "no player logged in: 2 started, "
	if line := lineWith(out.String(), "RUN INVALID: "); !strings.Contains(line, why) {
		t.Errorf("the summary does not say %q:\n%s", why, out.String())
	}
	rep, err := reports.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	said := slices.ContainsFunc(rep.Meta.InvalidReasons, func(r string) bool { return strings.HasPrefix(r, why) })
	if rep.Meta.Valid || !said {
		t.Errorf("report valid %v, reasons %q; want invalid, saying %q", rep.Meta.Valid, rep.Meta.InvalidReasons, why)
	}
}

// A threshold naming an action the scenario's profiles do not have is
// refused before the run starts, naming the threshold and the known
// actions; it used to fail only at the end, as an action without data.
func TestRunRefusesThresholdsOnUnknownActions(t *testing.T) {
	t.Parallel()
	scenario := writeFile(t, "lookz.yaml", `name: lookz
clients: 1
duration: 5m
profiles: {looker: 1}
thresholds: ["p99(*) < 1s", "p99(lookz) < 1s", "errors(diggs) == 0"]
`)
	code, out := runQuick(t, "run", scenario, "-quiet", "-o", "")
	if code != ExitInvalidConfig {
		t.Errorf("exit code %d, want %d (invalid config)", code, ExitInvalidConfig)
	}
	for _, want := range []string{
		`thresholds[1]: invalid threshold "p99(lookz) < 1s": unknown action "lookz" (known: *, login, logout, looks, measure_lag); did you mean "looks"?`,
		`thresholds[2]: invalid threshold "errors(diggs) == 0": unknown action "diggs"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output does not say %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "thresholds[0]") {
		t.Errorf("p99(*) refused:\n%s", out)
	}
	// -profile changes the actions the thresholds may name.
	code, out = runQuick(t, "run", "-quiet", "-o", "", "-profile", "idler", writeFile(t, "looks.yaml", "clients: 1\nduration: 5m\nthresholds: [\"p99(looks) < 1s\"]\n"))
	if code != ExitInvalidConfig || !strings.Contains(out, `unknown action "looks" (known: *, idles, login, logout, measure_lag)`) {
		t.Errorf("-profile idler with p99(looks): exit %d, want %d naming idler's actions:\n%s", code, ExitInvalidConfig, out)
	}
}

// A shard with no players is refused: a runner given no count runs every
// player, so shard 0 of 4 of 2 players ran both.
func TestShardRange(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		shard        string
		total        int
		first, count int
		ok           bool
	}{
		{"0/1", 10, 0, 10, true},
		{"1/3", 10, 3, 3, true},
		{"2/3", 10, 6, 4, true},
		{"3/4", 2, 1, 1, true},
		{"0/4", 2, 0, 0, false},
		{"2/4", 2, 0, 0, false},
		{"4/4", 10, 0, 0, false},
		{"-1/4", 10, 0, 0, false},
		{"x", 10, 0, 0, false},
	} {
		first, count, err := shardRange(tt.shard, tt.total)
		if (err == nil) != tt.ok || first != tt.first || count != tt.count {
			t.Errorf("shardRange(%q, %d) = %d, %d, %v; want %d, %d, ok %v", tt.shard, tt.total, first, count, err, tt.first, tt.count, tt.ok)
		}
	}
	code, out := runQuick(t, "run", "-quiet", "-o", "", "-clients", "2", "-shard", "0/4")
	if code != ExitUsage || !strings.Contains(out, "shard 0 of 4 has none of the 2 players") {
		t.Errorf("-shard 0/4 of 2 players: exit %d, want %d saying why:\n%s", code, ExitUsage, out)
	}
}

// lineWith returns the first line of text that starts with prefix, or "".
func lineWith(text, prefix string) string {
	for line := range strings.Lines(text) {
		if strings.HasPrefix(line, prefix) {
			return line
		}
	}
	return ""
}
