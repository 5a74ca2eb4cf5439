package reports

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Threshold is an absolute pass/fail gate on a report, parsed from an
// expression "<metric> <op> <value>" by ParseThreshold, where op is one
// of < <= > >= == != and metric one of:
//
//	pNN(action), pNN.N(action)  a percentile (p99, p99.9) of Action.Latency
//	mean(action), min(action), max(action)
//	phase_pNN(phase)            the same statistics of a Phase.Latency
//	                            (also phase_mean, phase_min, phase_max)
//	lag_pNN(in|out|total)       the same statistics of a Lag histogram
//	                            (also lag_mean, lag_min, lag_max)
//	errors, errors(action)      the number of failed commands
//	error_rate, error_rate(action)
//	                            failed / sent commands
//	lost_clients                the number of lost clients
//	throughput                  answered commands per second of the run
//	checks, checks(action)      the pass rate of the checked commands
//	                            (see [Checks])
//
// The action "*" stands for all actions together (also the default of
// errors, error_rate and checks). Inside the parentheses of an action statistic,
// the prefix "ttfb:" or "corrected:" selects Action.TTFB or
// Action.Corrected instead of Action.Latency: "p99(corrected:look)".
//
// The value of a latency statistic is a Go duration ("200ms", "1.5s"), of
// errors and lost_clients an integer, of error_rate and checks a fraction
// ("0.01") or a percentage ("1%", "checks(looks) > 99%"), of throughput a number optionally followed by
// "/s".
type Threshold struct {
	// Expr is the expression the threshold was parsed from.
	Expr string

	metric metricKind
	stat   statKind
	q      float64 // the quantile of statQuantile, in [0, 1]
	hist   string  // for metricAction: histLatency, histTTFB or histCorrected
	target string  // action ("*" for all), phase or lag part
	op     string
	value  float64 // durations in nanoseconds
}

type metricKind int

const (
	metricNone metricKind = iota
	metricAction
	metricPhase
	metricLag
	metricErrors
	metricErrorRate
	metricLostClients
	metricThroughput
	metricChecks
)

type statKind int

const (
	statQuantile statKind = iota
	statMean
	statMin
	statMax
)

const (
	histLatency   = "latency"
	histTTFB      = "ttfb"
	histCorrected = "corrected"
	allActions    = "*"
)

// lagParts are the arguments of the lag metrics.
var lagParts = []string{"in", "out", "total"}

// thresholdOps are the comparison operators, two-character ones first.
var thresholdOps = []string{"<=", ">=", "==", "!=", "<", ">"}

// String returns the expression of t.
func (t Threshold) String() string { return t.Expr }

// ParseThreshold parses one threshold expression (see Threshold). Its
// errors wrap ErrThreshold and name the part that is wrong.
func ParseThreshold(s string) (Threshold, error) {
	expr := strings.TrimSpace(s)
	t, err := parseThreshold(expr)
	if err != nil {
		return Threshold{}, fmt.Errorf("%w %q: %w", ErrThreshold, expr, err)
	}
	return t, nil
}

// DependsOnSpeed reports whether the threshold gates on how fast the
// machine ran: a latency, phase or lag statistic, or throughput. Errors,
// error rates and lost clients do not. A project's own test suite gates
// only on the latter (its speed goals live in benchmarks); a user's run
// against a known machine gates on both.
func (t Threshold) DependsOnSpeed() bool {
	switch t.metric {
	case metricAction, metricPhase, metricLag, metricThroughput:
		return true
	}
	return false
}

// ParseThresholds parses each of ss (see ParseThreshold). It returns the
// errors of all bad expressions joined, and then no thresholds.
func ParseThresholds(ss []string) ([]Threshold, error) {
	return parseEach(ss, ParseThreshold)
}

