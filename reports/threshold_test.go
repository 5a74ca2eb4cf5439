package reports

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// mustParse parses a threshold the test knows to be valid.
func mustParse(t testing.TB, s string) Threshold {
	t.Helper()
	th, err := ParseThreshold(s)
	if err != nil {
		t.Fatalf("ParseThreshold(%q): %v", s, err)
	}
	return th
}

func TestParseThreshold(t *testing.T) {
	t.Parallel()
	ms := float64(time.Millisecond)
	tests := []struct {
		in   string
		want Threshold
	}{
		{"p99(look) < 200ms", Threshold{metric: metricAction, stat: statQuantile, q: 0.99, hist: histLatency, target: "look", op: "<", value: 200 * ms}},
		{"p99.9(*)<=1.5s", Threshold{metric: metricAction, stat: statQuantile, q: 0.999, hist: histLatency, target: "*", op: "<=", value: 1500 * ms}},
		{"  p50( ttfb: look ) >= 1ms ", Threshold{metric: metricAction, stat: statQuantile, q: 0.5, hist: histTTFB, target: "look", op: ">=", value: ms}},
		{"p100(x) != 1s", Threshold{metric: metricAction, stat: statQuantile, q: 1, hist: histLatency, target: "x", op: "!=", value: 1000 * ms}},
		{"p0(x) > 0", Threshold{metric: metricAction, stat: statQuantile, q: 0, hist: histLatency, target: "x", op: ">", value: 0}},
		{"mean(corrected:login) == 2s", Threshold{metric: metricAction, stat: statMean, hist: histCorrected, target: "login", op: "==", value: 2000 * ms}},
		{"min(latency:x) > 1us", Threshold{metric: metricAction, stat: statMin, hist: histLatency, target: "x", op: ">", value: float64(time.Microsecond)}},
		{"max(measure_lag) < 1h", Threshold{metric: metricAction, stat: statMax, hist: histLatency, target: "measure_lag", op: "<", value: float64(time.Hour)}},
		{"phase_p95(logged_in) < 5s", Threshold{metric: metricPhase, stat: statQuantile, q: 0.95, target: "logged_in", op: "<", value: 5000 * ms}},
		{"phase_mean(connect) < 1s", Threshold{metric: metricPhase, stat: statMean, target: "connect", op: "<", value: 1000 * ms}},
		{"lag_p99(total) < 100ms", Threshold{metric: metricLag, stat: statQuantile, q: 0.99, target: "total", op: "<", value: 100 * ms}},
		{"lag_max(in) < 1s", Threshold{metric: metricLag, stat: statMax, target: "in", op: "<", value: 1000 * ms}},
		{"errors == 0", Threshold{metric: metricErrors, target: "*", op: "==", value: 0}},
		{"errors(look) < 10", Threshold{metric: metricErrors, target: "look", op: "<", value: 10}},
		{"error_rate < 1%", Threshold{metric: metricErrorRate, target: "*", op: "<", value: 0.01}},
		{"error_rate <= 0.01", Threshold{metric: metricErrorRate, target: "*", op: "<=", value: 0.01}},
		{"error_rate(login) < 100 %", Threshold{metric: metricErrorRate, target: "login", op: "<", value: 1}},
		{"lost_clients == 0", Threshold{metric: metricLostClients, op: "==", value: 0}},
		{"throughput >= 100/s", Threshold{metric: metricThroughput, op: ">=", value: 100}},
		{"throughput > 12.5", Threshold{metric: metricThroughput, op: ">", value: 12.5}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseThreshold(tc.in)
			if err != nil {
				t.Fatalf("ParseThreshold(%q): %v", tc.in, err)
			}
			tc.want.Expr = strings.TrimSpace(tc.in)
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(Threshold{}), cmpopts.EquateApprox(0, 1e-12)); diff != "" {
				t.Errorf("ParseThreshold(%q) (-want +got):\n%s", tc.in, diff)
			}
			if got.String() != tc.want.Expr {
				t.Errorf("String() = %q, want %q", got.String(), tc.want.Expr)
			}
		})
	}
}

func TestParseThresholdInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string
	}{
		{"", "empty expression"},
		{"   ", "empty expression"},
		{"p99(look)", "missing operator"},
		{"p99(look) 200ms", "missing operator"},
		{"p99(look) <> 1s", `unknown operator "<>"`},
		{"p99(look) = 1s", `unknown operator "="`},
		{"p99(look) =< 1s", `unknown operator "=<"`},
		{"p99(look) ! 1s", `unknown operator "!"`},
		{"< 1s", "missing metric"},
		{"p99(look) <", `missing value after "<"`},
		{"p99(look < 1s", "unbalanced parentheses"},
		{"p99(look)) < 1s", "unbalanced parentheses"},
		{"p99(a(b)) < 1s", "nested parentheses"},
		{"p99(look)x < 1s", `missing ")" at the end`},
		{"p99 < 1s", `metric "p99" needs an argument in parentheses, e.g. p99(look)`},
		{"p99() < 1s", `metric "p99" needs an argument`},
		{"phase_p99 < 1s", "e.g. phase_p99(logged_in)"},
		{"p101(look) < 1s", `unknown metric "p101"`},
		{"p9x(look) < 1s", `unknown metric "p9x"`},
		{"p.5(look) < 1s", `unknown metric "p.5"`},
		{"p99.(look) < 1s", `unknown metric "p99."`},
		{"p 99(look) < 1s", `unknown metric "p 99"`},
		{"median(look) < 1s", `unknown metric "median"`},
		{"lost clients == 0", `unknown metric "lost clients"`},
		{"p99(foo:look) < 1s", `unknown histogram "foo"`},
		{"p99(ttfb:) < 1s", "empty action"},
		{"errors() == 0", "empty action"},
		{"lost_clients(look) == 0", `"lost_clients" takes no argument`},
		{"throughput() > 1", `"throughput" takes no argument`},
		{"p99(look) < 200", `value "200": want a duration`},
		{"p99(look) < fast", `value "fast": want a duration`},
		{"p99(look) > -1s", `value "-1s": want a duration of 0 or more`},
		{"phase_max(connect) < -5ms", `value "-5ms": want a duration of 0 or more`},
		{"phase_p95(login) < 5s", `unknown phase "login" (want one of connect, negotiation, login_screen, logged_in)`},
		{"lag_p99(up) < 1s", `unknown lag part "up"`},
		{"errors < 1.5", `value "1.5": want a count`},
		{"errors < -1", `value "-1": want a count`},
		{"error_rate < 150%", `value "150%": want a rate`},
		{"error_rate < 2", `value "2": want a rate`},
		{"error_rate < NaN", `value "NaN": want a rate`},
		{"throughput > fast", `value "fast": want a rate per second`},
		{"throughput > -1/s", `value "-1/s": want a rate per second`},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseThreshold(tc.in)
			if !errors.Is(err, ErrThreshold) {
				t.Fatalf("ParseThreshold(%q) = %+v, %v; want ErrThreshold", tc.in, got, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseThreshold(%q) error %q, want it to mention %q", tc.in, err, tc.want)
			}
			if q := `"` + strings.TrimSpace(tc.in) + `"`; !strings.Contains(err.Error(), q) {
				t.Errorf("ParseThreshold(%q) error %q does not quote the expression", tc.in, err)
			}
		})
	}
}

