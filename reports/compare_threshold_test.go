package reports

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestParseCompareThreshold(t *testing.T) {
	t.Parallel()
	rel := func(kind diffKind, action string, pct, limit float64) CompareThreshold {
		return CompareThreshold{relative: true, key: diffKey{kind: kind, action: action, pct: pct}, limit: limit}
	}
	abs := func(s string) CompareThreshold { return CompareThreshold{abs: mustParse(t, s)} }
	tests := []struct {
		in   string
		want CompareThreshold
	}{
		{"p99 +10%", rel(diffLatency, "*", 99, 0.10)},
		{"p99(*) +10%", rel(diffLatency, "*", 99, 0.10)},
		{"  p99( looks ) + 20 %  ", rel(diffLatency, "looks", 99, 0.20)},
		{"p99.9+5%", rel(diffLatency, "*", 99.9, 0.05)},
		{"p50(measure-lag) +0%", rel(diffLatency, "measure-lag", 50, 0)},
		{"p95(measure_lag) +150%", rel(diffLatency, "measure_lag", 95, 1.5)},
		{"throughput -5%", rel(diffThroughput, "", 0, 0.05)},
		{"error_rate +0.5%", rel(diffErrorRate, "", 0, 0.005)},
		{"errors > 0", abs("errors > 0")},
		{"errors(looks) >= 3", abs("errors(looks) >= 3")},
		{"error_rate > 1%", abs("error_rate > 1%")},
		{"p99(looks) > 200ms", abs("p99(looks) > 200ms")},
		{"lost_clients > 0", abs("lost_clients > 0")},
		{"throughput < 100/s", abs("throughput < 100/s")},
		{"throughput <= 100", abs("throughput <= 100")},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseCompareThreshold(tc.in)
			if err != nil {
				t.Fatalf("ParseCompareThreshold(%q): %v", tc.in, err)
			}
			tc.want.Expr = strings.TrimSpace(tc.in)
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(CompareThreshold{}, diffKey{}, Threshold{}), cmpopts.EquateApprox(0, 1e-12)); diff != "" {
				t.Errorf("ParseCompareThreshold(%q) (-want +got):\n%s", tc.in, diff)
			}
			if got.String() != tc.want.Expr {
				t.Errorf("String() = %q, want %q", got.String(), tc.want.Expr)
			}
		})
	}
}

func TestParseCompareThresholdErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string // a part of the message
	}{
		{"", "empty expression"},
		{"   ", "empty expression"},
		{"p99", `want "<metric> +N%"`},
		{"p99 10%", `want "<metric> +N%"`},
		{"+10%", "missing metric"},
		{"p99 -10%", "worse when it rises"},
		{"p50(looks) -1%", "worse when it rises"},
		{"error_rate -1%", "worse when it rises"},
		{"throughput +5%", "worse when it falls"},
		{"p99 +10", "want a percentage"},
		{"p99 +x%", "want a percentage"},
		{"p99 +-5%", "want a percentage"},
		{"p99 +%", "want a percentage"},
		{"mean +10%", `unknown metric "mean"`},
		{"p101 +10%", `unknown metric "p101"`},
		{"latency +10%", `unknown metric "latency"`},
		{"errors +10%", "no relative form"},
		{"error_rate(looks) +1%", "only for all commands"},
		{"throughput(looks) -1%", "only for all commands"},
		{"p99(ttfb:looks) +10%", "no ttfb: or corrected:"},
		{"p99() +10%", "empty action"},
		{"p99(looks)x +10%", `missing ")"`},
		{"p99((looks)) +10%", "nested parentheses"},
		{"p 99 +10%", "unknown metric"},
		{"errors < 1", "use > or >="},
		{"errors == 0", "use > or >="},
		{"p99(looks) < 200ms", "use > or >="},
		{"throughput > 100", "throughput and checks fail when low"},
		{"p99 <> 1", "unknown operator"},
		{"p99(looks) > soon", "want a duration"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			_, err := ParseCompareThreshold(tc.in)
			if err == nil {
				t.Fatalf("ParseCompareThreshold(%q): no error", tc.in)
			}
			if !errors.Is(err, ErrCompareThreshold) {
				t.Errorf("error %v does not wrap ErrCompareThreshold", err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `"`+strings.TrimSpace(tc.in)+`"`) {
				t.Errorf("error %q: want it to contain %q and the expression", err, tc.want)
			}
		})
	}
}

func TestParseCompareThresholds(t *testing.T) {
	t.Parallel()
	ts, err := ParseCompareThresholds([]string{"p99 +10%", "errors > 0"})
	if err != nil || len(ts) != 2 || ts[0].Expr != "p99 +10%" || ts[1].Expr != "errors > 0" {
		t.Errorf("ParseCompareThresholds(good) = %v, %v", ts, err)
	}
	ts, err = ParseCompareThresholds([]string{"p99 -10%", "p50 +15%", "errors < 1"})
	if ts != nil || !errors.Is(err, ErrCompareThreshold) {
		t.Fatalf("ParseCompareThresholds(bad) = %v, %v; want nil and ErrCompareThreshold", ts, err)
	}
	for _, bad := range []string{`"p99 -10%"`, `"errors < 1"`} {
		if !strings.Contains(err.Error(), bad) {
			t.Errorf("error %q does not name %s", err, bad)
		}
	}
	if strings.Contains(err.Error(), `"p50 +15%"`) {
		t.Errorf("error %q names the good expression", err)
	}
	if ts, err := ParseCompareThresholds(nil); err != nil || len(ts) != 0 {
		t.Errorf("ParseCompareThresholds(nil) = %v, %v", ts, err)
	}
}

// Of several relative thresholds on one metric the strictest holds.
func TestCompareThresholdStrictest(t *testing.T) {
	t.Parallel()
	cfg, err := CompareOptions{Thresholds: mustCompareThresholds(t, "p99 +30%", "p99(*) +5%", "p99 +20%")}.resolve()
	if err != nil {
		t.Fatalf("resolve: %v", err)
	}
	got := cfg.relative[diffKey{kind: diffLatency, action: allActions, pct: 99}]
	if got.Expr != "p99(*) +5%" || len(cfg.relative) != 1 {
		t.Errorf("threshold of p99(*) = %q (of %d), want p99(*) +5%%", got.Expr, len(cfg.relative))
	}
}
