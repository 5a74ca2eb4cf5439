package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var testStart = time.Date(2025, 11, 25, 21, 0, 0, 0, time.UTC)

// testMeta returns the meta of a test run.
func testMeta(t testing.TB) Meta {
	t.Helper()
	return Meta{
		Scenario: "default",
		Seed:     1,
		Version:  "v0.1.0",
		Target:   "127.0.0.1:4000",
		Protocol: "telnet",
		Model:    ModelClosed,
		Machine:  Machine{Hostname: "bench", OS: "linux", Arch: "amd64", CPUs: 8, GoVersion: "go1.26"},
		Start:    testStart,
		Duration: 10 * time.Second,
		Valid:    true,
		Clients:  50,
	}
}

// sampleReport returns a report with a little of everything.
func sampleReport(t testing.TB) *Report {
	t.Helper()
	r := New(testMeta(t))
	r.Clients.Started = 50
	r.Clients.LoggedIn = 48
	r.Clients.Finished = 45
	r.Clients.Lost["timeout"] = 3
	look := r.Action("look")
	look.Sent, look.Answered = 10, 8
	look.Failed["timeout"] = 2
	for i := 1; i <= 8; i++ {
		look.Latency.Record(time.Duration(i) * 10 * time.Millisecond)
		look.TTFB.Record(time.Duration(i) * time.Millisecond)
	}
	login := r.Action("login")
	login.Sent, login.Answered = 48, 48
	login.Latency.RecordN(150*time.Millisecond, 48)
	for _, name := range PhaseNames {
		p := r.Phase(name)
		p.Reached = 48
		p.Latency.RecordN(20*time.Millisecond, 48)
	}
	r.Phase(PhaseConnect).Lost["refused"] = 2
	r.Lag.In.Record(time.Millisecond)
	r.Lag.Out.Record(2 * time.Millisecond)
	r.Lag.Total.Record(3 * time.Millisecond)
	for s := range 3 {
		iv := r.IntervalAt(s)
		iv.Sent, iv.Answered = 3, 3
		iv.Connected, iv.LoggedIn = 50, 48
		iv.Latency.Record(time.Duration(s+1) * 10 * time.Millisecond)
	}
	r.IntervalAt(4) // second 3 stays empty
	r.Generator.TimerLateness.Record(100 * time.Microsecond)
	r.Generator.SendSlip.Record(50 * time.Microsecond)
	r.Generator.CPUMax, r.Generator.CPUMean = 0.5, 0.25
	r.Generator.FDMax, r.Generator.FDLimit = 120, 1024
	r.Generator.Notes = []string{"ok"}
	return r
}

// roundTrip writes r and reads it back.
func roundTrip(t *testing.T, r *Report) *Report {
	t.Helper()
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		t.Fatalf("Write: %v", err)
	}
	got, err := Read(&buf)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return got
}

// allHistograms returns every histogram of r, by a name for messages.
func allHistograms(t *testing.T, r *Report) map[string]*Histogram {
	t.Helper()
	hs := map[string]*Histogram{
		"lag.in": r.Lag.In, "lag.out": r.Lag.Out, "lag.total": r.Lag.Total,
		"generator.timer_lateness": r.Generator.TimerLateness, "generator.send_slip": r.Generator.SendSlip,
	}
	for name, a := range r.Actions {
		hs["action "+name+" ttfb"] = a.TTFB
		hs["action "+name+" latency"] = a.Latency
		hs["action "+name+" corrected"] = a.Corrected
	}
	for name, p := range r.Phases {
		hs["phase "+name] = p.Latency
	}
	for i := range r.Timeline {
		hs["timeline "+strconv.Itoa(i)] = r.Timeline[i].Latency
	}
	return hs
}

