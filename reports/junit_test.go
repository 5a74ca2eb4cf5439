package reports

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// parseJUnit parses JUnit XML back, failing the test on malformed XML.
func parseJUnit(t *testing.T, data []byte) junitSuites {
	t.Helper()
	if !utf8.Valid(data) {
		t.Fatalf("junit is not UTF-8")
	}
	var doc junitSuites
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("junit does not parse: %v\n%s", err, data)
	}
	// Unmarshal is lenient; a strict token pass finds what it lets by.
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	for {
		if _, err := dec.Token(); err != nil {
			if err.Error() == "EOF" {
				break
			}
			t.Fatalf("junit is not well-formed: %v\n%s", err, data)
		}
	}
	return doc
}

func TestWriteJUnit(t *testing.T) {
	t.Parallel()
	r := sampleReport(t)
	r.Meta.RunID = "0123456789abcdef"
	r.Action("look").Checks = &Checks{Passed: 7, Failed: map[string]int64{"tinymux: Huh?": 2, "missing: <You say>": 1}}
	r.Action("say").Checks = &Checks{Passed: 4}
	r.Check([]Threshold{
		{Expr: "p99(look) < 1s"},      // passes
		{Expr: "errors(look) == 0"},   // fails: 2
		{Expr: "p99(nosuch) < 100ms"}, // cannot be evaluated
	})
	var buf bytes.Buffer
	if err := r.WriteJUnit(&buf); err != nil {
		t.Fatalf("WriteJUnit: %v", err)
	}
	if !strings.HasPrefix(buf.String(), xml.Header) {
		t.Errorf("no XML declaration:\n%s", buf.String())
	}
	doc := parseJUnit(t, buf.Bytes())
	if len(doc.Suites) != 1 {
		t.Fatalf("got %d testsuites, want 1", len(doc.Suites))
	}
	s := doc.Suites[0]
	type verdict struct{ Class, Name, Outcome string }
	var got []verdict
	for _, c := range s.Cases {
		outcome := "pass"
		if c.Failure != nil {
			outcome = "failure: " + c.Failure.Message
		}
		if c.Error != nil {
			outcome = "error"
		}
		got = append(got, verdict{c.Classname, c.Name, outcome})
	}
	want := []verdict{
		{junitClassRun, "valid", "pass"},
		{junitClassRun, "complete", "pass"},
		{junitClassThresholds, "p99(look) < 1s", "pass"},
		{junitClassThresholds, "errors(look) == 0", "failure: errors(look) == 0: measured 2"},
		{junitClassThresholds, "p99(nosuch) < 100ms", "error"},
		{junitClassChecks, "checks(look)", "failure: look: 3 of 10 answers failed their checks"},
		{junitClassChecks, "checks(say)", "pass"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("testcases (-want +got):\n%s", diff)
	}
	if s.Tests != 7 || s.Failures != 2 || s.Errors != 1 || doc.Tests != 7 || doc.Failures != 2 || doc.Errors != 1 {
		t.Errorf("counts: suite %d/%d/%d, suites %d/%d/%d; want 7 tests, 2 failures, 1 error", s.Tests, s.Failures, s.Errors, doc.Tests, doc.Failures, doc.Errors)
	}
	// The failed checks' reasons, the most frequent first, escaped.
	if c := s.Cases[5]; c.Failure == nil || c.Failure.Text != "2 × tinymux: Huh?\n1 × missing: <You say>\n" {
		t.Errorf("checks(look) failure: %+v", c.Failure)
	}
	if s.Time != "10.000" || s.Timestamp != "2025-11-25T21:00:00" || s.Hostname != "bench" {
		t.Errorf("time %q, timestamp %q, hostname %q", s.Time, s.Timestamp, s.Hostname)
	}
	props := map[string]string{}
	for _, p := range s.Properties {
		props[p.Name] = p.Value
	}
	if props["run_id"] != "0123456789abcdef" || props["seed"] != "1" || props["scenario"] != "default" || props["target"] != "127.0.0.1:4000" {
		t.Errorf("properties: %v", props)
	}
}

// An invalid, interrupted run fails its run testcases with the reasons;
// text from the report that XML cannot carry (control characters) or
// would misread (<, &, quotes) comes back escaped or replaced, never as
// malformed XML.
func TestWriteJUnitInvalidRunAndHostileText(t *testing.T) {
	t.Parallel()
	r := sampleReport(t)
	r.Meta.Scenario = "evil <\"scenario\"> & \x1b[2J\x00\x07"
	r.Meta.Valid = false
	r.Meta.InvalidReasons = []string{"no player logged in", "a reason with ]]> and \x0b"}
	r.Meta.Interrupted = true
	r.Thresholds = []ThresholdResult{{Expr: "p99(<look>) < 1s", Actual: "2s\x1b", Pass: false}}
	var buf bytes.Buffer
	if err := r.WriteJUnit(&buf); err != nil {
		t.Fatalf("WriteJUnit: %v", err)
	}
	doc := parseJUnit(t, buf.Bytes())
	s := doc.Suites[0]
	if s.Failures != 3 || s.Tests != 3 {
		t.Errorf("got %d tests, %d failures; want 3 and 3:\n%s", s.Tests, s.Failures, buf.String())
	}
	if want := "portalsim run evil <\"scenario\"> & \uFFFD[2J\uFFFD\uFFFD"; s.Name != want {
		t.Errorf("suite name %q, want %q", s.Name, want)
	}
	if f := s.Cases[0].Failure; f == nil || !strings.Contains(f.Message, "no player logged in") || !strings.Contains(f.Text, "]]>") {
		t.Errorf("valid testcase: %+v", f)
	}
	if f := s.Cases[1].Failure; f == nil || f.Type != "interrupted" {
		t.Errorf("complete testcase: %+v", f)
	}
	if c := s.Cases[2]; c.Name != "p99(<look>) < 1s" || c.Failure == nil {
		t.Errorf("threshold testcase: %+v", c)
	}
}
