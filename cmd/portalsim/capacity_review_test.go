package main

import (
	"bytes"
	"strings"
	"testing"
)

// newCapacityFromArgs parses capacity flags and sets up the search the
// way runCapacity does, without running a trial.
func newCapacityFromArgs(t *testing.T, args ...string) error {
	t.Helper()
	var f capacityFlags
	fs := newFlagSet("capacity", capacityUsage, &bytes.Buffer{})
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	_, err := newCapacitySearch(f, nil)
	return err
}

// A steady window of one second holds no whole second between the
// logins and the logouts, so the trial could only be judged on them:
// -trial-duration under 2s is a usage error, found before any trial.
func TestCapacityRefusesATrialDurationWithoutASteadySecond(t *testing.T) {
	t.Parallel()
	err := newCapacityFromArgs(t, "-trial-duration", "1s")
	if code := exitCode(err, &bytes.Buffer{}); code != ExitUsage || !strings.Contains(err.Error(), "-trial-duration") {
		t.Fatalf("-trial-duration 1s: got exit %d (%v), want a usage error naming -trial-duration", code, err)
	}
}

// -vary rate with a -start too low for the scenario's players (a
// timestep beyond its bound) is an invalid configuration found before
// anything ran (104), as a -max too high is, not a failure of the first
// trial (1).
func TestCapacityRefusesARateStartOutOfBounds(t *testing.T) {
	t.Parallel()
	err := newCapacityFromArgs(t, "-vary", "rate", "-start", "0.001", "-max", "10")
	if code := exitCode(err, &bytes.Buffer{}); code != ExitInvalidConfig || !strings.Contains(err.Error(), "-start") {
		t.Fatalf("-vary rate -start 0.001: got exit %d (%v), want %d naming -start", code, err, ExitInvalidConfig)
	}
}
