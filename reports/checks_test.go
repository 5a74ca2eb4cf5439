package reports

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// checkedReport is sampleReport with checks on look: its 8 answered
// commands passed them, and 3 more commands were answered but failed a
// check (2 "fail: x", 1 "missing: y").
func checkedReport(t testing.TB) *Report {
	t.Helper()
	r := sampleReport(t)
	addChecks(r.Action("look"), map[string]int64{"fail: x": 2, "missing: y": 1})
	return r
}

func TestChecksCounts(t *testing.T) {
	t.Parallel()
	var nilChecks *Checks
	if nilChecks.Total() != 0 || nilChecks.FailedTotal() != 0 || nilChecks.TopFailures(3) != nil {
		t.Fatal("a nil Checks is not empty")
	}
	if _, ok := nilChecks.PassRate(); ok {
		t.Fatal("a nil Checks has a pass rate")
	}
	c := &Checks{Passed: 6, Failed: map[string]int64{"b": 2, "a": 2, "c": 5, "d": 1}}
	if got, want := c.Total(), int64(16); got != want {
		t.Errorf("Total() = %d, want %d", got, want)
	}
	if rate, ok := c.PassRate(); !ok || rate != 6.0/16 {
		t.Errorf("PassRate() = %v, %v; want %v", rate, ok, 6.0/16)
	}
	if diff := cmp.Diff([]string{"c", "a", "b"}, c.TopFailures(3)); diff != "" {
		t.Errorf("TopFailures(3) (-want +got):\n%s", diff)
	}
	if got, want := topFailuresText(c, safeText), "c ×5; a ×2; b ×2; 1 more"; got != want {
		t.Errorf("topFailuresText = %q, want %q", got, want)
	}
}

func TestChecksThreshold(t *testing.T) {
	t.Parallel()
	r := checkedReport(t)
	tests := []struct {
		expr     string
		pass     bool
		actual   string
		errorHas string
	}{
		{"checks(look) > 99%", false, "72.73%", ""},
		{"checks(look) >= 0.7", true, "72.73%", ""},
		{"checks(*) > 70%", true, "72.73%", ""},
		{"checks > 80%", false, "72.73%", ""},
		{"checks(login) > 99%", false, "", "no checked command"},
		{"checks(nope) > 99%", false, "", `unknown action "nope"`},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			t.Parallel()
			th := mustParse(t, tc.expr)
			if th.DependsOnSpeed() {
				t.Error("DependsOnSpeed() = true for a checks threshold")
			}
			got := r.Clone().check(th)
			if got.Pass != tc.pass || got.Actual != tc.actual || !strings.Contains(got.Err, tc.errorHas) || (tc.errorHas == "") != (got.Err == "") {
				t.Errorf("check(%q) = %+v, want pass %v, actual %q, error with %q", tc.expr, got, tc.pass, tc.actual, tc.errorHas)
			}
		})
	}
}

func TestChecksThresholdParse(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Threshold{
		"checks(looks) > 99%": {metric: metricChecks, target: "looks", op: ">", value: 0.99},
		"checks >= 0.5":       {metric: metricChecks, target: "*", op: ">=", value: 0.5},
		"checks(*) == 100%":   {metric: metricChecks, target: "*", op: "==", value: 1},
	} {
		got, err := ParseThreshold(in)
		if err != nil {
			t.Fatalf("ParseThreshold(%q): %v", in, err)
		}
		want.Expr = in
		if diff := cmp.Diff(want, got, cmp.AllowUnexported(Threshold{})); diff != "" {
			t.Errorf("ParseThreshold(%q) (-want +got):\n%s", in, diff)
		}
		if got.Action() != want.target {
			t.Errorf("Action() = %q, want %q", got.Action(), want.target)
		}
	}
	for in, msg := range map[string]string{
		"checks > 99":       "want a rate from 0 to 1",
		"checks(looks) > x": "want a rate",
		"checks() > 1%":     "empty action",
		"checkz > 1%":       "unknown metric",
	} {
		if _, err := ParseThreshold(in); !errors.Is(err, ErrThreshold) || !strings.Contains(err.Error(), msg) {
			t.Errorf("ParseThreshold(%q) = %v, want an error with %q", in, err, msg)
		}
	}
	if err := mustParse(t, "checks(lokos) > 1%").CheckAction([]string{"looks"}); err == nil || !strings.Contains(err.Error(), `did you mean "looks"`) {
		t.Errorf("CheckAction: %v, want a suggestion", err)
	}
	// In a comparison, checks fail when low, like throughput.
	if _, err := ParseCompareThreshold("checks(looks) < 99%"); err != nil {
		t.Errorf("ParseCompareThreshold: %v", err)
	}
	if _, err := ParseCompareThreshold("checks(looks) > 99%"); err == nil {
		t.Error(`ParseCompareThreshold("checks(looks) > 99%") accepted a threshold that fails when the checks pass`)
	}
}

