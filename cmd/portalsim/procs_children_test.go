package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/testutil"
)

// -procs children run this test binary as portalsim itself.
func asMain(t *testing.T) { t.Setenv(asMainEnv, "1") }

// A login that fails is logged (player.lost, with what the server said)
// by the process that runs the player: with -procs, by its child, whose
// log goes to the parent's stderr. (The children once built their logger
// and dropped it.)
func TestProcsChildrenLogLostPlayers(t *testing.T) {
	asMain(t)
	sc := writeFile(t, "badlogin.yaml", `name: badlogin
clients: 2
duration: 2s
profiles: {looker: 1}
login:
  timeout: 1s
  steps:
    - {send: 'connect {name} {password}', expect: 'NEVER-MATCHES-XYZ'}
pacing: {timestep: 100ms, chance_of_action: 1, chance_of_login: 1, login_concurrency: 10}
`)
	for _, procs := range []string{"1", "2"} {
		out := &lineWriter{}
		_ = run(t.Context(), []string{"run", sc, "-quiet", "-o", "", "-procs", procs}, out, out)
		if !strings.Contains(out.String(), "player.lost") {
			t.Errorf("-procs %s: no player.lost log line:\n%s", procs, out.String())
		}
	}
}

// -procs 4 with 2 players starts 2 children, and the endpoint says 2
// processes (it once said 4).
func TestRunProcessesCountsChildren(t *testing.T) {
	asMain(t)
	sc := writeFile(t, "two.yaml", `name: two
clients: 2
duration: 5m
profiles: {looker: 1}
pacing: {timestep: 100ms, chance_of_action: 1, chance_of_login: 1, login_concurrency: 10}
`)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out := &lineWriter{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"run", sc, "-quiet", "-o", "", "-procs", "4", "-metrics", "127.0.0.1:0"}, out, out)
	}()
	url := out.await(t, metricsAt)[1]
	var body string
	err := testutil.Await(time.Minute, 20*time.Millisecond, func() error {
		var err error
		if body, err = scrape(url); err != nil {
			return err
		}
		if v, _ := sampleValue(body, "portalsim_clients_started_total"); v != 2 {
			return errors.New("not both players yet")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := sampleValue(body, "portalsim_run_processes"); v != 2 {
		t.Errorf("portalsim_run_processes = %v with 2 children (-procs 4, 2 players)", v)
	}
	cancel()
	<-done
}
