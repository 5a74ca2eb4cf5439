package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/portalsim/portalsim/reports"
	"github.com/portalsim/portalsim/reports/compare"
	"github.com/portalsim/portalsim/reports/reportstest"
)

func TestCompareChecks(t *testing.T) {
	t.Parallel()
	base, head := readReport(t, "sample.json"), readReport(t, "sample.json")
	reportstest.AddChecks(base.Action("look"), map[string]int64{"fail: x": 2, "missing: y": 1})
	reportstest.AddChecks(head.Action("look"), map[string]int64{"fail: x": 1})
	reportstest.AddChecks(head.Action("say"), nil)
	head.Action("say").Checks.Passed = 0
	head.Action("say").AddCheck(true, "fail: z")
	head.Action("say").Sent++
	head.Action("say").Failed[reports.ReasonCheck]++
	c, err := compare.Compare(base, head, compare.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []compare.CheckDiff{
		{Action: "look", BaseChecked: 11, HeadChecked: 9, BasePassed: 8, HeadPassed: 8},
		{Action: "say", HeadChecked: 1},
		{Action: "*", BaseChecked: 11, HeadChecked: 10, BasePassed: 8, HeadPassed: 8},
	}
	if diff := cmp.Diff(want, c.Checks); diff != "" {
		t.Errorf("Checks (-want +got):\n%s", diff)
	}
	var text, md bytes.Buffer
	if err := ComparisonText(&text, c); err != nil {
		t.Fatal(err)
	}
	if err := ComparisonMarkdown(&md, c); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"72.73%", "88.89%", "0.00%"} {
		if !strings.Contains(text.String(), s) || !strings.Contains(md.String(), s) {
			t.Errorf("the comparison lacks %q:\n%s\n%s", s, text.String(), md.String())
		}
	}
	none, err := compare.Compare(readReport(t, "sample.json"), readReport(t, "sample.json"), compare.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if none.Checks != nil {
		t.Errorf("Checks = %+v for runs without checks", none.Checks)
	}
}
