package livemetrics

import (
	"testing"
	"time"

	"github.com/portalsim/portalsim/dummyrunner"
	"github.com/portalsim/portalsim/reports"
)

// at the end of a run every player has finished or been lost,
// so every clients{state} gauge is back at 0; and the echo probe's
// inbound lag is kept. Kills two mutants the existing tests let live:
// dropping moveLocked from KindDone (finished players stay "logged_in"
// forever) and dropping LagIn from Snapshot.Add.
func TestGaugesReturnToZero(t *testing.T) {
	t.Parallel()
	rec := NewRecorder()
	for _, r := range []dummyrunner.Result{
		{Kind: dummyrunner.KindState, Client: 1, State: dummyrunner.StateConnecting},
		{Kind: dummyrunner.KindState, Client: 1, State: dummyrunner.StateConnected, Phase: reports.PhaseConnect},
		{Kind: dummyrunner.KindState, Client: 1, State: dummyrunner.StateLoggedIn, Phase: reports.PhaseLoggedIn},
		{Kind: dummyrunner.KindLag, LagIn: time.Millisecond, LagOut: time.Millisecond, Latency: 2 * time.Millisecond},
		{Kind: dummyrunner.KindDone, Client: 1, State: dummyrunner.StateLoggedIn},
	} {
		rec.Result(r)
	}
	got := gather(t, NewCollector(info, rec))
	for _, st := range clientStates {
		if v := got[`portalsim_clients{state=`+st+`}`]; v != 0 {
			t.Errorf("clients{state=%s} = %v after every player finished, want 0", st, v)
		}
	}
	if v := got[`portalsim_clients_finished_total{}`]; v != 1 {
		t.Errorf("clients_finished_total = %v, want 1", v)
	}
	if v := got[`portalsim_lag_seconds_count{direction=in}`]; v != 1 {
		t.Errorf("lag_seconds_count{direction=in} = %v, want 1", v)
	}
}
