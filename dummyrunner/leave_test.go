package dummyrunner

import "testing"

// a player that leaves at the end of the run goes through
// logging_out (an Observer's clients{state="logging_out"} gauge, the
// README's "players ... logging_out now"); leave() sets p.state without
// emitting a KindState, so no result ever says so.
func TestLeavingPlayersReportLoggingOut(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		plan := mustPlan(t, `name: leave
clients: 2
duration: 2s
seed: 1
profiles: {looker: 1}
pacing: {timestep: 100ms, chance_of_action: 1, chance_of_login: 1, login_concurrency: 10}
`)
		out := runMem(t, plan, instant())
		done, leaving := 0, 0
		for _, r := range out.results {
			switch {
			case r.Kind == KindDone:
				done++
			case r.Kind == KindState && r.State == StateLoggingOut:
				leaving++
			}
		}
		if done == 0 || leaving != done {
			t.Errorf("%d players finished, %d results say logging_out; want one each", done, leaving)
		}
	})
}
