package compare

import (
	"maps"
	"slices"

	"github.com/portalsim/portalsim/reports"
)

// CheckDiff shows the response checks of one action in the two runs side
// by side. It is informational: no test of significance, no part in the
// verdict (an absolute threshold "checks(action) < 99%" gates the head).
type CheckDiff struct {
	// Action is the action's name, or "*" for all actions together.
	Action string `json:"action"`
	// BaseChecked and HeadChecked are the numbers of checked commands.
	BaseChecked int64 `json:"base_checked"`
	HeadChecked int64 `json:"head_checked"`
	// BasePassed and HeadPassed are the numbers that passed.
	BasePassed int64 `json:"base_passed"`
	HeadPassed int64 `json:"head_passed"`
}

// compareChecks returns the checks of the actions either run checked,
// sorted, then all of them together; none when neither run checked any
// command.
func compareChecks(base, head *reports.Report) []CheckDiff {
	names := map[string]bool{}
	for _, r := range []*reports.Report{base, head} {
		for name, a := range r.Actions {
			if a != nil && a.Checks.Total() > 0 {
				names[name] = true
			}
		}
	}
	if len(names) == 0 {
		return nil
	}
	get := func(r *reports.Report, name string) *reports.Checks {
		if a := r.Actions[name]; a != nil {
			return a.Checks
		}
		return nil
	}
	var out []CheckDiff
	var all CheckDiff
	all.Action = reports.AllActions
	for _, name := range slices.Sorted(maps.Keys(names)) {
		b, h := get(base, name), get(head, name)
		d := CheckDiff{Action: name, BaseChecked: b.Total(), HeadChecked: h.Total()}
		if b != nil {
			d.BasePassed = b.Passed
		}
		if h != nil {
			d.HeadPassed = h.Passed
		}
		all.BaseChecked += d.BaseChecked
		all.HeadChecked += d.HeadChecked
		all.BasePassed += d.BasePassed
		all.HeadPassed += d.HeadPassed
		out = append(out, d)
	}
	return append(out, all)
}
