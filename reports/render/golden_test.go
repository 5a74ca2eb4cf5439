package render

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/portalsim/portalsim/reports"
)

// update rewrites golden files: go test ./reports/render -update
var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/<name>, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./reports/render -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the golden file (run go test ./reports/render -update if the change is intended)\n--- got:\n%s", name, got)
	}
}

// readReport reads a report of testdata made from the model's test
// fixtures (package reports): sample.json is its sampleReport,
// transports.json its transportReport, faults.json a report with its
// sampleFaults.
func readReport(t testing.TB, name string) *reports.Report {
	t.Helper()
	r, err := reports.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return r
}
