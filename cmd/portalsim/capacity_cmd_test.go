package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portalsim/portalsim/dummyrunner/capacity"
)

// The capacity search against the embedded game, with tiny numbers: a
// fast scenario (10 commands a second per player) and an SLO that breaks
// between 3 and 6 players by construction (throughput < 40/s), so the
// search holds at 3, breaks at 6 and confirms 3. It asserts the
// structure of the answer, never a speed.
func TestCapacityEndToEnd(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "capacity.json")
	var stdout bytes.Buffer
	err := run(t.Context(), []string{"capacity", filepath.Join("testdata", "capacity-fast.yaml"),
		"-start", "3", "-max", "12", "-resolution", "3", "-confirm", "1", "-trial-duration", "2s",
		"-slo", "throughput < 40/s", "-slo", "errors == 0", "-json", out}, &stdout, &stdout)
	if err != nil {
		t.Fatalf("capacity: %v\n%s", err, stdout.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep capacity.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("json: %v", err)
	}
	if rep.Verdict != capacity.VerdictHeld || rep.Capacity <= 0 || rep.Capacity >= 12 || rep.AtMax {
		t.Fatalf("got %s %v (at max %v), want a capacity held below the max 12\n%s", rep.Verdict, rep.Capacity, rep.AtMax, stdout.String())
	}
	if len(rep.Trials) < 3 {
		t.Fatalf("got %d trials, want a ramp, a broken level and a confirmation\n%s", len(rep.Trials), stdout.String())
	}
	var broke, confirmed bool
	for _, tr := range rep.Trials {
		if tr.Players != int64(tr.Level) || tr.LoggedIn != tr.Players || !tr.Healthy() {
			t.Errorf("trial %+v: want every player logged in and a healthy generator", tr)
		}
		broke = broke || !tr.Held
		confirmed = confirmed || tr.Phase == capacity.PhaseConfirm && tr.Held && tr.Level == rep.Capacity
	}
	if !broke || !confirmed {
		t.Errorf("got a curve without a broken trial (%v) or a held confirmation (%v)\n%s", broke, confirmed, stdout.String())
	}
	for _, want := range []string{"this game holds ", "players at throughput < 40/s, errors == 0", "phase", "confirm"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout.String())
		}
	}
}

// Bad flags and scenarios are refused before any trial runs, with the
// exit code that says why.
func TestCapacityRefusesBadConfig(t *testing.T) {
	t.Parallel()
	open := writeFile(t, "open.yaml", "name: open\nmodel: open\nstages:\n  - {duration: 5s, target: 2}\n")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown knob", []string{"-vary", "speed"}, ExitUsage, "unknown knob"},
		{"bad resolution", []string{"-resolution", "150%"}, ExitUsage, "-resolution"},
		{"max below start", []string{"-start", "50", "-max", "10"}, ExitUsage, "max 10"},
		{"fractional players", []string{"-start", "0.5"}, ExitUsage, "start 0.5"},
		{"short trial", []string{"-trial-duration", "10ms"}, ExitUsage, "-trial-duration"},
		{"bad slo", []string{"-slo", "p99(*) <"}, ExitInvalidConfig, "-slo"},
		{"slo on an unknown action", []string{"-slo", "p99(teleport) < 1s"}, ExitInvalidConfig, "teleport"},
		{"players of the open model", []string{open}, ExitInvalidConfig, "vary rate"},
		{"a rate too high for the players", []string{"-vary", "rate", "-max", "1e9"}, ExitInvalidConfig, "timestep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out := runQuick(t, append([]string{"capacity"}, tt.args...)...)
			if code != tt.code || !strings.Contains(out, tt.want) {
				t.Fatalf("got exit %d, want %d with %q:\n%s", code, tt.code, tt.want, out)
			}
		})
	}
}

// A -max of players beyond the file-descriptor budget of one process is
// capped up front, with a note that says so.
func TestCapacityCapsMaxByFileDescriptors(t *testing.T) {
	t.Parallel()
	limit := nofileLimit()
	if limit <= 0 {
		t.Skip("no file-descriptor limit")
	}
	var f capacityFlags
	fs := newFlagSet("capacity", capacityUsage, &bytes.Buffer{})
	f.register(fs)
	if err := fs.Parse([]string{"-max", "1000000"}); err != nil {
		t.Fatal(err)
	}
	s, err := newCapacitySearch(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := float64((limit - fdHeadroom) / 2) // embedded: two descriptors per player
	if s.cfg.Max != want || len(s.notes) != 1 || !strings.Contains(s.notes[0], "file-descriptor limit") {
		t.Fatalf("got max %v with notes %q, want %v and a note", s.cfg.Max, s.notes, want)
	}
	if p, _ := s.fdPlanAt(s.cfg.Max + 1); p.check() == nil {
		t.Fatalf("max %v + 1 players still fit the budget: the cap is too low", s.cfg.Max)
	}
}
