package reports

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ErrCompareThreshold wraps the problems of a comparison threshold
// expression.
var ErrCompareThreshold = errors.New("invalid comparison threshold")

// CompareThreshold is a pass/fail gate of Compare, parsed by
// ParseCompareThreshold from one of two forms.
//
// A relative threshold "<metric> <sign><N>%" limits how much the head may
// be worse than the base:
//
//	p99 +10%            the p99 of all commands may rise by at most 10%
//	p99(looks) +20%     likewise for one action ("p99(*)" is "p99")
//	throughput -5%      the throughput may fall by at most 5%
//	error_rate +1%      the error rate may rise by at most 1 percentage
//	                    point (its change is a difference, not a ratio)
//
// Any percentile pNN or pNN.N of the latency may be named, also one that
// Compare does not show by default; the sign must be the one that means
// worse (+ for latency and error rate, − for throughput). The metric then
// fails only when its change is significant (Holm-adjusted p below
// Alpha and a confidence interval excluding 0) and worse than N; the
// threshold replaces CompareOptions.MinEffect for that metric, so
// "p99 +0%" fails any significant rise. A relative threshold whose
// metric has too few windows on either side (or an action either run
// lacks) cannot be evaluated and fails, as an absolute Threshold that
// cannot be evaluated fails Report.Check.
//
// An absolute threshold "<metric> <op> <value>" uses the metrics and
// values of Threshold but names the failure, and is evaluated on the head
// run alone: "errors > 0" fails when the head has any failed command,
// "error_rate > 1%" when more than 1% of its commands failed,
// "p99(looks) > 200ms" when its p99 exceeds 200ms. So that an expression
// cannot be read the wrong way round, the operator must point to the bad
// side of the metric: > or >= for every metric but throughput and
// checks, < or <= for those ("throughput < 100/s", "checks(looks) <
// 99%"). An absolute threshold that cannot be evaluated fails too.
type CompareThreshold struct {
	// Expr is the expression the threshold was parsed from.
	Expr string

	relative bool
	key      diffKey   // the metric of a relative threshold
	limit    float64   // the allowed worsening: a fraction, or a rate difference for the error rate
	abs      Threshold // an absolute threshold
}

// String returns the expression of t.
func (t CompareThreshold) String() string { return t.Expr }

// ParseCompareThreshold parses one comparison threshold expression (see
// CompareThreshold). Its errors wrap ErrCompareThreshold and name the part
// that is wrong.
func ParseCompareThreshold(s string) (CompareThreshold, error) {
	expr := strings.TrimSpace(s)
	t, err := parseCompareThreshold(expr)
	if err != nil {
		return CompareThreshold{}, fmt.Errorf("%w %q: %w", ErrCompareThreshold, expr, err)
	}
	return t, nil
}

// ParseCompareThresholds parses each of ss (see ParseCompareThreshold).
// It returns the errors of all bad expressions joined, and then no
// thresholds.
func ParseCompareThresholds(ss []string) ([]CompareThreshold, error) {
	return parseEach(ss, ParseCompareThreshold)
}

func parseCompareThreshold(expr string) (CompareThreshold, error) {
	t := CompareThreshold{Expr: expr}
	if expr == "" {
		return t, errors.New("empty expression")
	}
	if hasOutsideParens(expr, "<>=!") {
		abs, err := parseThreshold(expr)
		if err != nil {
			return t, err
		}
		if err := checkFailureOp(abs); err != nil {
			return t, err
		}
		t.abs = abs
		return t, nil
	}
	at := indexOutsideParens(expr, "+-")
	if at < 0 {
		return t, errors.New(`want "<metric> +N%" (or "throughput -N%") or "<metric> <op> <value>", e.g. "p99 +10%" or "errors > 0"`)
	}
	metric, sign, value := strings.TrimSpace(expr[:at]), expr[at], strings.TrimSpace(expr[at+1:])
	if metric == "" {
		return t, errors.New("missing metric before the change")
	}
	key, err := parseDiffMetric(metric)
	if err != nil {
		return t, err
	}
	switch {
	case key.kind == diffThroughput && sign != '-':
		return t, fmt.Errorf("%s is worse when it falls: write its allowed fall as -N%%, e.g. \"throughput -5%%\"", metric)
	case key.kind != diffThroughput && sign != '+':
		return t, fmt.Errorf("%s is worse when it rises: write its allowed rise as +N%%, e.g. %q", metric, metric+" +10%")
	}
	num, ok := strings.CutSuffix(value, "%")
	f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if !ok || err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || strings.ContainsAny(num, "+-") {
		return t, fmt.Errorf("change %q: want a percentage, e.g. %c10%%", value, sign)
	}
	t.relative, t.key, t.limit = true, key, f/100
	return t, nil
}