func TestChecksMergeCloneJSON(t *testing.T) {
	t.Parallel()
	r := checkedReport(t)
	if err := r.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	o := checkedReport(t)
	o.Action("say").AddCheck(false, "")
	o.Action("say").Sent++
	o.Action("say").Answered++
	if err := r.Merge(o); err != nil {
		t.Fatal(err)
	}
	want := &Checks{Passed: 16, Failed: map[string]int64{"fail: x": 4, "missing: y": 2}}
	if diff := cmp.Diff(want, r.Action("look").Checks); diff != "" {
		t.Errorf("merged look checks (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(&Checks{Passed: 1}, r.Action("say").Checks); diff != "" {
		t.Errorf("merged say checks (-want +got):\n%s", diff)
	}
	c := r.Clone()
	c.Action("look").Checks.Failed["fail: x"]++
	c.Action("look").Checks.Passed++
	if r.Action("look").Checks.Failed["fail: x"] != 4 || r.Action("look").Checks.Passed != 16 {
		t.Error("Clone shares the checks")
	}
	got := roundTrip(t, r)
	if diff := cmp.Diff(r.Action("look").Checks, got.Action("look").Checks); diff != "" {
		t.Errorf("checks after a round trip (-want +got):\n%s", diff)
	}
	if got.Action("login").Checks != nil {
		t.Error("an action without checks reads back with checks")
	}
	var buf bytes.Buffer
	if err := sampleReport(t).Write(&buf); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), `"checks"`) {
		t.Error(`a report without checks writes "checks"`)
	}
}

func TestChecksValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(a *Action)
		want string
	}{
		{"negative passed", func(a *Action) { a.Checks.Passed = -1 }, "negative passed check count"},
		{"negative failed", func(a *Action) { a.Checks.Failed["fail: x"] = -1 }, "negative number"},
		{"passed beyond answered", func(a *Action) { a.Checks.Passed = a.Answered + 1 }, "only 8 were answered"},
		{"failed checks not failed commands", func(a *Action) { a.Checks.Failed["fail: x"]++ }, `4 failed checks but 3 commands failed for "check"`},
		{"check failures without checks", func(a *Action) { a.Checks = nil }, "has no checks"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := checkedReport(t)
			tc.edit(r.Action("look"))
			err := r.Validate()
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate() = %v, want ErrInvalid with %q", err, tc.want)
			}
		})
	}
}

// A report of layout version 3 (before checks) reads as unchecked.
func TestChecksReadVersion3(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := sampleReport(t).Write(&buf); err != nil {
		t.Fatal(err)
	}
	old := strings.Replace(buf.String(), `"version": 4,`, `"version": 3,`, 1)
	r, err := Read(strings.NewReader(old))
	if err != nil {
		t.Fatalf("Read version 3: %v", err)
	}
	if r.Version != Version || r.Action("look").Checks != nil {
		t.Errorf("version %d, look checks %+v; want version %d and no checks", r.Version, r.Action("look").Checks, Version)
	}
	if res := r.Check([]Threshold{mustParse(t, "checks > 99%")}); res[0].Pass || !strings.Contains(res[0].Err, "no checked command") {
		t.Errorf("checks threshold on an unchecked report: %+v", res[0])
	}
}

func TestCompareChecks(t *testing.T) {
	t.Parallel()
	base, head := checkedReport(t), sampleReport(t)
	addChecks(head.Action("look"), map[string]int64{"fail: x": 1})
	addChecks(head.Action("say"), nil)
	head.Action("say").Checks.Passed = 0
	head.Action("say").AddCheck(true, "fail: z")
	head.Action("say").Sent++
	head.Action("say").Failed[ReasonCheck]++
	c, err := Compare(base, head, CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []CheckDiff{
		{Action: "look", BaseChecked: 11, HeadChecked: 9, BasePassed: 8, HeadPassed: 8},
		{Action: "say", HeadChecked: 1},
		{Action: "*", BaseChecked: 11, HeadChecked: 10, BasePassed: 8, HeadPassed: 8},
	}
	if diff := cmp.Diff(want, c.Checks); diff != "" {
		t.Errorf("Checks (-want +got):\n%s", diff)
	}
	var text, md bytes.Buffer
	if err := c.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"72.73%", "88.89%", "0.00%"} {
		if !strings.Contains(text.String(), s) || !strings.Contains(md.String(), s) {
			t.Errorf("the comparison lacks %q:\n%s\n%s", s, text.String(), md.String())
		}
	}
	none, err := Compare(sampleReport(t), sampleReport(t), CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if none.Checks != nil {
		t.Errorf("Checks = %+v for runs without checks", none.Checks)
	}
}