// parseEach parses each of ss with parse. It returns the errors of all
// bad expressions joined, and then no results.
func parseEach[T any](ss []string, parse func(string) (T, error)) ([]T, error) {
	out := make([]T, 0, len(ss))
	var errs []error
	for _, s := range ss {
		t, err := parse(s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, t)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

func parseThreshold(expr string) (Threshold, error) {
	t := Threshold{Expr: expr}
	if expr == "" {
		return t, errors.New("empty expression")
	}
	metric, op, value, err := splitThreshold(expr)
	if err != nil {
		return t, err
	}
	t.op = op
	if err := t.parseMetric(metric); err != nil {
		return t, err
	}
	if t.value, err = parseValue(t.metric, value); err != nil {
		return t, err
	}
	return t, nil
}

// splitThreshold splits expr at its operator, the first of <, >, = or !
// outside parentheses.
func splitThreshold(expr string) (metric, op, value string, err error) {
	depth := 0
	at := -1
	for i, c := range expr {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
		case '<', '>', '=', '!':
			if depth == 0 && at < 0 {
				at = i
			}
		}
	}
	if depth != 0 {
		return "", "", "", errors.New("unbalanced parentheses")
	}
	if at < 0 {
		return "", "", "", fmt.Errorf("missing operator (one of %s)", strings.Join(thresholdOps, " "))
	}
	metric = strings.TrimSpace(expr[:at])
	rest := expr[at:]
	for _, o := range thresholdOps {
		if strings.HasPrefix(rest, o) {
			op = o
			break
		}
	}
	value = strings.TrimSpace(rest[len(op):])
	if op == "" || strings.ContainsAny(value[:min(len(value), 1)], "<>=!") {
		bad := rest[:len(rest)-len(strings.TrimLeft(rest, "<>=!"))]
		return "", "", "", fmt.Errorf("unknown operator %q (want one of %s)", bad, strings.Join(thresholdOps, " "))
	}
	if metric == "" {
		return "", "", "", errors.New("missing metric before the operator")
	}
	if value == "" {
		return "", "", "", fmt.Errorf("missing value after %q", op)
	}
	return metric, op, value, nil
}

// parseMetric sets the metric of t from its text, e.g. "p99(ttfb:look)".
func (t *Threshold) parseMetric(m string) error {
	name, arg, hasArg := m, "", false
	if i := strings.IndexByte(m, '('); i >= 0 {
		if !strings.HasSuffix(m, ")") {
			return fmt.Errorf("metric %q: missing \")\" at the end", m)
		}
		name, arg, hasArg = strings.TrimSpace(m[:i]), strings.TrimSpace(m[i+1:len(m)-1]), true
		if strings.ContainsAny(arg, "()") {
			return fmt.Errorf("metric %q: nested parentheses", m)
		}
	} else if strings.ContainsAny(m, ") \t") {
		return fmt.Errorf("unknown metric %q", m)
	}
	switch name {
	case "errors", "error_rate", "checks":
		t.metric = map[string]metricKind{"errors": metricErrors, "error_rate": metricErrorRate, "checks": metricChecks}[name]
		t.target = allActions
		if hasArg {
			if arg == "" {
				return fmt.Errorf("metric %q: empty action", m)
			}
			t.target = arg
		}
		return nil
	case "lost_clients", "throughput":
		t.metric = metricLostClients
		if name == "throughput" {
			t.metric = metricThroughput
		}
		if hasArg {
			return fmt.Errorf("metric %q takes no argument", name)
		}
		return nil
	}

	statName := name
	t.metric = metricAction
	if s, ok := strings.CutPrefix(name, "phase_"); ok {
		t.metric, statName = metricPhase, s
	} else if s, ok := strings.CutPrefix(name, "lag_"); ok {
		t.metric, statName = metricLag, s
	}
	var ok bool
	if t.stat, t.q, ok = parseStat(statName); !ok {
		return fmt.Errorf("unknown metric %q (want pNN, mean, min, max, phase_pNN, lag_pNN, errors, error_rate, checks, lost_clients or throughput)", name)
	}
	if !hasArg || arg == "" {
		return fmt.Errorf("metric %q needs an argument in parentheses, e.g. %s", name, example(t.metric, name))
	}
	switch t.metric {
	case metricPhase:
		if !slices.Contains(PhaseNames, arg) {
			return fmt.Errorf("metric %q: unknown phase %q (want one of %s)", m, arg, strings.Join(PhaseNames, ", "))
		}
	case metricLag:
		if !slices.Contains(lagParts, arg) {
			return fmt.Errorf("metric %q: unknown lag part %q (want one of %s)", m, arg, strings.Join(lagParts, ", "))
		}
	default:
		t.hist = histLatency
		if sel, action, ok := strings.Cut(arg, ":"); ok {
			sel, action = strings.TrimSpace(sel), strings.TrimSpace(action)
			switch sel {
			case histTTFB, histCorrected, histLatency:
				t.hist = sel
			default:
				return fmt.Errorf("metric %q: unknown histogram %q (want ttfb: or corrected:)", m, sel)
			}
			if action == "" {
				return fmt.Errorf("metric %q: empty action", m)
			}
			arg = action
		}
	}
	t.target = arg
	return nil
}

// example returns an example use of the metric called name.
func example(kind metricKind, name string) string {
	switch kind {
	case metricPhase:
		return name + "(" + PhaseLoggedIn + ")"
	case metricLag:
		return name + "(total)"
	}
	return name + "(look) or " + name + "(*)"
}

// parseStat parses "mean", "min", "max" or a percentile "pNN" / "pNN.N".
func parseStat(s string) (stat statKind, q float64, ok bool) {
	switch s {
	case "mean":
		return statMean, 0, true
	case "min":
		return statMin, 0, true
	case "max":
		return statMax, 0, true
	}
	num, found := strings.CutPrefix(s, "p")
	if !found || num == "" || strings.Trim(num, "0123456789.") != "" || strings.Count(num, ".") > 1 ||
		strings.HasPrefix(num, ".") || strings.HasSuffix(num, ".") {
		return 0, 0, false
	}
	p, err := strconv.ParseFloat(num, 64)
	if err != nil || p > 100 {
		return 0, 0, false
	}
	return statQuantile, p / 100, true
}

// parseValue parses the value of a threshold on a metric of the kind.
func parseValue(kind metricKind, v string) (float64, error) {
	switch kind {
	case metricErrors, metricLostClients:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("value %q: want a count (a non-negative integer)", v)
		}
		return float64(n), nil
	case metricErrorRate, metricChecks:
		num, pct := strings.CutSuffix(v, "%")
		f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
		if pct {
			f /= 100
		}
		if err != nil || math.IsNaN(f) || f < 0 || f > 1 {
			return 0, fmt.Errorf("value %q: want a rate from 0 to 1 or 0%% to 100%%", v)
		}
		return f, nil
	case metricThroughput:
		num, _ := strings.CutSuffix(v, "/s")
		f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
			return 0, fmt.Errorf("value %q: want a rate per second, e.g. 100 or 100/s", v)
		}
		return f, nil
	default:
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return 0, fmt.Errorf("value %q: want a duration of 0 or more, e.g. 200ms or 1.5s", v)
		}
		return float64(d), nil
	}
}

