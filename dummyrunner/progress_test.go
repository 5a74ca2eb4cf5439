package dummyrunner

import (
	"strings"
	"testing"
	"time"

	"github.com/portalsim/portalsim/reports/render"
)

func TestProgressDurations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "-"},
		{420 * time.Microsecond, "420µs"},
		{1500 * time.Microsecond, "1.5ms"},
		{123456 * time.Microsecond, "123ms"},
		{1234 * time.Millisecond, "1.23s"},
		{90 * time.Second, "90s"},
	}
	for _, tt := range tests {
		if got := render.FormatDuration(tt.d); got != tt.want {
			t.Errorf("FormatDuration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestProgressLineAndAdd(t *testing.T) {
	t.Parallel()
	a := Progress{Elapsed: 12 * time.Second, Planned: 10, Connecting: 1, Connected: 2, LoginScreen: 1, LoggingIn: 1, LoggedIn: 4, Finished: 1, Lost: 0,
		ActionsPerSec: 12.5, P50: 2 * time.Millisecond, P99: 40 * time.Millisecond, Errors: 3}
	b := Progress{Elapsed: 11 * time.Second, Planned: 99, Connecting: 2, LoggedIn: 6, Lost: 2, ActionsPerSec: 7.5, P50: 5 * time.Millisecond, P99: 30 * time.Millisecond, Errors: 1}
	got := a.Add(b)
	want := Progress{Elapsed: 12 * time.Second, Planned: 10, Connecting: 3, Connected: 2, LoginScreen: 1, LoggingIn: 1, LoggedIn: 10, Finished: 1, Lost: 2,
		ActionsPerSec: 20, P50: 5 * time.Millisecond, P99: 40 * time.Millisecond, Errors: 4}
	if got != want {
		t.Errorf("Add =\n  %+v\nwant\n  %+v", got, want)
	}
	line := got.Line()
	for _, w := range []string{"12s", "connecting 3", "logged in 10/10", "lost 2", "20.0 actions/s", "p50 5ms", "p99 40ms", "errors 4"} {
		if !strings.Contains(line, w) {
			t.Errorf("Line() = %q, does not contain %q", line, w)
		}
	}
}

func TestFitWidth(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{{"abc", 5, "abc"}, {"abcdef", 3, "abc"}, {"p50 131µs p99", 8, "p50 131µ"}, {"abc", 0, ""}} {
		if got := fitWidth(tc.in, tc.n); got != tc.want {
			t.Errorf("fitWidth(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}
