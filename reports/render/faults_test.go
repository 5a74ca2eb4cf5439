package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/portalsim/portalsim/reports"
)

func TestWriteTextShowsTheFaults(t *testing.T) {
	t.Parallel()
	r := reports.New(reports.Meta{Scenario: "faults"})
	var plain bytes.Buffer
	if err := Text(&plain, r); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "faults:") {
		t.Error("a report without faults shows a faults table")
	}
	r = readReport(t, "faults.json") // a link latency and a reconnect storm
	var buf bytes.Buffer
	if err := Text(&buf, r); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"faults:",
		"latency", "link", "10.0s", "15.0s", "3 (>1s)", "5.2s", "200ms ±50ms, both ways",
		"fault 1 crowd: 100 connections, 98 served, failed timeout 2, login screen median 300ms slowest 1s",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the text report lacks %q:\n%s", want, out)
		}
	}
}
