package reports

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Action returns the action t is about: an action's name, "*" for all
// actions together, or "" for a metric of no action (a phase, the lag,
// lost_clients, throughput).
func (t Threshold) Action() string {
	switch t.metric {
	case metricAction, metricErrors, metricErrorRate, metricChecks:
		return t.target
	}
	return ""
}

// OnChecks reports whether t gates on the response checks: checks,
// checks(action).
func (t Threshold) OnChecks() bool { return t.metric == metricChecks }

// CheckAction returns an error wrapping ErrThreshold when t is about an
// action that is not in known ("*" always is), naming the threshold, the
// known actions and the nearest of them. A scenario checks its thresholds
// so before it runs: a misspelled action would otherwise fail only at
// the end, as an action without measurements.
func (t Threshold) CheckAction(known []string) error {
	if err := checkAction(t.Action(), known); err != nil {
		return fmt.Errorf("%w %q: %w", ErrThreshold, t.Expr, err)
	}
	return nil
}

// Action returns the action t is about: an action's name, "*" for all
// commands together, or "" for a metric of no action (throughput,
// error_rate, lost_clients, ...).
func (t CompareThreshold) Action() string {
	if !t.relative {
		return t.abs.Action()
	}
	if t.key.kind == diffLatency {
		return t.key.action
	}
	return ""
}

// CheckAction returns an error wrapping ErrCompareThreshold when t is
// about an action that is not in known ("*" always is), naming the
// threshold, the known actions and the nearest of them: the actions of
// the runs compared, checked before comparing them.
func (t CompareThreshold) CheckAction(known []string) error {
	if err := checkAction(t.Action(), known); err != nil {
		return fmt.Errorf("%w %q: %w", ErrCompareThreshold, t.Expr, err)
	}
	return nil
}

// checkAction returns an error when action is neither "", "*" nor one of
// known.
func checkAction(action string, known []string) error {
	if action == "" || action == allActions || slices.Contains(known, action) {
		return nil
	}
	names := slices.Compact(slices.Sorted(slices.Values(known)))
	shown := []string{allActions}
	for i, n := range names {
		if i == maxActionsShown {
			shown = append(shown, fmt.Sprintf("and %d more", len(names)-i))
			break
		}
		shown = append(shown, quoteOdd(n))
	}
	msg := fmt.Sprintf("unknown action %q (known: %s)", action, strings.Join(shown, ", "))
	if near := nearest(action, names); near != "" {
		msg += fmt.Sprintf("; did you mean %q?", near)
	}
	return errors.New(msg)
}

// maxActionsShown is how many known actions an error lists.
const maxActionsShown = 40

// quoteOdd quotes s when it has anything but letters, digits and
// punctuation: an action name from someone else's report must not reach
// a terminal raw.
func quoteOdd(s string) string {
	for _, c := range s {
		if !unicode.IsPrint(c) || c == ' ' || c == '"' || c == ',' {
			return strconv.Quote(s)
		}
	}
	return s
}

// nearest returns the name of names closest to s by edit distance, if it
// is at most 2 edits and not the whole of s away; "" otherwise.
func nearest(s string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if d := editDistance(s, n, bestD); d < bestD && d < len([]rune(s)) {
			best, bestD = n, d
		}
	}
	return best
}

// maxSuggestLen bounds the names nearest compares, in runes: the
// distance costs the product of the lengths.
const maxSuggestLen = 64

// editDistance returns the Levenshtein distance of a and b, or limit when
// it is limit or more (it stops early on long strings).
func editDistance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d >= limit || -d >= limit || len(ra) > maxSuggestLen || len(rb) > maxSuggestLen {
		return limit
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin >= limit {
			return limit
		}
		prev, cur = cur, prev
	}
	return min(prev[len(rb)], limit)
}
