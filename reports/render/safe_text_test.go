package render

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"unicode"

	"github.com/portalsim/portalsim/reports"
	"github.com/portalsim/portalsim/reports/compare"
	"github.com/portalsim/portalsim/reports/reportstest"
)

func TestSafeText(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"looks", "looks"},
		{"café ok", "café ok"},
		{"\x1b[2Jclear", `\x1b[2Jclear`},
		{"two\nlines\ttab\r", `two\nlines\ttab\r`},
		{"rtl\u202eevil", `rtl\u202eevil`},
		{"sep\u2028x", `sep\u2028x`},
		{"c1\u009bx", `c1\u009bx`},
	} {
		if got := safeText(tt.in); got != tt.want {
			t.Errorf("safeText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// The text of a report file reaches the reader's terminal escaped: an
// action name, a failure or loss reason, a note, a threshold, the model,
// the target, the machine or an invalid reason could clear the screen,
// move the cursor or fake a line of the table (or, in benchfmt, a
// benchmark result benchstat would read).
func TestReportTextHasNoControlCharacters(t *testing.T) {
	t.Parallel()
	const evil = "x\x1b[2J\n\rBenchmarkFake 1 1 ns/op\u202e"
	r := reportstest.Small(3)
	r.Meta.Model, r.Meta.Target, r.Meta.Machine.OS, r.Meta.Machine.Arch = evil, evil, evil, evil
	r.Meta.Valid, r.Meta.InvalidReasons = false, []string{evil}
	r.Actions[evil] = r.Clone().Actions["looks"]
	r.Actions[evil].Failed[evil] = 1
	r.Actions[evil].Sent++
	r.Clients.Lost[evil] = 1
	r.Generator.Notes = []string{evil}
	r.Thresholds = []reports.ThresholdResult{{Expr: evil, Actual: evil, Err: evil}}
	for i := range r.Timeline {
		r.Timeline[i].ActionLatency(evil).Merge(r.Timeline[i].Latency)
	}
	c, err := compare.Compare(r, r, compare.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []struct {
		name  string
		write func(io.Writer) error
	}{
		{"text", func(w io.Writer) error { return Text(w, r) }},
		{"markdown", func(w io.Writer) error { return Markdown(w, r) }},
		{"benchfmt", func(w io.Writer) error { return Benchfmt(w, r) }},
		{"compare text", func(w io.Writer) error { return ComparisonText(w, c) }},
		{"compare markdown", func(w io.Writer) error { return ComparisonMarkdown(w, c) }},
	} {
		var b bytes.Buffer
		if err := w.write(&b); err != nil {
			t.Fatal(err)
		}
		if i := strings.IndexFunc(b.String(), isControl); i >= 0 {
			t.Errorf("%s: control character %q at %d:\n%q", w.name, b.String()[i], i, b.String())
		}
		if strings.Contains(b.String(), "\nBenchmarkFake") {
			t.Errorf("%s: the file made up a line:\n%s", w.name, b.String())
		}
	}
}

// isControl reports whether c is a control character a terminal would
// act on: any but newline and tab.
func isControl(c rune) bool {
	return c != '\n' && c != '\t' && (unicode.IsControl(c) || c == '\u2028' || c == '\u2029' || unicode.Is(unicode.Bidi_Control, c))
}
