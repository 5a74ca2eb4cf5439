package main

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// shortScenario is a run of a few seconds against the embedded game.
const shortScenario = `name: short
clients: 3
duration: 2s
seed: 5
profiles: {looker: 1}
pacing: {timestep: 100ms, chance_of_action: 1, chance_of_login: 1, login_concurrency: 10}
thresholds: ["errors == 0", "p99(looks) < 1ms"]
`

// -junit and -csv write the run's verdicts and its per-second figures
// next to the report; "report show -format junit|csv" writes the same
// from the report file.
func TestRunJUnitAndCSV(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	scenario := writeFile(t, "short.yaml", shortScenario)
	report, junit, csvFile := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.xml"), filepath.Join(dir, "r.csv")
	var out bytes.Buffer
	err := run(t.Context(), []string{"run", scenario, "-quiet", "-o", report, "-junit", junit, "-csv", csvFile}, &out, &out)
	// The verdict is not the question here (a loaded machine makes the
	// timers late, and the run invalid): the files are written whatever it is.
	if code := exitCode(err, &out); code != ExitOK && code != ExitThresholds && code != ExitInvalidRun {
		t.Fatalf("exit %d:\n%s", code, out.String())
	}
	data, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Suites []struct {
			Tests int `xml:"tests,attr"`
			Cases []struct {
				Name string `xml:"name,attr"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("junit: %v\n%s", err, data)
	}
	// valid, complete, the 2 thresholds, then one per action whose
	// answers were checked (which the run's length decides).
	if len(doc.Suites) != 1 || doc.Suites[0].Tests < 4 || doc.Suites[0].Tests != len(doc.Suites[0].Cases) {
		t.Fatalf("junit: want one suite of at least 4 testcases (valid, complete, 2 thresholds):\n%s", data)
	}
	for i, c := range doc.Suites[0].Cases {
		if want := []string{"valid", "complete", "errors == 0", "p99(looks) < 1ms"}; i < len(want) && c.Name != want[i] || i >= len(want) && !strings.HasPrefix(c.Name, "checks(") {
			t.Errorf("junit testcase %d is %q:\n%s", i, c.Name, data)
		}
	}
	f, err := os.Open(csvFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("csv: %v", err)
	}
	var looks int
	for _, row := range rows[1:] {
		if row[2] == "looks" {
			looks++
		}
	}
	if len(rows) < 3 || looks == 0 {
		t.Errorf("csv: %d rows, %d of looks; want a row per second and action:\n%v", len(rows), looks, rows)
	}
	for format, want := range map[string]string{"junit": "<testsuites", "csv": "second,time,action"} {
		code, shown := runQuick(t, "report", "show", "-format", format, report)
		if code != ExitOK || !strings.Contains(shown, want) {
			t.Errorf("report show -format %s: exit %d, no %q:\n%s", format, code, want, shown)
		}
	}
}
