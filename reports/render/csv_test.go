package render

import (
	"bytes"
	"encoding/csv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/portalsim/portalsim/reports"
)

func TestWriteCSV(t *testing.T) {
	t.Parallel()
	r := reports.New(readReport(t, "sample.json").Meta)
	iv := r.IntervalAt(0)
	iv.Sent, iv.Answered, iv.Failed = 5, 4, 1
	iv.Connected, iv.LoggedIn = 10, 8
	for _, d := range []time.Duration{10, 20, 30} { // the HDR histogram keeps 3 significant digits: 20 ms reads 20.005
		iv.Latency.Record(d * time.Millisecond)
		iv.ActionLatency("look").Record(d * time.Millisecond)
	}
	iv.Latency.Record(40 * time.Millisecond)
	iv.ActionLatency("=cmd|' /C calc'!A0").Record(40 * time.Millisecond)
	r.IntervalAt(1).Connected = 10 // a quiet second
	r.Timeline[0].Load = reports.Load{Samples: 10, Busy: 0.75, Own: 0.25, Steal: 0.01, RunQueue: 3.5, TimerLate: 2500 * time.Microsecond}
	var buf bytes.Buffer
	if err := CSV(&buf, r); err != nil {
		t.Fatalf("WriteCSV: %v", err)
	}
	got, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v", err)
	}
	want := [][]string{
		CSVHeader,
		{"0", "2025-11-25T21:00:00Z", "*", "5", "4", "1", "20.005", "40.000", "40.000", "4", "10", "8", "0.500", "0.250", "0.010", "3.500", "2.500"},
		{"0", "2025-11-25T21:00:00Z", "'=cmd|' /C calc'!A0", "", "1", "", "40.000", "40.000", "40.000", "1", "10", "8", "0.500", "0.250", "0.010", "3.500", "2.500"},
		{"0", "2025-11-25T21:00:00Z", "look", "", "3", "", "20.005", "30.000", "30.000", "3", "10", "8", "0.500", "0.250", "0.010", "3.500", "2.500"},
		{"1", "2025-11-25T21:00:01Z", "*", "0", "0", "0", "", "", "", "0", "10", "0", "", "", "", "", ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CSV (-want +got):\n%s", diff)
	}
}

// Every row of the sample report has every column.
func TestWriteCSVShape(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := CSV(&buf, readReport(t, "sample.json")); err != nil {
		t.Fatalf("WriteCSV: %v", err)
	}
	rd := csv.NewReader(&buf)
	rd.FieldsPerRecord = len(CSVHeader)
	rows, err := rd.ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v", err)
	}
	if len(rows) != 1+5 { // the sample's timeline has 5 seconds, no per-action latency
		t.Errorf("got %d rows, want 6", len(rows))
	}
}
