package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runStorm runs "portalsim bench storm" with args, its portal and game
// server in processes of their own (this test binary as portalsim), and
// returns its text output and its JSON report.
func runStorm(t *testing.T, args ...string) (string, stormReport) {
	t.Helper()
	t.Setenv(asMainEnv, "1") // the children run as portalsim
	jsonPath := filepath.Join(t.TempDir(), "storm.json")
	var out, errb bytes.Buffer
	if err := run(t.Context(), append([]string{"bench", "storm", "-json", jsonPath, "-sources", "3"}, args...), &out, &errb); err != nil {
		t.Fatalf("bench storm %v: %v\nstdout:\n%s\nstderr:\n%s", args, err, out.String(), errb.String())
	}
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var rep stormReport
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("the JSON report: %v\n%s", err, b)
	}
	return out.String(), rep
}

// Throttle off, a fixed count: every connection accepted, counted once,
// the portal's and server's CPU read, the text and the JSON agree.
func TestBenchStormThrottleOff(t *testing.T) {
	text, rep := runStorm(t, "-conns", "60", "-dialers", "4", "-duration", "30s", "-warmup", "0s")
	s := rep.Storm
	if s == nil || s.Attempted != 60 || s.Accepted != 60 || s.FailedTotal() != 0 || s.Probe {
		t.Fatalf("storm summary: %+v", s)
	}
	if !rep.Started || rep.Portal == nil || rep.Server == nil || rep.Setting != 0 || rep.CPUs < 1 {
		t.Fatalf("report: %+v", rep)
	}
	for _, want := range []string{"throttle off", "attempted 60, accepted 60", "accepted/s", "connect-to-banner p50", "CPU: portal"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
}

// A storm over before its warm-up measured no rate: it says so instead
// of printing 0/s.
func TestBenchStormWithinWarmup(t *testing.T) {
	text, rep := runStorm(t, "-conns", "20", "-dialers", "4", "-duration", "30s", "-warmup", "20s")
	if s := rep.Storm; s == nil || s.Accepted != 20 || s.Window != 0 {
		t.Fatalf("storm summary: %+v", s)
	}
	if !strings.Contains(text, "accepted/s: none measured: the window is empty") || strings.Contains(text, "accepted/s 0.0") {
		t.Errorf("output for an empty window:\n%s", text)
	}
}

// Throttle on: every connection probes; the release rate is reported
// against the setting (not judged: the test machine's timing is not).
func TestBenchStormThrottleOn(t *testing.T) {
	text, rep := runStorm(t, "-max-connection-rate", "40", "-dialers", "4", "-duration", "1500ms", "-warmup", "500ms")
	s := rep.Storm
	if s == nil || !s.Probe || s.Answered == 0 || s.Answered != s.Attempted || rep.Setting != 40 {
		t.Fatalf("storm summary: %+v", s)
	}
	if !strings.Contains(text, "release rate") || !strings.Contains(text, "against the setting 40/s") {
		t.Fatalf("output:\n%s", text)
	}
}

// -hold: every connection open at once answers; the portal's
// descriptors while holding them are at least as many.
func TestBenchStormHold(t *testing.T) {
	text, rep := runStorm(t, "-hold", "50", "-dialers", "8")
	h := rep.Hold
	if h == nil || h.Connected != 50 || h.Answered != 50 || h.Failed != nil {
		t.Fatalf("hold summary: %+v", h)
	}
	if rep.Portal == nil || rep.Portal.FDs < 50 || rep.Portal.RSS <= 0 {
		t.Fatalf("portal while holding: %+v", rep.Portal)
	}
	if !strings.Contains(text, "held 50 of 50 connected at once, 50 answered") {
		t.Fatalf("output:\n%s", text)
	}
}

func TestBenchStormFlagsChecked(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	err := run(t.Context(), []string{"bench", "storm", "-duration", "1s", "-warmup", "2s", "-sources", "0", "-max-connection-rate", "-1"}, &out, &errb)
	if err == nil || exitCode(err, &errb) != ExitUsage {
		t.Fatalf("err = %v, want a usage error", err)
	}
	for _, want := range []string{"-duration", "-sources", "-max-connection-rate"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}