// parseDiffMetric parses the metric of a relative threshold: pNN,
// pNN(action), throughput or error_rate.
func parseDiffMetric(m string) (diffKey, error) {
	name, arg, hasArg := m, allActions, false
	if i := strings.IndexByte(m, '('); i >= 0 {
		if !strings.HasSuffix(m, ")") {
			return diffKey{}, fmt.Errorf("metric %q: missing \")\" at the end", m)
		}
		name, arg, hasArg = strings.TrimSpace(m[:i]), strings.TrimSpace(m[i+1:len(m)-1]), true
		if strings.ContainsAny(arg, "()") {
			return diffKey{}, fmt.Errorf("metric %q: nested parentheses", m)
		}
	} else if strings.ContainsAny(m, ") \t") {
		return diffKey{}, fmt.Errorf("unknown metric %q", m)
	}
	switch name {
	case "throughput", "error_rate":
		if hasArg {
			return diffKey{}, fmt.Errorf("metric %q: a comparison has %s only for all commands together", m, name)
		}
		if name == "throughput" {
			return diffKey{kind: diffThroughput}, nil
		}
		return diffKey{kind: diffErrorRate}, nil
	case "errors":
		return diffKey{}, errors.New(`"errors" has no relative form: use "error_rate +N%" or "errors > N"`)
	}
	stat, _, ok := parseStat(name)
	if !ok || stat != statQuantile {
		return diffKey{}, fmt.Errorf("unknown metric %q (want pNN, pNN(action), throughput or error_rate)", name)
	}
	if arg == "" {
		return diffKey{}, fmt.Errorf("metric %q: empty action", m)
	}
	if strings.Contains(arg, ":") {
		return diffKey{}, fmt.Errorf("metric %q: a comparison uses the latency of the timeline only (no ttfb: or corrected:)", m)
	}
	pct, _ := strconv.ParseFloat(name[1:], 64) // parseStat accepted it
	return diffKey{kind: diffLatency, action: arg, pct: pct}, nil
}

// checkFailureOp checks that the operator of an absolute comparison
// threshold points to the bad side of its metric.
func checkFailureOp(t Threshold) error {
	switch t.metric {
	case metricThroughput, metricChecks:
		if t.op != "<" && t.op != "<=" {
			return fmt.Errorf("a comparison threshold names the failure, and throughput and checks fail when low: use < or <=, e.g. \"throughput < 100/s\" or \"checks(looks) < 99%%\"")
		}
		return nil
	}
	if t.op != ">" && t.op != ">=" {
		return fmt.Errorf("a comparison threshold names the failure: use > or >=, e.g. \"errors > 0\" or \"p99(look) > 200ms\"")
	}
	return nil
}

// indexOutsideParens returns the index of the first byte of s that is one
// of chars and not inside parentheses, or -1.
func indexOutsideParens(s, chars string) int {
	depth := 0
	for i := range len(s) {
		switch c := s[i]; {
		case c == '(':
			depth++
		case c == ')':
			depth--
		case depth == 0 && strings.IndexByte(chars, c) >= 0:
			return i
		}
	}
	return -1
}

// hasOutsideParens reports whether s has one of chars outside parentheses.
func hasOutsideParens(s, chars string) bool {
	return indexOutsideParens(s, chars) >= 0
}