func TestNew(t *testing.T) {
	t.Parallel()
	r := New(Meta{Scenario: "s", Clients: 7})
	if r.Version != Version {
		t.Errorf("Version = %d, want %d", r.Version, Version)
	}
	if r.Clients.Planned != 7 {
		t.Errorf("Clients.Planned = %d, want 7", r.Clients.Planned)
	}
	if r.Meta.Procs != 1 {
		t.Errorf("Meta.Procs = %d, want 1", r.Meta.Procs)
	}
	if r.Clients.Lost == nil || r.Actions == nil || r.Phases == nil || r.Timeline == nil {
		t.Errorf("New left a nil map or slice: %+v", r)
	}
	for _, name := range PhaseNames {
		p := r.Phases[name]
		if p == nil || p.Lost == nil || p.Latency == nil {
			t.Errorf("phase %q = %+v, want allocated", name, p)
		}
	}
	for name, h := range allHistograms(t, r) {
		if h == nil {
			t.Errorf("%s is nil", name)
		}
	}
	if got := New(Meta{Procs: 3}).Meta.Procs; got != 3 {
		t.Errorf("New kept Procs %d, want 3", got)
	}
}

func TestReportActionAndPhaseGetOrCreate(t *testing.T) {
	t.Parallel()
	r := New(testMeta(t))
	a := r.Action("look")
	if a == nil || a.Failed == nil || a.TTFB == nil || a.Latency == nil || a.Corrected == nil {
		t.Fatalf("Action() = %+v, want allocated", a)
	}
	if r.Action("look") != a {
		t.Error("second Action(look) returned another action")
	}
	p := r.Phase("custom")
	if p == nil || p.Lost == nil || p.Latency == nil {
		t.Fatalf("Phase() = %+v, want allocated", p)
	}
	if r.Phase("custom") != p {
		t.Error("second Phase(custom) returned another phase")
	}
	var zero Report
	zero.Action("x").Sent++
	zero.Phase("y").Reached++
	if zero.Actions["x"].Sent != 1 || zero.Phases["y"].Reached != 1 {
		t.Error("Action/Phase on a zero Report did not create entries")
	}
}

func TestIntervalAt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		seconds []int
		wantLen int
	}{
		{"first", []int{0}, 1},
		{"gap filled", []int{3}, 4},
		{"backwards", []int{5, 2, 0}, 6},
		{"negative is zero", []int{-4}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := New(testMeta(t))
			for _, s := range tc.seconds {
				iv := r.IntervalAt(s)
				if want := max(s, 0); iv.Second != want {
					t.Errorf("IntervalAt(%d).Second = %d, want %d", s, iv.Second, want)
				}
				iv.Sent++
				iv.Latency.Record(time.Millisecond)
			}
			if len(r.Timeline) != tc.wantLen {
				t.Fatalf("len(Timeline) = %d, want %d", len(r.Timeline), tc.wantLen)
			}
			for i, iv := range r.Timeline {
				if iv.Second != i || iv.Latency == nil {
					t.Errorf("Timeline[%d] = %+v, want Second %d and a histogram", i, iv, i)
				}
			}
			var sent int64
			for _, iv := range r.Timeline {
				sent += iv.Sent
			}
			if want := int64(len(tc.seconds)); sent != want {
				t.Errorf("sum of Sent = %d, want %d", sent, want)
			}
		})
	}
}

