package dummyrunner

import (
	"strings"
	"testing"
	"time"

	"github.com/portalsim/portalsim/reports"
)

func TestRequireMeasurements(t *testing.T) {
	t.Parallel()
	// measured builds a valid report with the given logins and answers.
	measured := func(loggedIn, sent, answered int64) *reports.Report {
		r := reports.New(reports.Meta{Scenario: "s", Valid: true, Clients: 3})
		r.Clients.Started, r.Clients.LoggedIn = 3, loggedIn
		r.Clients.Lost[ReasonLoginFailed] = 3 - loggedIn
		r.Phase(reports.PhaseLoginScreen).Reached = 3
		if sent > 0 {
			a := r.Action("login")
			a.Sent, a.Answered = sent, answered
			a.Failed[ReasonTimeout] = sent - answered
			for range answered {
				a.Latency.Record(time.Millisecond)
			}
		}
		return r
	}
	tests := []struct {
		name    string
		rep     *reports.Report
		reasons []string
	}{
		{"logged in and answered", measured(3, 6, 6), nil},
		{"nobody logged in", measured(0, 6, 6), []string{"no player logged in: 3 started, 3 reached the login screen (lost: login_failed 3)"}},
		{"nothing answered", measured(0, 6, 0), []string{"no player logged in", "no command was answered: 6 sent"}},
		{"nothing sent", measured(0, 0, 0), []string{"no player logged in", "no command was answered: 0 sent"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			RequireMeasurements(tt.rep)
			got := tt.rep.Meta.InvalidReasons
			if tt.rep.Meta.Valid != (len(tt.reasons) == 0) || len(got) != len(tt.reasons) {
				t.Fatalf("valid %v, reasons %q; want reasons %q", tt.rep.Meta.Valid, got, tt.reasons)
			}
			for i, want := range tt.reasons {
				if !strings.HasPrefix(got[i], want) {
					t.Errorf("reason %d = %q, want %q", i, got[i], want)
				}
			}
		})
	}
}
