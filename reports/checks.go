package reports

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
)

// ReasonCheck is the failure reason (a key of Action.Failed) of a command
// that was answered but whose answer failed a response check; the
// action's Checks says which check.
const ReasonCheck = "check"

// Checks counts the response checks of an action's commands, like k6's
// checks: each checked command passed them all, or failed the first one
// it did not pass. A failed check is also a failed command (Action.Failed
// under ReasonCheck), so Failed sums to Action.Failed[ReasonCheck].
type Checks struct {
	// Passed is how many checked commands passed every check.
	Passed int64 `json:"passed"`
	// Failed counts the checked commands that failed, by the check that
	// failed (its pattern, e.g. `fail: ^There is no` or
	// `tinymux: I don't see that here.`).
	Failed map[string]int64 `json:"failed,omitempty"`
}

// Total returns the number of checked commands.
func (c *Checks) Total() int64 {
	if c == nil {
		return 0
	}
	return c.Passed + sumCounts(c.Failed)
}

// FailedTotal returns the number of checked commands that failed, all
// reasons together.
func (c *Checks) FailedTotal() int64 {
	if c == nil {
		return 0
	}
	return sumCounts(c.Failed)
}

// PassRate returns the fraction of the checked commands that passed, and
// false when no command was checked.
func (c *Checks) PassRate() (float64, bool) {
	n := c.Total()
	if n == 0 {
		return 0, false
	}
	return float64(c.Passed) / float64(n), true
}

// TopFailures returns up to n failure reasons, the most frequent first
// (ties by name).
func (c *Checks) TopFailures(n int) []string {
	if c == nil {
		return nil
	}
	keys := slices.SortedFunc(maps.Keys(c.Failed), func(a, b string) int {
		if d := cmp.Compare(c.Failed[b], c.Failed[a]); d != 0 {
			return d
		}
		return cmp.Compare(a, b)
	})
	return keys[:min(n, len(keys))]
}

// merge adds o to c.
func (c *Checks) merge(o *Checks) {
	if o == nil {
		return
	}
	c.Passed += o.Passed
	if len(o.Failed) > 0 && c.Failed == nil {
		c.Failed = map[string]int64{}
	}
	addCounts(c.Failed, o.Failed)
}

// AddCheck counts one checked command of the action: passed, or failed
// for reason. It does not count the command itself (Answered or
// Failed[ReasonCheck]); the caller does.
func (a *Action) AddCheck(failed bool, reason string) {
	if a.Checks == nil {
		a.Checks = &Checks{}
	}
	if !failed {
		a.Checks.Passed++
		return
	}
	if a.Checks.Failed == nil {
		a.Checks.Failed = map[string]int64{}
	}
	a.Checks.Failed[reason]++
}

// mergeChecks adds o's checks to a's.
func (a *Action) mergeChecks(o *Checks) {
	if o == nil {
		return
	}
	if a.Checks == nil {
		a.Checks = &Checks{}
	}
	a.Checks.merge(o)
}

// validateChecks reports the problems of a's checks through bad: negative
// counts, more passed checks than answered commands, or failed checks
// that are not the action's failures for ReasonCheck.
func (a *Action) validateChecks(name string, bad func(format string, args ...any)) {
	c := a.Checks
	if c == nil {
		if n := a.Failed[ReasonCheck]; n != 0 {
			bad("action %q: %d commands failed a check but the action has no checks", name, n)
		}
		return
	}
	if c.Passed < 0 {
		bad("action %q: negative passed check count %d", name, c.Passed)
	}
	if reason, ok := negativeCount(c.Failed); ok {
		bad("action %q: check %q failed a negative number of times %d", name, reason, c.Failed[reason])
	}
	if c.Passed > a.Answered {
		bad("action %q: %d commands passed their checks but only %d were answered", name, c.Passed, a.Answered)
	}
	if f := c.FailedTotal(); f != a.Failed[ReasonCheck] {
		bad("action %q: %d failed checks but %d commands failed for %q", name, f, a.Failed[ReasonCheck], ReasonCheck)
	}
}

// topChecksShown is how many failure reasons a renderer shows per action.
const topChecksShown = 3

// checkedActions returns the names of the actions that checked a
// command, sorted.
func checkedActions(actions map[string]*Action) []string {
	var names []string
	for _, n := range slices.Sorted(maps.Keys(actions)) {
		if a := actions[n]; a != nil && a.Checks.Total() > 0 {
			names = append(names, n)
		}
	}
	return names
}

// topFailuresText renders the most frequent failure reasons of c with
// their counts, "reason 3; other 1" (each reason passed through esc),
// "-" for none.
func topFailuresText(c *Checks, esc func(string) string) string {
	top := c.TopFailures(topChecksShown)
	if len(top) == 0 {
		return "-"
	}
	parts := make([]string, len(top))
	for i, k := range top {
		parts[i] = fmt.Sprintf("%s ×%d", esc(k), c.Failed[k])
	}
	s := strings.Join(parts, "; ")
	if more := len(c.Failed) - len(top); more > 0 {
		s += fmt.Sprintf("; %d more", more)
	}
	return s
}

// writeChecksTable writes the response checks of the actions that have
// any: checked, passed, pass rate and the top failure reasons, then all
// actions together.
func writeChecksTable(w io.Writer, actions map[string]*Action, tot *Action) {
	names := checkedActions(actions)
	if len(names) == 0 {
		return
	}
	fmt.Fprintln(w, "\nresponse checks:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  action\tchecked\tpassed\tpass rate\tfailed checks")
	row := func(name string, c *Checks) {
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%s\t%s\n", safeText(name), c.Total(), c.Passed, passRateText(c.Passed, c.Total()), topFailuresText(c, safeText))
	}
	for _, n := range names {
		row(n, actions[n].Checks)
	}
	if len(names) > 1 {
		row("all", tot.Checks)
	}
	tw.Flush()
}