func TestParseThresholds(t *testing.T) {
	t.Parallel()
	ts, err := ParseThresholds([]string{"p99(*) < 1s", "errors == 0"})
	if err != nil || len(ts) != 2 || ts[1].Expr != "errors == 0" {
		t.Fatalf("ParseThresholds(good) = %v, %v; want 2 thresholds", ts, err)
	}
	ts, err = ParseThresholds(nil)
	if err != nil || len(ts) != 0 {
		t.Errorf("ParseThresholds(nil) = %v, %v; want none", ts, err)
	}
	ts, err = ParseThresholds([]string{"p99(*) < 1s", "p99(*) < soon", "errors ~ 0"})
	if !errors.Is(err, ErrThreshold) || ts != nil {
		t.Fatalf("ParseThresholds(bad) = %v, %v; want nil and ErrThreshold", ts, err)
	}
	for _, want := range []string{`"p99(*) < soon"`, `"errors ~ 0"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("ParseThresholds error %q, want it to mention %s", err, want)
		}
	}
}

// checkReport returns a hand-built report for threshold tests.
func checkReport(t *testing.T) *Report {
	t.Helper()
	r := New(testMeta(t)) // 10 s
	look := r.Action("look")
	look.Sent, look.Answered = 100, 97
	look.Failed["timeout"], look.Failed["disconnected"] = 2, 1
	for i := 1; i <= 97; i++ {
		look.Latency.Record(time.Duration(i) * time.Millisecond)
		look.TTFB.Record(500 * time.Microsecond)
	}
	login := r.Action("login")
	login.Sent, login.Answered = 3, 3
	login.Latency.RecordN(2*time.Second, 3)
	r.Phase(PhaseLoggedIn).Latency.RecordN(3*time.Second, 48)
	r.Lag.Total.Record(5 * time.Millisecond)
	r.Lag.Total.Record(10 * time.Millisecond)
	r.Clients.Lost["timeout"] = 2
	return r
}

func TestCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr       string
		wantPass   bool
		wantActual string // "" to skip
		wantErr    string // "" for none
	}{
		{"p99(look) < 200ms", true, "", ""},
		{"p99(look) < 50ms", false, "", ""},
		{"p50(look) > 45ms", true, "", ""},
		{"p99(*) < 1s", false, "2s", ""},
		{"p99(*) <= 2s", true, "2s", ""},
		{"p100(look) == 97ms", true, "97ms", ""},
		{"max(look) == 97ms", true, "97ms", ""},
		{"min(look) == 1ms", true, "1ms", ""},
		{"mean(login) == 2s", true, "2s", ""},
		{"p99(ttfb:look) < 1ms", true, "500µs", ""},
		{"p99(corrected:look) < 1s", false, "", "no samples"},
		{"p99(nope) < 1s", false, "", `unknown action "nope"`},
		{"phase_p95(logged_in) < 5s", true, "3s", ""},
		{"phase_p95(connect) < 5s", false, "", "no samples"},
		{"lag_max(total) == 10ms", true, "10ms", ""},
		{"lag_min(total) == 5ms", true, "5ms", ""},
		{"lag_p50(in) < 1s", false, "", "no samples"},
		{"errors == 3", true, "3", ""},
		{"errors(look) <= 2", false, "3", ""},
		{"errors(login) == 0", true, "0", ""},
		{"errors(nope) == 0", false, "", `unknown action "nope"`},
		{"error_rate < 5%", true, "2.913%", ""},
		{"error_rate(look) > 0.05", false, "3%", ""},
		{"lost_clients == 0", false, "2", ""},
		{"lost_clients <= 2", true, "2", ""},
		{"throughput >= 10/s", true, "10.00/s", ""},
		{"throughput > 10", false, "10.00/s", ""},
	}
	r := checkReport(t)
	var ts []Threshold
	for _, tc := range tests {
		ts = append(ts, mustParse(t, tc.expr))
	}
	results := r.Check(ts)
	if len(results) != len(tests) {
		t.Fatalf("Check returned %d results, want %d", len(results), len(tests))
	}
	for i, tc := range tests {
		got := results[i]
		if got.Expr != tc.expr {
			t.Errorf("result %d Expr = %q, want %q", i, got.Expr, tc.expr)
		}
		if got.Pass != tc.wantPass {
			t.Errorf("%q: Pass = %v (actual %q, err %q), want %v", tc.expr, got.Pass, got.Actual, got.Err, tc.wantPass)
		}
		if tc.wantActual != "" && got.Actual != tc.wantActual {
			t.Errorf("%q: Actual = %q, want %q", tc.expr, got.Actual, tc.wantActual)
		}
		if tc.wantErr == "" && got.Err != "" || !strings.Contains(got.Err, tc.wantErr) {
			t.Errorf("%q: Err = %q, want %q", tc.expr, got.Err, tc.wantErr)
		}
		if got.Actual == "" && got.Err == "" {
			t.Errorf("%q: neither Actual nor Err set", tc.expr)
		}
	}
	if diff := cmp.Diff(results, r.Thresholds); diff != "" {
		t.Errorf("r.Thresholds differs from the results (-results +stored):\n%s", diff)
	}
	if r.Passed() {
		t.Error("Passed() = true with failing thresholds")
	}
}

func TestCheckEdgeCases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		r        *Report
		ts       []Threshold
		wantPass []bool
		wantErr  []string
		passed   bool
	}{
		{
			name:   "no thresholds",
			r:      checkReport(t),
			passed: true,
		},
		{
			name:     "all pass",
			r:        checkReport(t),
			ts:       []Threshold{mustParse(t, "errors < 10"), mustParse(t, "p99(*) < 5s")},
			wantPass: []bool{true, true},
			wantErr:  []string{"", ""},
			passed:   true,
		},
		{
			name:     "unparsed thresholds are parsed",
			r:        checkReport(t),
			ts:       []Threshold{{Expr: "errors != 0"}, {Expr: "bogus"}},
			wantPass: []bool{true, false},
			wantErr:  []string{"", `invalid threshold "bogus": missing operator`},
		},
		{
			name:     "nothing sent",
			r:        New(testMeta(t)),
			ts:       []Threshold{mustParse(t, "error_rate < 1%"), mustParse(t, "errors == 0"), mustParse(t, "p99(*) < 1s")},
			wantPass: []bool{false, true, false},
			wantErr:  []string{"no commands sent", "", "no samples"},
		},
		{
			name:     "no duration",
			r:        New(Meta{Scenario: "s"}),
			ts:       []Threshold{mustParse(t, "throughput > 0")},
			wantPass: []bool{false},
			wantErr:  []string{"the run has no duration"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			results := tc.r.Check(tc.ts)
			for i, got := range results {
				if got.Pass != tc.wantPass[i] {
					t.Errorf("%q: Pass = %v (err %q), want %v", got.Expr, got.Pass, got.Err, tc.wantPass[i])
				}
				if tc.wantErr[i] == "" && got.Err != "" || !strings.Contains(got.Err, tc.wantErr[i]) {
					t.Errorf("%q: Err = %q, want %q", got.Expr, got.Err, tc.wantErr[i])
				}
			}
			if got := tc.r.Passed(); got != tc.passed {
				t.Errorf("Passed() = %v, want %v", got, tc.passed)
			}
		})
	}
}

func TestThresholdDependsOnSpeed(t *testing.T) {
	for expr, want := range map[string]bool{
		"p99(*) < 500ms":             true,
		"mean(look) < 1s":            true,
		"phase_p99(logged_in) < 5s":  true,
		"lag_p50(total) < 10ms":      true,
		"throughput > 10/s":          true,
		"errors == 0":                false,
		"errors(look) == 0":          false,
		"error_rate < 1%":            false,
		"lost_clients == 0":          false,
		"p99(corrected:look) < 20ms": true,
	} {
		th, err := ParseThreshold(expr)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		if got := th.DependsOnSpeed(); got != want {
			t.Errorf("%s: DependsOnSpeed() = %v, want %v", expr, got, want)
		}
	}
}