// ThresholdResult is the outcome of one threshold.
type ThresholdResult struct {
	// Expr is the threshold's expression.
	Expr string `json:"expr"`
	// Actual is the measured value of the metric, formatted like the
	// threshold's value.
	Actual string `json:"actual"`
	// Pass reports whether the threshold holds.
	Pass bool `json:"pass"`
	// Err says why the threshold could not be evaluated (an unknown
	// action, no samples, ...); such a threshold does not pass.
	Err string `json:"err,omitempty"`
}

// Check evaluates the thresholds against r, stores the results in
// r.Thresholds and returns them. A threshold that cannot be evaluated
// fails with Err set: an unknown action, a metric without samples (a
// percentile of an empty histogram, the error rate of no commands, the
// throughput of a run without a duration). A Threshold with only Expr set
// is parsed first.
func (r *Report) Check(ts []Threshold) []ThresholdResult {
	results := make([]ThresholdResult, 0, len(ts))
	for _, t := range ts {
		results = append(results, r.check(t))
	}
	r.Thresholds = results
	return results
}

// Passed reports whether every threshold of the last Check passed; it is
// true when there are none.
func (r *Report) Passed() bool {
	for _, res := range r.Thresholds {
		if !res.Pass {
			return false
		}
	}
	return true
}

func (r *Report) check(t Threshold) ThresholdResult {
	if t.metric == metricNone {
		p, err := ParseThreshold(t.Expr)
		if err != nil {
			return ThresholdResult{Expr: t.Expr, Err: err.Error()}
		}
		t = p
	}
	actual, text, err := r.measure(t)
	if err != nil {
		return ThresholdResult{Expr: t.Expr, Actual: text, Err: err.Error()}
	}
	return ThresholdResult{Expr: t.Expr, Actual: text, Pass: compare(actual, t.op, t.value)}
}

