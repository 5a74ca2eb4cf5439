package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/portalsim/portalsim/internal/bench"
)

// "portalsim bench" at a tiny scale measures the floor and the portal
// (each as its own processes: this test binary run as portalsim) and
// prints both rows and the ratio; nothing is lost. Structure only: no
// figure is judged.
func TestBenchCompareFloorAndPortal(t *testing.T) {
	asMain(t)
	t.Setenv("GORACE", "atexit_sleep_ms=0") // the targets' processes end at once
	dir := t.TempDir()
	jsonPath := filepath.Join(dir, "bench.json")
	out := &lineWriter{}
	err := run(t.Context(), []string{"bench", "-players", "3", "-rate", "5", "-duration", "3s", "-targets", "floor,portal",
		"-json", jsonPath}, out, out) // no -reports: writing a report takes seconds under -race
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out.String())
	}
	text := out.String()
	for _, want := range []*regexp.Regexp{regexp.MustCompile(`(?m)^ +floor +\d`), regexp.MustCompile(`(?m)^ +portal +\d`), regexp.MustCompile(`(?m)^ +portal/floor +\d`)} {
		if !want.MatchString(text) {
			t.Errorf("no /%s/ in the output:\n%s", want, text)
		}
	}
	if strings.Contains(text, "LOST") {
		t.Errorf("a target lost something:\n%s", text)
	}
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var res bench.Result
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 2 || len(res.Ratios) != 1 {
		t.Fatalf("%d rows and %d ratios, want 2 and 1:\n%s", len(res.Rows), len(res.Ratios), b)
	}
	for _, r := range res.Rows {
		if r.Lost() || r.LoggedIn != 3 || r.RoundTrips == 0 || len(r.Processes) != 2 || !r.HasCPU {
			t.Errorf("row %s: %d of 3 logged in, %d lost, %d failed, %d round trips, %d processes, CPU read %v",
				r.Target, r.LoggedIn, r.LostPlayers, r.FailedCommands, r.RoundTrips, len(r.Processes), r.HasCPU)
		}
	}
}

// "portalsim bench -transports websocket" at a tiny scale measures the
// floor and the portal over their websocket doors: both rows and the
// ratio say websocket, nothing is lost. Structure only.
func TestBenchCompareOverWebsocket(t *testing.T) {
	asMain(t)
	t.Setenv("GORACE", "atexit_sleep_ms=0")
	jsonPath := filepath.Join(t.TempDir(), "bench.json")
	out := &lineWriter{}
	err := run(t.Context(), []string{"bench", "-players", "3", "-rate", "5", "-duration", "3s", "-targets", "floor,portal",
		"-transports", "websocket", "-json", jsonPath}, out, out)
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out.String())
	}
	text := out.String()
	for _, want := range []*regexp.Regexp{regexp.MustCompile(`(?m)^ +floor +websocket +\d`), regexp.MustCompile(`(?m)^ +portal +websocket +\d`),
		regexp.MustCompile(`(?m)^ +portal/floor +websocket +\d`)} {
		if !want.MatchString(text) {
			t.Errorf("no /%s/ in the output:\n%s", want, text)
		}
	}
	if strings.Contains(text, "LOST") || strings.Contains(text, "SKIPPED") {
		t.Errorf("a target lost something or was skipped:\n%s", text)
	}
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var res bench.Result
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 2 || len(res.Ratios) != 1 || res.Ratios[0].Transport != bench.TransportWebsocket {
		t.Fatalf("%d rows and %d ratios, want 2 and 1 over websocket:\n%s", len(res.Rows), len(res.Ratios), b)
	}
	for _, r := range res.Rows {
		if r.Transport != bench.TransportWebsocket || r.Lost() || r.LoggedIn != 3 || r.RoundTrips == 0 {
			t.Errorf("row %s over %q: %d of 3 logged in, %d lost, %d failed, %d round trips",
				r.Target, r.Transport, r.LoggedIn, r.LostPlayers, r.FailedCommands, r.RoundTrips)
		}
	}
}

func TestBenchCompareRefusesBadFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"bench", "-targets", "nonsense"},
		{"bench", "-players", "0"},
		{"bench", "-rate", "-1"},
		{"bench", "-duration", "1s"},
		{"bench", "-targets", "127.0.0.1:1", "-target-login", "nope"},
		{"bench", "-transports", "ssh"},
		{"bench", "-transports", "telnet,telnet"},
		{"bench", "-targets", "127.0.0.1:1", "-transports", "websocket", "-target-websocket", "http://127.0.0.1:2/"},
	} {
		out := &lineWriter{}
		err := run(t.Context(), args, out, out)
		if code := exitCode(err, out); code != ExitInvalidConfig {
			t.Errorf("%v: exit %d, want %d; output:\n%s", args, code, ExitInvalidConfig, out.String())
		}
	}
}

// "bench -h" lists the measurements and the comparison's flags.
func TestBenchHelpListsEverything(t *testing.T) {
	t.Parallel()
	out := &lineWriter{}
	if err := run(t.Context(), []string{"bench", "-h"}, out, out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"floor", "-targets", "-players", "-profile", "evennia-nodelay", "-transports", "-target-websocket", "mixed"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("bench -h does not mention %q:\n%s", want, out.String())
		}
	}
}
