package bench

import (
	"bytes"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestRatios(t *testing.T) {
	t.Parallel()
	rows := []Row{
		{Target: "portal", P50: 2 * time.Millisecond, P90: 3 * time.Millisecond, P99: 8 * time.Millisecond, P999: 10 * time.Millisecond,
			Throughput: 150, HasCPU: true, CPUPerRoundTrip: 30 * time.Microsecond},
		{Target: "floor", P50: time.Millisecond, P90: 2 * time.Millisecond, P99: 4 * time.Millisecond, P999: 0,
			Throughput: 200, HasCPU: true, CPUPerRoundTrip: 10 * time.Microsecond},
		{Target: "127.0.0.1:4000", P50: 50 * time.Millisecond, Throughput: 100},
	}
	got := Ratios(rows, "floor")
	want := []Ratio{
		{Target: "portal", Against: "floor", P50: 2, P90: 1.5, P99: 2, P999: 0, Throughput: 0.75, CPUPerRoundTrip: 3},
		{Target: "127.0.0.1:4000", Against: "floor", P50: 50, Throughput: 0.5}, // no CPU figure: no CPU ratio
	}
	if len(got) != len(want) {
		t.Fatalf("got %d ratios, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		for _, f := range []struct {
			name string
			g, w float64
		}{{"p50", g.P50, w.P50}, {"p90", g.P90, w.P90}, {"p99", g.P99, w.P99}, {"p99.9", g.P999, w.P999},
			{"throughput", g.Throughput, w.Throughput}, {"cpu", g.CPUPerRoundTrip, w.CPUPerRoundTrip}} {
			if math.Abs(f.g-f.w) > 1e-9 {
				t.Errorf("%s/%s %s = %v, want %v", g.Target, g.Against, f.name, f.g, f.w)
			}
		}
		if g.Target != w.Target || g.Against != w.Against {
			t.Errorf("ratio %d is %s/%s, want %s/%s", i, g.Target, g.Against, w.Target, w.Against)
		}
	}
	if r := Ratios(rows[:1], "floor"); r != nil {
		t.Errorf("ratios without a floor row: %+v, want none", r)
	}
}

func TestRowLost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		row  Row
		want bool
	}{
		{"all in, nothing lost", Row{Players: 3, LoggedIn: 3}, false},
		{"a lost player", Row{Players: 3, LoggedIn: 3, LostPlayers: 1}, true},
		{"a failed probe", Row{Players: 3, LoggedIn: 3, FailedCommands: 1}, true},
		{"not all logged in", Row{Players: 3, LoggedIn: 2}, true},
	}
	for _, tt := range tests {
		if got := tt.row.Lost(); got != tt.want {
			t.Errorf("%s: Lost() = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// The table and the JSON of a fixed result, against golden files
// (go test ./internal/bench -update rewrites them).
func TestResultOutput(t *testing.T) {
	t.Parallel()
	res := &Result{Players: 200, Rate: 1, Duration: 30 * time.Second, Seed: 1, Start: time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC), Machine: "linux/amd64, 2 CPUs",
		Rows: []Row{
			{Target: "floor", Processes: []namedPID{{"relay", 10}, {"echo", 11}}, Window: 29 * time.Second, RoundTrips: 5800, Throughput: 200,
				P50: 130 * time.Microsecond, P90: 200 * time.Microsecond, P99: 280 * time.Microsecond, P999: 900 * time.Microsecond,
				LoggedIn: 200, Players: 200, CPU: 420 * time.Millisecond, CPUPerRoundTrip: 72 * time.Microsecond, HasCPU: true, Valid: true},
			{Target: "portal", Processes: []namedPID{{"portal", 20}, {"server", 21}}, Window: 28 * time.Second, RoundTrips: 5600, Throughput: 200,
				P50: 260 * time.Microsecond, P90: 400 * time.Microsecond, P99: 580 * time.Microsecond, P999: 2 * time.Millisecond,
				LoggedIn: 200, Players: 200, CPU: 1320 * time.Millisecond, CPUPerRoundTrip: 235 * time.Microsecond, HasCPU: true, Valid: true},
			{Target: "evennia", Window: 20 * time.Second, RoundTrips: 3000, Throughput: 150,
				P50: 31600 * time.Microsecond, P90: 50 * time.Millisecond, P99: 76 * time.Millisecond, P999: 120 * time.Millisecond,
				LoggedIn: 199, Players: 200, LostPlayers: 1, FailedCommands: 3, Valid: false, InvalidReasons: []string{"generator CPU saturated"}},
		}}
	res.Ratios = Ratios(res.Rows, TargetFloor)
	for _, f := range []struct {
		file  string
		write func(*bytes.Buffer) error
	}{
		{"table.golden", func(b *bytes.Buffer) error { return res.WriteTable(b) }},
		{"result.json.golden", func(b *bytes.Buffer) error { return res.WriteJSON(b) }},
	} {
		var b bytes.Buffer
		if err := f.write(&b); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", f.file)
		if *update {
			if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test ./internal/bench -update writes it)", err)
		}
		if !bytes.Equal(b.Bytes(), want) {
			t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", f.file, b.String(), want)
		}
	}
}
