package main

import (
	"strconv"
	"strings"
	"testing"
)

func TestFDPlan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		plan fdPlan
		want string // a part of the error; "" for none
	}{
		{"embedded, fits", fdPlan{limit: 20000, players: 9900, procs: 1, embedded: true}, ""},
		{"embedded, one too many", fdPlan{limit: 20000, players: 9901, procs: 1, embedded: true}, "use -procs 2 or more"},
		{"embedded, 2 per connection", fdPlan{limit: 20000, players: 15000, procs: 1, embedded: true}, "15000 players need 30200 file descriptors in this process (2 per connection"},
		{"embedded with -procs, fits", fdPlan{limit: 20000, players: 19800, procs: 2, embedded: true}, ""},
		{"embedded with -procs, the portal's side does not fit", fdPlan{limit: 20000, players: 19801, procs: 4, embedded: true}, "run the portal in its own process"},
		{"embedded, more than -procs can help", fdPlan{limit: 20000, players: 25000, procs: 1, embedded: true}, "-target at it, with -procs 2 or more"},
		{"external, fits", fdPlan{limit: 20000, players: 19800, procs: 1}, ""},
		{"external, too many", fdPlan{limit: 20000, players: 50000, procs: 1}, "use -procs 3 or more"},
		{"external with -procs, fits", fdPlan{limit: 20000, players: 50000, procs: 3}, ""},
		{"external with -procs, a child too many", fdPlan{limit: 20000, players: 50000, procs: 2}, "25200 file descriptors in each"},
		{"no limit known", fdPlan{limit: 0, players: 1 << 30, procs: 1, embedded: true}, ""},
		{"with faults, fits", fdPlan{limit: 20000, players: 4900, procs: 1, embedded: true, faults: 9800}, ""},
		{"with faults, the proxy does not fit", fdPlan{limit: 20000, players: 5000, procs: 1, embedded: true, faults: 10000},
			"5000 players and the scenario's faults need 20200 file descriptors in this process (10000 of them for the fault proxy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.plan.check()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("check() = %v, want no error", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("check() = %v, want an error saying %q", err, tt.want)
			}
		})
	}
}

// More players than this process's file descriptors can hold are refused
// before the run starts, with the reason and the -procs hint, instead of
// failing their connects one by one.
func TestRunRefusesPlayersBeyondTheFDLimit(t *testing.T) {
	t.Parallel()
	limit := nofileLimit()
	// 2 descriptors per connection (embedded portal) do not fit; 1 would.
	players := (limit - fdHeadroom) * 3 / 4
	if limit == 0 || players < 1 || players > 1_000_000 {
		t.Skipf("RLIMIT_NOFILE %d: no player count within the scenario bounds exceeds it", limit)
	}
	code, out := runQuick(t, "run", "-quiet", "-o", "", "-clients", strconv.Itoa(players))
	if code != ExitInvalidConfig {
		t.Errorf("exit code %d, want %d (invalid config)", code, ExitInvalidConfig)
	}
	for _, want := range []string{"RLIMIT_NOFILE) is " + strconv.Itoa(limit), "2 per connection", "-procs 2"} {
		if !strings.Contains(out, want) {
			t.Errorf("output does not say %q:\n%s", want, out)
		}
	}
}