// measure returns the value of t's metric in r, and its text.
func (r *Report) measure(t Threshold) (float64, string, error) {
	switch t.metric {
	case metricAction, metricPhase, metricLag:
		h, err := r.histogram(t)
		if err != nil {
			return 0, "", err
		}
		if h.Count() == 0 {
			return 0, "", errors.New("no samples")
		}
		var d time.Duration
		switch t.stat {
		case statMean:
			d = h.Mean()
		case statMin:
			d = h.Min()
		case statMax:
			d = h.Max()
		default:
			d = h.Quantile(t.q)
		}
		return float64(d), formatDuration(d), nil
	case metricErrors, metricErrorRate:
		a, err := r.actionTotals(t.target)
		if err != nil {
			return 0, "", err
		}
		failed := a.FailedTotal()
		if t.metric == metricErrors {
			return float64(failed), strconv.FormatInt(failed, 10), nil
		}
		if a.Sent == 0 {
			return 0, "", errors.New("no commands sent")
		}
		rate := float64(failed) / float64(a.Sent)
		return rate, strconv.FormatFloat(rate*100, 'g', 4, 64) + "%", nil
	case metricChecks:
		a, err := r.actionTotals(t.target)
		if err != nil {
			return 0, "", err
		}
		rate, ok := a.Checks.PassRate()
		if !ok {
			return 0, "", errors.New(noChecksText)
		}
		return rate, strconv.FormatFloat(rate*100, 'g', 4, 64) + "%", nil
	case metricLostClients:
		n := r.Clients.LostTotal()
		return float64(n), strconv.FormatInt(n, 10), nil
	case metricThroughput:
		if r.Meta.Duration <= 0 {
			return 0, "", errors.New("the run has no duration")
		}
		var answered int64
		for _, a := range r.Actions {
			if a != nil {
				answered += a.Answered
			}
		}
		tp := float64(answered) / r.Meta.Duration.Seconds()
		return tp, strconv.FormatFloat(tp, 'f', 2, 64) + "/s", nil
	}
	return 0, "", fmt.Errorf("unknown metric kind %d", t.metric)
}

// noChecksText is the error of a checks threshold on commands none of
// which was checked.
const noChecksText = "no checked command (login and logout are never checked; builtin: [none] with no fail or require patterns checks nothing)"

// histogram returns the histogram a latency threshold is about.
func (r *Report) histogram(t Threshold) (*Histogram, error) {
	switch t.metric {
	case metricPhase:
		p := r.Phases[t.target]
		if p == nil {
			return nil, fmt.Errorf("unknown phase %q", t.target)
		}
		return p.Latency, nil
	case metricLag:
		switch t.target {
		case "in":
			return r.Lag.In, nil
		case "out":
			return r.Lag.Out, nil
		default:
			return r.Lag.Total, nil
		}
	}
	a, err := r.actionTotals(t.target)
	if err != nil {
		return nil, err
	}
	switch t.hist {
	case histTTFB:
		return a.TTFB, nil
	case histCorrected:
		return a.Corrected, nil
	default:
		return a.Latency, nil
	}
}

// actionTotals returns the action called name, or the totals of all
// actions for "*".
func (r *Report) actionTotals(name string) (*Action, error) {
	if name == allActions {
		t := r.Totals()
		return &t, nil
	}
	a := r.Actions[name]
	if a == nil {
		return nil, fmt.Errorf("unknown action %q", name)
	}
	return a, nil
}

// compare reports whether "actual op value" holds.
func compare(actual float64, op string, value float64) bool {
	switch op {
	case "<":
		return actual < value
	case "<=":
		return actual <= value
	case ">":
		return actual > value
	case ">=":
		return actual >= value
	case "==":
		return actual == value
	case "!=":
		return actual != value
	}
	return false
}

// formatDuration formats d to about microsecond precision below a second
// and millisecond precision above.
func formatDuration(d time.Duration) string {
	switch {
	case d >= time.Second:
		d = d.Round(time.Millisecond)
	case d >= time.Millisecond:
		d = d.Round(time.Microsecond)
	}
	return d.String()
}
