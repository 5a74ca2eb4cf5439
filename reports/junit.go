package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The JUnit XML form of a report, in the common (Ant/Jenkins) schema
// that CI systems read: <testsuites> holding one <testsuite> per run,
// a <testcase> per verdict, each with a <failure> (the verdict went
// against the run) or an <error> (it could not be reached).
type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Errors   int          `xml:"errors,attr"`
		Time     string       `xml:"time,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name       string          `xml:"name,attr"`
		Tests      int             `xml:"tests,attr"`
		Failures   int             `xml:"failures,attr"`
		Errors     int             `xml:"errors,attr"`
		Skipped    int             `xml:"skipped,attr"`
		Time       string          `xml:"time,attr"`
		Timestamp  string          `xml:"timestamp,attr,omitempty"`
		Hostname   string          `xml:"hostname,attr,omitempty"`
		Properties []junitProperty `xml:"properties>property,omitempty"`
		Cases      []junitCase     `xml:"testcase"`
	}
	junitProperty struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
	junitCase struct {
		Name      string        `xml:"name,attr"`
		Classname string        `xml:"classname,attr"`
		Time      string        `xml:"time,attr"`
		Failure   *junitProblem `xml:"failure,omitempty"`
		Error     *junitProblem `xml:"error,omitempty"`
	}
	junitProblem struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
)

// The classnames of the JUnit testcases: CI systems group cases by them.
const (
	junitClassRun        = "portalsim.run"
	junitClassThresholds = "portalsim.thresholds"
	junitClassChecks     = "portalsim.checks"
)

// WriteJUnit writes r as JUnit XML for CI systems that read test results:
// one testsuite for the run, with a testcase for the run's validity
// ("valid": a failure lists Meta.InvalidReasons), one for its
// completeness ("complete": a failure when it was interrupted) and one
// per threshold of the last Check, named by its expression (a failure
// says the measured value against the limit; a threshold that could not
// be evaluated is an error), and one per action whose answers were
// checked (a failure when any failed its response checks). The run's identity is in the suite's
// properties. Text from the report is escaped by encoding/xml; characters
// XML cannot carry (most control characters) become U+FFFD.
func (r *Report) WriteJUnit(w io.Writer) error {
	s := r.junitSuite()
	doc := junitSuites{Name: "portalsim", Tests: s.Tests, Failures: s.Failures, Errors: s.Errors, Time: s.Time, Suites: []junitSuite{s}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	return nil
}

// junitSuite is the run as one testsuite.
func (r *Report) junitSuite() junitSuite {
	m := r.Meta
	s := junitSuite{
		Name:     "portalsim run " + m.Scenario,
		Time:     junitSeconds(m.Duration),
		Hostname: m.Machine.Hostname,
	}
	if !m.Start.IsZero() {
		s.Timestamp = m.Start.UTC().Format("2006-01-02T15:04:05") // the schema's xs:dateTime without a zone
	}
	for _, p := range []junitProperty{
		{"scenario", m.Scenario}, {"run_id", m.RunID}, {"seed", strconv.FormatInt(m.Seed, 10)},
		{"target", m.Target}, {"protocol", m.Protocol}, {"model", m.Model}, {"shard", m.Shard},
		{"procs", strconv.Itoa(m.Procs)}, {"clients", strconv.Itoa(m.Clients)},
		{"tool_version", m.Version}, {"commit", m.Commit},
	} {
		if p.Value != "" {
			s.Properties = append(s.Properties, p)
		}
	}
	s.Cases = append(s.Cases, r.runCases()...)
	s.Cases = append(s.Cases, r.thresholdCases()...)
	s.Cases = append(s.Cases, r.checkCases()...)
	for _, c := range s.Cases {
		s.Tests++
		if c.Failure != nil {
			s.Failures++
		}
		if c.Error != nil {
			s.Errors++
		}
	}
	return s
}

// runCases are the testcases of the run itself: valid and complete.
func (r *Report) runCases() []junitCase {
	valid := junitCase{Name: "valid", Classname: junitClassRun, Time: junitSeconds(r.Meta.Duration)}
	if !r.Meta.Valid {
		reasons := strings.Join(r.Meta.InvalidReasons, "\n")
		valid.Failure = &junitProblem{Type: "invalid", Message: "the run is invalid: " + strings.Join(r.Meta.InvalidReasons, "; "), Text: reasons}
	}
	complete := junitCase{Name: "complete", Classname: junitClassRun, Time: junitSeconds(r.Meta.Duration)}
	if r.Meta.Interrupted {
		complete.Failure = &junitProblem{Type: "interrupted", Message: fmt.Sprintf("the run was interrupted after %s: the report covers only part of it", r.Meta.Duration.Round(time.Millisecond))}
	}
	return []junitCase{valid, complete}
}

// thresholdCases are the testcases of the thresholds of the last Check.
func (r *Report) thresholdCases() []junitCase {
	cases := make([]junitCase, 0, len(r.Thresholds))
	for _, t := range r.Thresholds {
		c := junitCase{Name: t.Expr, Classname: junitClassThresholds, Time: "0"}
		switch {
		case t.Err != "":
			c.Error = &junitProblem{Type: "threshold", Message: fmt.Sprintf("%s: cannot be evaluated: %s", t.Expr, t.Err)}
		case !t.Pass:
			c.Failure = &junitProblem{Type: "threshold", Message: fmt.Sprintf("%s: measured %s", t.Expr, t.Actual),
				Text: fmt.Sprintf("threshold: %s\nmeasured:  %s\n", t.Expr, t.Actual)}
		}
		cases = append(cases, c)
	}
	return cases
}

// checkCases are the testcases of the actions' response checks: one per
// action whose answers were checked, named like its threshold metric
// ("checks(looks)"), in the order of the action names; a failure when any
// answer failed, with the counts and the most frequent reasons.
func (r *Report) checkCases() []junitCase {
	var cases []junitCase
	for _, name := range slices.Sorted(maps.Keys(r.Actions)) {
		c := r.Actions[name].Checks
		if c.Total() == 0 {
			continue
		}
		tc := junitCase{Name: "checks(" + name + ")", Classname: junitClassChecks, Time: "0"}
		if failed := c.FailedTotal(); failed > 0 {
			var text strings.Builder
			for _, reason := range c.TopFailures(maxJUnitReasons) {
				fmt.Fprintf(&text, "%d × %s\n", c.Failed[reason], reason)
			}
			tc.Failure = &junitProblem{Type: "check", Text: text.String(),
				Message: fmt.Sprintf("%s: %d of %d answers failed their checks", name, failed, c.Total())}
		}
		cases = append(cases, tc)
	}
	return cases
}

// maxJUnitReasons is how many failure reasons of an action's checks its
// testcase lists, the most frequent first.
const maxJUnitReasons = 10

// junitSeconds is d in seconds, as JUnit's time attributes want it.
func junitSeconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
}
