package loadspec

import (
	"fmt"
	"strings"
	"time"

	"github.com/onsi/gomega/gcustom"
	"github.com/onsi/gomega/types"

	"github.com/portalsim/portalsim/reports"
)

// HaveP99Below succeeds if the action's p99 latency (all actions for
// "*") is below limit.
func HaveP99Below(action string, limit time.Duration) types.GomegaMatcher {
	return HaveQuantileBelow(action, 0.99, limit)
}

// HaveQuantileBelow succeeds if the action's q-quantile latency (q in
// [0, 1]; all actions for "*") is below limit.
func HaveQuantileBelow(action string, q float64, limit time.Duration) types.GomegaMatcher {
	return &quantileMatcher{action: action, q: q, limit: limit}
}

type quantileMatcher struct {
	action string
	q      float64
	limit  time.Duration
	got    time.Duration
}

func (m *quantileMatcher) Match(actual any) (bool, error) {
	r, ok := actual.(*reports.Report)
	if !ok {
		return false, fmt.Errorf("HaveQuantileBelow expects a *reports.Report, got %T", actual)
	}
	h, err := latency(r, m.action)
	if err != nil {
		return false, err
	}
	if h.Count() == 0 {
		return false, fmt.Errorf("action %q has no answered commands", m.action)
	}
	m.got = h.Quantile(m.q)
	return m.got < m.limit, nil
}

func (m *quantileMatcher) FailureMessage(any) string {
	return fmt.Sprintf("Expected p%g of %s below %s, got %s", 100*m.q, m.action, durationString(m.limit), durationString(m.got))
}

func (m *quantileMatcher) NegatedFailureMessage(any) string {
	return fmt.Sprintf("Expected p%g of %s not below %s, got %s", 100*m.q, m.action, durationString(m.limit), durationString(m.got))
}

// latency returns the action's latency histogram.
func latency(r *reports.Report, action string) (*reports.Histogram, error) {
	if r == nil {
		return nil, fmt.Errorf("no report")
	}
	if action == "*" {
		t := r.Totals()
		return t.Latency, nil
	}
	a := r.Actions[action]
	if a == nil {
		return nil, fmt.Errorf("the report has no action %q", action)
	}
	return a.Latency, nil
}

// HaveNoLostCommands succeeds if every command sent was answered: none
// failed, for any reason, and the accounting adds up.
func HaveNoLostCommands() types.GomegaMatcher {
	return gcustom.MakeMatcher(func(r *reports.Report) (bool, error) {
		var bad []string
		for name, a := range r.Actions {
			if !a.Accounted() || a.FailedTotal() > 0 {
				bad = append(bad, fmt.Sprintf("%s: sent %d, answered %d, failed %v", name, a.Sent, a.Answered, a.Failed))
			}
		}
		if len(bad) > 0 {
			return false, fmt.Errorf("commands lost: %s", strings.Join(bad, "; "))
		}
		return true, nil
	}, "Expected every command to be answered")
}

// HaveNoLostClients succeeds if no player was lost (all finished).
func HaveNoLostClients() types.GomegaMatcher {
	return gcustom.MakeMatcher(func(r *reports.Report) (bool, error) {
		if n := r.Clients.LostTotal(); n > 0 {
			return false, fmt.Errorf("%d players lost: %v", n, r.Clients.Lost)
		}
		return true, nil
	}, "Expected no player to be lost")
}

// BeValid succeeds if the run is valid: the generator was not its own bottleneck.
func BeValid() types.GomegaMatcher {
	return gcustom.MakeMatcher(func(r *reports.Report) (bool, error) {
		if !r.Meta.Valid {
			return false, fmt.Errorf("run invalid: %s", strings.Join(r.Meta.InvalidReasons, "; "))
		}
		return true, nil
	}, "Expected a valid run")
}

// PassThresholds succeeds if every threshold of the scenario held.
func PassThresholds() types.GomegaMatcher {
	return gcustom.MakeMatcher(func(r *reports.Report) (bool, error) {
		var failed []string
		for _, t := range r.Thresholds {
			if !t.Pass {
				failed = append(failed, fmt.Sprintf("%s (actual %s%s)", t.Expr, t.Actual, t.Err))
			}
		}
		if len(failed) > 0 {
			return false, fmt.Errorf("thresholds failed: %s", strings.Join(failed, "; "))
		}
		return true, nil
	}, "Expected every threshold to hold")
}

// PassThresholdsIgnoringSpeed succeeds if every threshold of the scenario
// could be evaluated and every one that does not depend on the machine's
// speed held (see reports.Threshold.DependsOnSpeed): errors, error rates
// and lost clients. Latency and throughput thresholds are still computed,
// so a misspelled one fails, but their verdict is left to the runs the
// scenario was written for. This is how a suite that runs on shared CI
// machines checks a scenario file's thresholds without a timed assertion.
func PassThresholdsIgnoringSpeed() types.GomegaMatcher {
	return gcustom.MakeMatcher(func(r *reports.Report) (bool, error) {
		var failed []string
		for _, t := range r.Thresholds {
			parsed, err := reports.ParseThreshold(t.Expr)
			switch {
			case err != nil:
				failed = append(failed, fmt.Sprintf("%s: %v", t.Expr, err))
			case t.Err != "":
				failed = append(failed, fmt.Sprintf("%s: %s", t.Expr, t.Err))
			case !t.Pass && !parsed.DependsOnSpeed():
				failed = append(failed, fmt.Sprintf("%s (actual %s)", t.Expr, t.Actual))
			}
		}
		if len(failed) > 0 {
			return false, fmt.Errorf("thresholds failed: %s", strings.Join(failed, "; "))
		}
		return true, nil
	}, "Expected every threshold to be evaluated and every one not about speed to hold")
}
