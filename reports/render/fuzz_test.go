package render

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/portalsim/portalsim/reports"
	"github.com/portalsim/portalsim/reports/compare"
	"github.com/portalsim/portalsim/reports/reportstest"
)

// FuzzReport reads report files (JSON with HDR histograms) through what
// a user's file goes through: Read, then show (text, Markdown, benchfmt,
// JUnit, CSV, JSON), html, merge and compare. Nothing may panic or fail on a report
// Read accepted; what is written back must be read back the same; the
// terminal and Markdown forms must carry no control character of the
// file. The seed corpus (testdata/fuzz) has reports of real runs and what
// fuzzing found.
func FuzzReport(f *testing.F) {
	var b bytes.Buffer
	if err := reportstest.Small(3).Write(&b); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := reports.Read(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, reports.ErrInvalid) && !errors.Is(err, reports.ErrVersion) {
				t.Fatalf("error %v wraps neither ErrInvalid nor ErrVersion", err)
			}
			return
		}
		var out bytes.Buffer
		for _, w := range []struct {
			name  string
			write func(*bytes.Buffer) error
			plain bool // written to terminals: no control characters but \n and \t
		}{
			{"text", func(b *bytes.Buffer) error { return Text(b, r) }, true},
			{"markdown", func(b *bytes.Buffer) error { return Markdown(b, r) }, true},
			{"benchfmt", func(b *bytes.Buffer) error { return Benchfmt(b, r) }, true},
			{"html", func(b *bytes.Buffer) error { return HTML(b, r) }, false},
		} {
			out.Reset()
			if err := w.write(&out); err != nil {
				t.Fatalf("%s: %v", w.name, err)
			}
			if w.plain {
				if i := strings.IndexFunc(out.String(), isControl); i >= 0 {
					t.Fatalf("%s output has control character %q at %d:\n%q", w.name, out.String()[i], i, out.String())
				}
			}
			if w.name == "benchfmt" { // no line a file could make up: benchstat would read it
				for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
					if !benchLine.MatchString(line) {
						t.Fatalf("benchfmt line %q", line)
					}
				}
			}
		}
		checkJUnitCSV(t, r)
		// Written back, it reads back, the same.
		out.Reset()
		if err := r.Write(&out); err != nil {
			t.Fatalf("write: %v", err)
		}
		first := out.String()
		back, err := reports.Read(strings.NewReader(first))
		if err != nil {
			t.Fatalf("a report written back is refused: %v", err)
		}
		out.Reset()
		if err := back.Write(&out); err != nil || out.String() != first {
			t.Fatalf("written back twice, the report changed (%v)", err)
		}
		// Merged with itself (report merge), and compared with itself
		// (report compare, one run a side).
		m := r.Clone()
		if err := m.Merge(r); err != nil {
			t.Fatalf("merge with itself: %v", err)
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("merged with itself, invalid: %v", err)
		}
		p, err := reports.Pool([]*reports.Report{r}, -1)
		if err != nil {
			t.Fatalf("pool: %v", err)
		}
		c, err := compare.Compare(p, p, compare.Options{Trim: -1})
		if err != nil {
			t.Fatalf("compare with itself: %v", err)
		}
		for _, row := range c.Rows {
			if row.Failed && !row.Insufficient {
				t.Fatalf("a run compared with itself regressed: %+v", row)
			}
		}
		for _, w := range []func(io.Writer) error{
			func(w io.Writer) error { return ComparisonText(w, c) },
			func(w io.Writer) error { return ComparisonMarkdown(w, c) },
		} {
			out.Reset()
			if err := w(&out); err != nil {
				t.Fatalf("comparison: %v", err)
			}
			if i := strings.IndexFunc(out.String(), isControl); i >= 0 {
				t.Fatalf("comparison output has control character %q:\n%q", out.String()[i], out.String())
			}
		}
		if _, err := json.Marshal(c); err != nil {
			t.Fatalf("comparison as JSON: %v", err)
		}
	})
}

// benchLine is the lines Benchfmt writes.
var benchLine = regexp.MustCompile(`^((goos|goarch|pkg): [^ ]*|Unit ops/s better=higher|Benchmark(Latency/action=[A-Za-z0-9_.-]+ \t\d+\t\d+ p50-ns\t\d+ p99-ns|Throughput \t1\t[0-9.]+ ops/s))$`)

// checkJUnitCSV: a report Read accepts writes well-formed JUnit XML and
// rectangular CSV whose action cells never start a spreadsheet formula.
func checkJUnitCSV(t *testing.T, r *reports.Report) {
	var out bytes.Buffer
	if err := JUnit(&out, r); err != nil {
		t.Fatalf("junit: %v", err)
	}
	var doc struct{ XMLName xml.Name }
	if err := xml.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("junit does not parse: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := CSV(&out, r); err != nil {
		t.Fatalf("csv: %v", err)
	}
	rd := csv.NewReader(&out)
	rd.FieldsPerRecord = len(CSVHeader)
	rows, err := rd.ReadAll()
	if err != nil {
		t.Fatalf("csv does not parse: %v", err)
	}
	for _, row := range rows[1:] {
		if c := row[2]; c != "" && (c[0] == '=' || c[0] == '+' || c[0] == '-' || c[0] == '@') {
			t.Fatalf("formula cell %q", c)
		}
	}
}
