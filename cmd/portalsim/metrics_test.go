package main

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/testutil"
)

// The metrics endpoint's helpers, shared with scenarios/cli.
var (
	metricsAt   = testutil.MetricsAt
	scrape      = testutil.Scrape
	sampleValue = testutil.MetricSample
)

// awaitSample polls url until series has a value above 0, and returns
// the last body.
func awaitSample(t *testing.T, url, series string) string {
	t.Helper()
	var body string
	err := testutil.Await(time.Minute, 20*time.Millisecond, func() error {
		var err error
		if body, err = scrape(url); err != nil {
			return err
		}
		if v, ok := sampleValue(body, series); !ok || v == 0 {
			return errors.New("no sample of " + series + " yet")
		}
		return nil
	})
	if err != nil {
		t.Fatalf("%v; last scrape:\n%s", err, body)
	}
	return body
}

// The default run against the embedded game serves its live metrics on
// a free loopback port while it goes on: the per-action histogram fills,
// with the run's identity, the clients and the generator's health.
func TestRunServesMetricsWhileRunning(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out := &lineWriter{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"run", "-metrics", "127.0.0.1:0", "-quiet", "-o", ""}, out, out) }()
	url := out.await(t, metricsAt)[1]
	body := awaitSample(t, url, `portalsim_command_latency_seconds_count{action="looks"}`)
	for _, want := range []string{
		`portalsim_run_info{model="closed",protocol="telnet",run_id="`,
		`scenario="default",seed="`,
		`portalsim_commands_sent_total{action="looks"}`,
		`portalsim_command_ttfb_seconds_bucket{action="looks",le="0.0001"}`,
		`portalsim_clients{state="logged_in"}`,
		`portalsim_phase_reached_total{phase="logged_in"}`,
		"portalsim_generator_timer_lateness_seconds_count",
		"go_goroutines",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics has no %q", want)
		}
	}
	cancel() // the run has shown what it had to; stop it
	if code := exitCode(<-done, io.Discard); code != ExitInterrupted && code != ExitOK {
		t.Errorf("exit %d:\n%s", code, out.String())
	}
	if _, err := scrape(url); err == nil {
		t.Errorf("the metrics endpoint still answers after the run")
	}
}

// -metrics serves loopback only, unless -metrics-public says otherwise.
func TestRunMetricsLoopbackOnly(t *testing.T) {
	t.Parallel()
	code, out := runQuick(t, "run", "-quiet", "-o", "", "-metrics", "0.0.0.0:0")
	if code != ExitUsage || !strings.Contains(out, "-metrics-public") {
		t.Errorf("-metrics 0.0.0.0:0: exit %d, want %d naming -metrics-public:\n%s", code, ExitUsage, out)
	}
}
