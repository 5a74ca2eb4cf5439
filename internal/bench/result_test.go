package bench

import (
	"bytes"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestRatios(t *testing.T) {
	t.Parallel()
	rows := []Row{
		{Target: "portal", Figures: Figures{P50: 2 * time.Millisecond, P90: 3 * time.Millisecond, P99: 8 * time.Millisecond, P999: 10 * time.Millisecond,
			Throughput: 150}, HasCPU: true, CPUPerRoundTrip: 30 * time.Microsecond},
		{Target: "floor", Figures: Figures{P50: time.Millisecond, P90: 2 * time.Millisecond, P99: 4 * time.Millisecond, P999: 0,
			Throughput: 200}, HasCPU: true, CPUPerRoundTrip: 10 * time.Microsecond},
		{Target: "127.0.0.1:4000", Figures: Figures{P50: 50 * time.Millisecond, Throughput: 100}},
	}
	got := Ratios(rows, "floor")
	want := []Ratio{
		{Target: "portal", Against: "floor", P50: 2, P90: 1.5, P99: 2, P999: 0, Throughput: 0.75, CPUPerRoundTrip: 3},
		{Target: "127.0.0.1:4000", Against: "floor", P50: 50, Throughput: 0.5}, // no CPU figure: no CPU ratio
	}
	if len(got) != len(want) {
		t.Fatalf("got %d ratios, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		for _, f := range []struct {
			name string
			g, w float64
		}{{"p50", g.P50, w.P50}, {"p90", g.P90, w.P90}, {"p99", g.P99, w.P99}, {"p99.9", g.P999, w.P999},
			{"throughput", g.Throughput, w.Throughput}, {"cpu", g.CPUPerRoundTrip, w.CPUPerRoundTrip}} {
			if math.Abs(f.g-f.w) > 1e-9 {
				t.Errorf("%s/%s %s = %v, want %v", g.Target, g.Against, f.name, f.g, f.w)
			}
		}
		if g.Target != w.Target || g.Against != w.Against {
			t.Errorf("ratio %d is %s/%s, want %s/%s", i, g.Target, g.Against, w.Target, w.Against)
		}
	}
	if r := Ratios(rows[:1], "floor"); r != nil {
		t.Errorf("ratios without a floor row: %+v, want none", r)
	}
}

func TestRowLost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		row  Row
		want bool
	}{
		{"all in, nothing lost", Row{Figures: Figures{Players: 3, LoggedIn: 3}}, false},
		{"a lost player", Row{Figures: Figures{Players: 3, LoggedIn: 3, LostPlayers: 1}}, true},
		{"a failed probe", Row{Figures: Figures{Players: 3, LoggedIn: 3, FailedCommands: 1}}, true},
		{"not all logged in", Row{Figures: Figures{Players: 3, LoggedIn: 2}}, true},
		{"skipped: not run, nothing lost", Row{Figures: Figures{Players: 0}, Skipped: "no websocket door"}, false},
	}
	for _, tt := range tests {
		if got := tt.row.Lost(); got != tt.want {
			t.Errorf("%s: Lost() = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// The table and the JSON of a fixed result, against golden files
// (go test ./internal/bench -update rewrites them).
func TestResultOutput(t *testing.T) {
	t.Parallel()
	res := &Result{Players: 200, Rate: 1, Duration: 30 * time.Second, Seed: 1, Transports: []string{TransportTelnet}, Start: time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC), Machine: "linux/amd64, 2 CPUs",
		Rows: []Row{
			{Target: "floor", Transport: TransportTelnet, Processes: []namedPID{{"relay", 10}, {"echo", 11}}, Window: 29 * time.Second, Figures: Figures{RoundTrips: 5800, Throughput: 200,
				P50: 130 * time.Microsecond, P90: 200 * time.Microsecond, P99: 280 * time.Microsecond, P999: 900 * time.Microsecond,
				LoggedIn: 200, Players: 200}, CPU: 420 * time.Millisecond, CPUPerRoundTrip: 72 * time.Microsecond, HasCPU: true, Valid: true},
			{Target: "portal", Transport: TransportTelnet, Processes: []namedPID{{"portal", 20}, {"server", 21}}, Window: 28 * time.Second, Figures: Figures{RoundTrips: 5600, Throughput: 200,
				P50: 260 * time.Microsecond, P90: 400 * time.Microsecond, P99: 580 * time.Microsecond, P999: 2 * time.Millisecond,
				LoggedIn: 200, Players: 200}, CPU: 1320 * time.Millisecond, CPUPerRoundTrip: 235 * time.Microsecond, HasCPU: true, Valid: true,
				Usage: []ProcessUsage{{Name: "portal", PID: 20, CPU: 700 * time.Millisecond, RSS: 24 << 20, RSSPerPlayer: 24 << 20 / 200},
					{Name: "server", PID: 21, CPU: 620 * time.Millisecond, RSS: 9 << 20, RSSPerPlayer: 9 << 20 / 200}}},
			{Target: "evennia", Transport: TransportTelnet, Window: 20 * time.Second, Figures: Figures{RoundTrips: 3000, Throughput: 150,
				P50: 31600 * time.Microsecond, P90: 50 * time.Millisecond, P99: 76 * time.Millisecond, P999: 120 * time.Millisecond,
				LoggedIn: 199, Players: 200, LostPlayers: 1, FailedCommands: 3}, Valid: false, InvalidReasons: []string{"generator CPU saturated"}},
		}}
	res.Ratios = Ratios(res.Rows, TargetFloor)
	checkGolden(t, res, "table.golden", "result.json.golden")
}

// checkGolden checks res's table and JSON against the golden files
// (go test ./internal/bench -update rewrites them).
func checkGolden(t *testing.T, res *Result, table, js string) {
	t.Helper()
	for _, f := range []struct {
		file  string
		write func(*bytes.Buffer) error
	}{
		{table, func(b *bytes.Buffer) error { return res.WriteTable(b) }},
		{js, func(b *bytes.Buffer) error { return res.WriteJSON(b) }},
	} {
		var b bytes.Buffer
		if err := f.write(&b); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", f.file)
		if *update {
			if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test ./internal/bench -update writes it)", err)
		}
		if !bytes.Equal(b.Bytes(), want) {
			t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", f.file, b.String(), want)
		}
	}
}

// Over several transports, each target's ratios are against the floor of
// the same transport, a mixed row's transports against the floor's same
// transport in its mixed pass; a skipped row has none, and a pass
// without a floor row neither.
func TestRatiosPerTransport(t *testing.T) {
	t.Parallel()
	ms := func(n float64) time.Duration { return time.Duration(n * float64(time.Millisecond)) }
	rows := []Row{
		{Target: "floor", Transport: TransportTelnet, Figures: Figures{P50: ms(1), Throughput: 100}},
		{Target: "portal", Transport: TransportTelnet, Figures: Figures{P50: ms(2), Throughput: 100}},
		{Target: "floor", Transport: TransportWebsocket, Figures: Figures{P50: ms(4), Throughput: 100}},
		{Target: "portal", Transport: TransportWebsocket, Figures: Figures{P50: ms(6), Throughput: 50}},
		{Target: "127.0.0.1:4000", Transport: TransportWebsocket, Skipped: "no websocket door"},
		{Target: "floor", Transport: TransportMixed, Figures: Figures{P50: ms(2), Throughput: 100}, Transports: []TransportRow{
			{Transport: "telnet", Figures: Figures{P50: ms(1), Throughput: 50}}, {Transport: "websocket", Figures: Figures{P50: ms(4), Throughput: 50}}}},
		{Target: "portal", Transport: TransportMixed, Figures: Figures{P50: ms(3), Throughput: 100}, Transports: []TransportRow{
			{Transport: "telnet", Figures: Figures{P50: ms(2), Throughput: 50}}, {Transport: "websocket", Figures: Figures{P50: ms(8), Throughput: 50}}}},
		{Target: "portal", Transport: "other", Figures: Figures{P50: ms(1)}}, // no floor over it
	}
	type key struct{ target, transport, split string }
	got := map[key][2]float64{}
	for _, r := range Ratios(rows, TargetFloor) {
		k := key{r.Target, r.Transport, r.Split}
		if _, dup := got[k]; dup {
			t.Errorf("ratio %v twice", k)
		}
		got[k] = [2]float64{r.P50, r.Throughput}
	}
	want := map[key][2]float64{
		{"portal", "telnet", ""}:         {2, 1},
		{"portal", "websocket", ""}:      {1.5, 0.5},
		{"portal", "mixed", ""}:          {1.5, 1},
		{"portal", "mixed", "telnet"}:    {2, 1},
		{"portal", "mixed", "websocket"}: {2, 1},
	}
	if len(got) != len(want) {
		t.Errorf("got ratios %v, want %v", got, want)
	}
	for k, w := range want {
		if g, ok := got[k]; !ok || math.Abs(g[0]-w[0]) > 1e-9 || math.Abs(g[1]-w[1]) > 1e-9 {
			t.Errorf("%v: p50 and throughput ratios %v, want %v", k, g, w)
		}
	}
}

// The table and the JSON of a run over telnet, websocket and mixed: a
// transport column, the mixed rows split, the skipped target said so.
func TestResultOutputTransports(t *testing.T) {
	t.Parallel()
	ms := func(n float64) time.Duration { return time.Duration(n * float64(time.Millisecond)) }
	row := func(target, transport string, p50 float64, cpu time.Duration) Row {
		return Row{Target: target, Transport: transport, Window: 10 * time.Second, Figures: Figures{RoundTrips: 1000, Throughput: 100,
			P50: ms(p50), P90: ms(2 * p50), P99: ms(3 * p50), P999: ms(4 * p50), LoggedIn: 100, Players: 100},
			CPU: 1000 * cpu, CPUPerRoundTrip: cpu, HasCPU: true, Valid: true}
	}
	split := func(r Row, tel, ws float64, wsLost int64) Row {
		r.Transports = []TransportRow{
			{Transport: "telnet", Figures: Figures{RoundTrips: 500, Throughput: 50, P50: ms(tel), P90: ms(2 * tel), P99: ms(3 * tel), P999: ms(4 * tel), LoggedIn: 50, Players: 50}},
			{Transport: "websocket", Figures: Figures{RoundTrips: 500, Throughput: 50, P50: ms(ws), P90: ms(2 * ws), P99: ms(3 * ws), P999: ms(4 * ws), LoggedIn: 50 - int(wsLost), Players: 50, LostPlayers: wsLost}},
		}
		r.LoggedIn -= int(wsLost)
		r.LostPlayers += wsLost
		return r
	}
	res := &Result{Players: 100, Rate: 1, Duration: 12 * time.Second, Seed: 1, Transports: []string{TransportTelnet, TransportWebsocket, TransportMixed},
		Start: time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC), Machine: "linux/amd64, 2 CPUs",
		Rows: []Row{
			row("floor", TransportTelnet, 0.1, 50*time.Microsecond),
			row("portal", TransportTelnet, 0.2, 150*time.Microsecond),
			{Target: "127.0.0.1:4000", Transport: TransportTelnet, Window: 10 * time.Second, Figures: Figures{RoundTrips: 1000, Throughput: 100, P50: ms(0.5), LoggedIn: 100, Players: 100}, Valid: true},
			row("floor", TransportWebsocket, 0.2, 80*time.Microsecond),
			row("portal", TransportWebsocket, 0.3, 200*time.Microsecond),
			{Target: "127.0.0.1:4000", Transport: TransportWebsocket, Skipped: "no websocket door known (give it with -target-websocket ws://HOST:PORT/)"},
			split(row("floor", TransportMixed, 0.15, 65*time.Microsecond), 0.1, 0.2, 0),
			split(row("portal", TransportMixed, 0.25, 175*time.Microsecond), 0.2, 0.3, 1),
			{Target: "127.0.0.1:4000", Transport: TransportMixed, Skipped: "no websocket door known (give it with -target-websocket ws://HOST:PORT/)"},
		}}
	res.Ratios = Ratios(res.Rows, TargetFloor)
	checkGolden(t, res, "table_transports.golden", "result_transports.json.golden")
}