func TestAccounted(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a    Action
		want bool
	}{
		{"empty", Action{}, true},
		{"all answered", Action{Sent: 5, Answered: 5}, true},
		{"some failed", Action{Sent: 5, Answered: 3, Failed: map[string]int64{"timeout": 1, "aborted": 1}}, true},
		{"in flight", Action{Sent: 5, Answered: 3, Failed: map[string]int64{"timeout": 1}}, false},
		{"too many", Action{Sent: 5, Answered: 5, Failed: map[string]int64{"timeout": 1}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.a.Accounted(); got != tc.want {
				t.Errorf("Accounted() = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTotals(t *testing.T) {
	t.Parallel()
	r := sampleReport(t)
	got := r.Totals()
	if got.Sent != 58 || got.Answered != 56 || got.FailedTotal() != 2 || got.Failed["timeout"] != 2 {
		t.Errorf("Totals() counts = sent %d answered %d failed %v, want 58, 56, map[timeout:2]", got.Sent, got.Answered, got.Failed)
	}
	want := r.Actions["look"].Latency.Clone()
	want.Merge(r.Actions["login"].Latency)
	if !got.Latency.Equal(want) {
		t.Errorf("Totals().Latency = %v, want %v", got.Latency, want)
	}
	if got.Corrected == nil || got.Corrected.Count() != 0 {
		t.Errorf("Totals().Corrected = %v, want empty", got.Corrected)
	}
	if got := New(testMeta(t)).Totals(); got.Sent != 0 || got.Latency == nil {
		t.Errorf("Totals() of an empty report = %+v, want zero with histograms", got)
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	t.Parallel()
	r := sampleReport(t)
	r.Check([]Threshold{mustParse(t, "p99(look) < 1s"), mustParse(t, "errors == 0")})
	got := roundTrip(t, r)
	if diff := cmp.Diff(r, got); diff != "" {
		t.Errorf("Read(Write(r)) differs (-want +got):\n%s", diff)
	}
	// The second write is identical: the output is deterministic.
	var a, b bytes.Buffer
	if err := r.Write(&a); err != nil {
		t.Fatal(err)
	}
	if err := got.Write(&b); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Error("writing the read report gives other bytes")
	}
}

func TestWriteJSONShape(t *testing.T) {
	t.Parallel()
	r := sampleReport(t)
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "\n  \"meta\": {") {
		t.Errorf("Write output is not indented:\n%.200s", buf.String())
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	keys := func(v any) []string {
		t.Helper()
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%v is not an object", v)
		}
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		return ks
	}
	tests := []struct {
		name string
		v    any
		want []string
	}{
		{"report", doc, []string{"actions", "clients", "generator", "lag", "meta", "phases", "timeline", "version"}},
		{"meta", doc["meta"], []string{"clients", "duration_ns", "machine", "model", "procs", "protocol", "scenario", "seed", "start", "target", "tool_version", "valid"}},
		{"machine", doc["meta"].(map[string]any)["machine"], []string{"arch", "cpus", "go_version", "hostname", "os"}},
		{"clients", doc["clients"], []string{"finished", "logged_in", "lost", "planned", "started"}},
		{"action", doc["actions"].(map[string]any)["look"], []string{"answered", "corrected", "failed", "latency", "sent", "ttfb"}},
		{"phase", doc["phases"].(map[string]any)["connect"], []string{"latency", "lost", "reached"}},
		{"lag", doc["lag"], []string{"in", "out", "total"}},
		{"interval", doc["timeline"].([]any)[0], []string{"answered", "connected", "failed", "latency", "logged_in", "sent", "t"}},
		{"empty interval", doc["timeline"].([]any)[3], []string{"answered", "connected", "failed", "logged_in", "sent", "t"}},
		{"generator", doc["generator"], []string{"cpu_max", "cpu_mean", "fd_limit", "fd_max", "notes", "send_slip", "timer_lateness"}},
		{"histogram", doc["lag"].(map[string]any)["in"], []string{"clamped", "hdr", "max_ns", "min_ns", "summary"}},
	}
	for _, tc := range tests {
		if got := keys(tc.v); !slices.Equal(got, tc.want) {
			t.Errorf("%s keys = %v, want %v", tc.name, got, tc.want)
		}
	}
	if got := doc["meta"].(map[string]any)["duration_ns"]; got != float64(10*time.Second) {
		t.Errorf("duration_ns = %v, want %d", got, 10*time.Second)
	}
}

func TestWriteNilMapsAndHistograms(t *testing.T) {
	t.Parallel()
	r := &Report{
		Meta:     testMeta(t),
		Actions:  map[string]*Action{"look": {Sent: 1, Answered: 1}, "nil": nil},
		Timeline: []Interval{{Second: 0, Sent: 1}},
	}
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if strings.Contains(buf.String(), "null") {
		t.Errorf("Write wrote null:\n%s", buf.String())
	}
	got, err := Read(&buf)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if got.Version != Version {
		t.Errorf("Version = %d, want %d", got.Version, Version)
	}
}

func TestReadNullsGiveUsableReport(t *testing.T) {
	t.Parallel()
	in := `{
		"version": 1,
		"meta": {"scenario": "s", "start": "2025-11-25T21:00:00Z"},
		"clients": {"lost": null},
		"actions": {"look": {"sent": 2, "answered": 2, "failed": null, "ttfb": null, "latency": {}}, "gone": null},
		"phases": null,
		"lag": {"in": null},
		"timeline": [{"t": 0}, {"t": 1, "latency": null}],
		"generator": {}
	}`
	r, err := Read(strings.NewReader(in))
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	for name, h := range allHistograms(t, r) {
		if h == nil {
			t.Errorf("%s is nil", name)
			continue
		}
		_ = h.Summary()
		h.Record(time.Millisecond)
	}
	for _, name := range PhaseNames {
		if r.Phases[name] == nil {
			t.Errorf("phase %q missing", name)
		}
	}
	r.Clients.Lost["x"]++
	r.Actions["look"].Failed["x"]++
	r.Actions["gone"].Failed["x"]++
	r.Action("new").Latency.Record(time.Second)
	r.IntervalAt(3).Latency.Record(time.Second)
	_ = r.Totals()
	_ = r.Check([]Threshold{mustParse(t, "p99(*) < 1s")})
	if _, err := MergeAll(r, r); err != nil {
		t.Errorf("MergeAll: %v", err)
	}
}

func TestReadRejects(t *testing.T) {
	t.Parallel()
	valid := func(edit func(m map[string]any)) string {
		t.Helper()
		var buf bytes.Buffer
		if err := sampleReport(t).Write(&buf); err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		edit(m)
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	action := func(m map[string]any) map[string]any { return m["actions"].(map[string]any)["look"].(map[string]any) }
	tests := []struct {
		name    string
		in      string
		wantErr error
		want    string
	}{
		{"not json", "{", ErrInvalid, "unexpected end"},
		{"no version", `{"meta": {}}`, ErrVersion, "no version"},
		{"future version", `{"version": 5, "meta": {"new": true}}`, ErrVersion, "5, want 1 to 4"},
		{"ancient version", `{"version": 0}`, ErrVersion, "0, want 1 to 4"},
		{"wrong type", `{"version": 1, "clients": {"planned": "many"}}`, ErrInvalid, "planned"},
		{"not accounted", valid(func(m map[string]any) { action(m)["sent"] = 11 }), ErrInvalid, `action "look": 11 sent but 8 answered and 2 failed`},
		{"negative failures", valid(func(m map[string]any) {
			action(m)["failed"] = map[string]any{"timeout": -2}
			action(m)["sent"] = 6
		}), ErrInvalid, `failed for "timeout": negative count -2`},
		{"negative lost", valid(func(m map[string]any) { m["clients"].(map[string]any)["lost"] = map[string]any{"x": -1} }), ErrInvalid, `clients lost for "x"`},
		{"timeline gap", valid(func(m map[string]any) { m["timeline"].([]any)[1].(map[string]any)["t"] = 7 }), ErrInvalid, "timeline entry 1 has second 7"},
		{"negative duration", valid(func(m map[string]any) { m["meta"].(map[string]any)["duration_ns"] = -1 }), ErrInvalid, "negative duration"},
		{"bad histogram", valid(func(m map[string]any) { action(m)["latency"].(map[string]any)["hdr"] = "nope" }), ErrHistogram, "hdr:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := Read(strings.NewReader(tc.in))
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Read() = %v, %v; want %v", r, err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Read() error %q, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestValidateJoinsErrors(t *testing.T) {
	t.Parallel()
	r := sampleReport(t)
	r.Action("look").Sent = 100
	r.Action("login").Sent = 100
	err := r.Validate()
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("Validate() = %v, want ErrInvalid", err)
	}
	for _, want := range []string{`action "look"`, `action "login"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %q, want it to mention %q", err, want)
		}
	}
	if err := sampleReport(t).Validate(); err != nil {
		t.Errorf("Validate() of a good report = %v", err)
	}
}

func TestWriteFileReadFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "report.json")
	r := sampleReport(t)
	if err := r.WriteFile(path); err != nil {
		t.Fatalf("WriteFile: %v", err)
	}
	if err := r.WriteFile(path); err != nil { // overwrite
		t.Fatalf("WriteFile again: %v", err)
	}
	got, err := ReadFile(path)
	if err != nil {
		t.Fatalf("ReadFile: %v", err)
	}
	if diff := cmp.Diff(r, got); diff != "" {
		t.Errorf("ReadFile(WriteFile(r)) differs (-want +got):\n%s", diff)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("directory holds %d files, want only report.json (no temporary files)", len(entries))
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != 0o644 {
		t.Errorf("file mode = %v, want 0644", got)
	}

	if err := r.WriteFile(filepath.Join(dir, "missing", "report.json")); err == nil {
		t.Error("WriteFile into a missing directory succeeded")
	}
	if _, err := ReadFile(filepath.Join(dir, "missing.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ReadFile(missing) = %v, want os.ErrNotExist", err)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"version": 9}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(bad); !errors.Is(err, ErrVersion) || !strings.Contains(err.Error(), bad) {
		t.Errorf("ReadFile(bad) = %v, want ErrVersion naming the file", err)
	}
}

func TestReportClone(t *testing.T) {
	t.Parallel()
	r := sampleReport(t)
	c := r.Clone()
	if diff := cmp.Diff(r, c); diff != "" {
		t.Fatalf("Clone() differs (-want +got):\n%s", diff)
	}
	c.Action("look").Sent++
	c.Action("look").Latency.Record(time.Hour)
	c.Clients.Lost["new"]++
	c.Timeline[0].Latency.Record(time.Hour)
	c.Phase(PhaseConnect).Lost["x"]++
	c.Lag.In.Record(time.Hour)
	c.Generator.Notes[0] = "changed"
	if diff := cmp.Diff(sampleReport(t), r); diff != "" {
		t.Errorf("changing the clone changed the original (-want +got):\n%s", diff)
	}
	if (*Report)(nil).Clone() != nil {
		t.Error("Clone of nil is not nil")
	}
}

func TestCurrentMachine(t *testing.T) {
	t.Parallel()
	m := CurrentMachine()
	if m.OS == "" || m.Arch == "" || m.CPUs < 1 || !strings.HasPrefix(m.GoVersion, "go") {
		t.Errorf("CurrentMachine() = %+v, want OS, Arch, CPUs and GoVersion set", m)
	}
}

// endless is a reader that never ends, counting what is read from it.
type endless struct{ n int64 }

func (e *endless) Read(p []byte) (int, error) {
	clear(p)
	e.n += int64(len(p))
	return len(p), nil
}

// A report larger than the limit is refused without reading past it: a
// file without end (/dev/zero) no longer exhausts memory.
func TestReadIsBounded(t *testing.T) {
	t.Parallel()
	const limit = 1 << 20
	src := &endless{}
	_, err := readLimited(src, limit)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "larger than 1048576 bytes") {
		t.Errorf("readLimited(endless) = %v, want ErrInvalid for the size", err)
	}
	if src.n > 2*limit {
		t.Errorf("read %d bytes of an endless file, want at most about %d", src.n, limit)
	}
	if MaxReportSize < 256<<20 {
		t.Errorf("MaxReportSize %d is below what a day-long run writes", MaxReportSize)
	}
}
