package dummyrunner

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/portalsim/portalsim/internal/faults"
	"github.com/portalsim/portalsim/reports"
)

// faultScenario is a scenario of 30 s with the given faults section.
func faultScenario(faults string) string {
	return "name: f\nclients: 10\nduration: 30s\nfaults:\n" + faults
}

func TestFaultScheduleParses(t *testing.T) {
	t.Parallel()
	pl, err := parsePlan([]byte(faultScenario(`
  - {at: 10s, for: 5s, kind: latency, latency: 200ms, jitter: 50ms, side: link}
  - {at: 1s, kind: latency, jitter: 10ms, direction: from-portal, fraction: 0.25}
  - {at: 2s, for: 3s, kind: bandwidth, bytes_per_second: 2048, direction: to-portal}
  - {at: 3s, kind: fragment}
  - {at: 4s, kind: half-open, fraction: 0.05}
  - {at: 5s, kind: reset, side: link}
  - {at: 6s, for: 2s, kind: cut}
  - {at: 7s, kind: vanish, fraction: 0.1, partial: true}
  - {at: 8s, kind: reconnect-storm, clients: 500, rounds: 3}
  - {at: 0s, for: 20s, kind: slowloris, clients: 50, every: 2s}
  - {at: 12s, for: 2s, kind: server-crash}
  - {at: 16s, for: 3s, kind: server-stall}
  - {at: 25s, kind: server-reload}
`)), "")
	if err != nil {
		t.Fatal(err)
	}
	type view struct {
		Side, Detail string
		Backstage    bool
		Toxic        faults.Toxic
	}
	var got []view
	for i := range pl.sc.Faults {
		f := &pl.sc.Faults[i]
		got = append(got, view{f.sideOf(), f.detail(), f.backstage(), f.toxic()})
	}
	ms := time.Millisecond
	want := []view{
		{reports.SideLink, "200ms ±50ms, both ways, for 5s", true, faults.Toxic{Fraction: 1, Latency: 200 * ms, Jitter: 50 * ms}},
		{reports.SideClient, "0s ±10ms, from the portal, 25% of connections", false, faults.Toxic{Stream: faults.Downstream, Fraction: 0.25, Jitter: 10 * ms}},
		{reports.SideClient, "2048 B/s, to the portal, for 3s", false, faults.Toxic{Stream: faults.Upstream, Fraction: 1, BytesPerSecond: 2048}},
		{reports.SideClient, "1-byte writes, both ways", false, faults.Toxic{Fraction: 1, Fragment: 1}},
		{reports.SideClient, "5% of connections", false, faults.Toxic{Fraction: 0.05, Hold: true}},
		{reports.SideLink, "", true, faults.Toxic{Fraction: 1}},
		{reports.SideClient, "for 2s", false, faults.Toxic{Fraction: 1}},
		{reports.SideClient, "mid-command, 10% of connections", false, faults.Toxic{Fraction: 0.1}},
		{reports.SideClient, "500 clients × 3 rounds", false, faults.Toxic{Fraction: 1}},
		{reports.SideClient, "50 clients, a byte every 2s, for 20s", false, faults.Toxic{Fraction: 1}},
		{reports.SideServer, "for 2s", true, faults.Toxic{Fraction: 1}},
		{reports.SideServer, "for 3s", true, faults.Toxic{Fraction: 1}},
		{reports.SideServer, "", true, faults.Toxic{Fraction: 1}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("faults (-want +got):\n%s", diff)
	}
	if _, err := pl.Scenario().Compile(""); err != nil {
		t.Errorf("a second Compile: %v", err)
	}
}

func TestFaultScheduleProblemsNameTheirField(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, faults string
		want         []string
	}{
		{"unknown kind", `  - {at: 1s, kind: earthquake}`, []string{`faults[0].kind: "earthquake" is not a fault`, "server-crash"}},
		{"no kind", `  - {at: 1s}`, []string{"faults[0].kind: missing"}},
		{"unknown field", `  - {at: 1s, kind: latency, latency: 1s, jiter: 5ms}`, []string{`faults[0]: unknown field "jiter"`}},
		{"field of another kind", `  - {at: 1s, kind: server-crash, latency: 5ms}`, []string{"faults[0].latency: not used by kind server-crash"}},
		{"for on a single act", `  - {at: 1s, kind: reset, for: 2s}`, []string{"faults[0].for: not used by kind reset"}},
		{"negative latency", `  - {at: 1s, kind: latency, latency: -5ms}`, []string{"faults[0].latency: -5ms: want 0s to 1m0s"}},
		{"absurd latency", `  - {at: 1s, kind: latency, latency: 2h}`, []string{"faults[0].latency: 2h0m0s"}},
		{"no latency", `  - {at: 1s, kind: latency}`, []string{"faults[0].latency: missing or 0"}},
		{"negative at", `  - {at: -1s, kind: server-reload}`, []string{"faults[0].at: -1s"}},
		{"at past the end", `  - {at: 30s, kind: server-reload}`, []string{"faults[0].at: 30s"}},
		{"window past the end", `  - {at: 20s, for: 11s, kind: cut}`, []string{"faults[0].for: 11s from 20s passes the end of the run"}},
		{"empty window", `  - {at: 1s, for: 0s, kind: cut}`, []string{"faults[0].for: 0s: want at least 1ms"}},
		{"stall without a window", `  - {at: 1s, kind: server-stall}`, []string{"faults[0].for: missing"}},
		{"fraction 0", `  - {at: 1s, kind: reset, fraction: 0}`, []string{"faults[0].fraction: 0: want above 0"}},
		{"fraction above 1", `  - {at: 1s, kind: reset, fraction: 1.5}`, []string{"faults[0].fraction: 1.5"}},
		{"fraction NaN", `  - {at: 1s, kind: reset, fraction: .nan}`, []string{"faults[0].fraction: NaN"}},
		{"fraction on the link", `  - {at: 1s, kind: reset, side: link, fraction: 0.5}`, []string{"faults[0].fraction: the link is one connection"}},
		{"no bandwidth", `  - {at: 1s, kind: bandwidth}`, []string{"faults[0].bytes_per_second: missing"}},
		{"no bandwidth at all", `  - {at: 1s, kind: bandwidth, bytes_per_second: 0}`, []string{"faults[0].bytes_per_second: 0: want 1 to"}},
		{"fragment too big", `  - {at: 1s, kind: fragment, size: 100000}`, []string{"faults[0].size: 100000"}},
		{"storm without a crowd", `  - {at: 1s, kind: reconnect-storm}`, []string{"faults[0].clients: missing"}},
		{"crowd too big", `  - {at: 1s, kind: slowloris, clients: 20000}`, []string{"faults[0].clients: 20000: want 1 to 10000"}},
		{"too many rounds", `  - {at: 1s, kind: reconnect-storm, clients: 5, rounds: 1000}`, []string{"faults[0].rounds: 1000"}},
		{"slowloris too fast", `  - {at: 1s, kind: slowloris, clients: 5, every: 1ns}`, []string{"faults[0].every: 1ns"}},
		{"bad direction", `  - {at: 1s, kind: fragment, direction: sideways}`, []string{`faults[0].direction: "sideways"`}},
		{"side of a server fault", `  - {at: 1s, kind: server-crash, side: link}`, []string{"faults[0].side: not used by kind server-crash"}},
		{"bad side", `  - {at: 1s, kind: latency, latency: 1ms, side: server}`, []string{`faults[0].side: "server": kind latency acts on client or link`}},
		{"vanish on the link", `  - {at: 1s, kind: vanish, side: link}`, []string{`faults[0].side: "link": kind vanish acts on client`}},
		{"overlapping server faults", "  - {at: 5s, for: 5s, kind: server-crash}\n  - {at: 8s, for: 1s, kind: server-stall}",
			[]string{"faults[1]: server-stall at 8s overlaps faults[0] (server-crash at 5s for 5s)"}},
		{"after what", `  - {at: 1s, after: lunch, kind: server-reload}`, []string{`faults[0].after: "lunch": want logins`}},
		{"a duration as a number", `  - {at: 10, kind: server-reload}`, []string{"cannot unmarshal !!int `10` into time.Duration"}},
		{"a fault that is not a mapping", `  - server-crash`, []string{"a fault is a mapping of its fields"}},
		{"every problem at once", "  - {at: 1s, kind: latency, latency: -1s, fraction: 2}\n  - {at: 1s, kind: nope}",
			[]string{"faults[0].latency", "faults[0].fraction", "faults[1].kind"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := parsePlan([]byte(faultScenario(tc.faults)), "")
			if !errors.Is(err, ErrInvalidScenario) {
				t.Fatalf("got %v, want ErrInvalidScenario", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestAfterLoginsNeedsTheClosedModel(t *testing.T) {
	t.Parallel()
	_, err := parsePlan([]byte("name: o\nmodel: open\nstages: [{duration: 10s, target: 1}]\nfaults:\n  - {at: 1s, after: logins, kind: reset}\n"), "")
	if err == nil || !strings.Contains(err.Error(), "faults[0].after: the open model") {
		t.Errorf("after: logins in the open model: got %v", err)
	}
	pl, err := parsePlan([]byte(faultScenario("  - {at: 1s, after: logins, for: 5s, kind: server-crash}\n  - {at: 3s, for: 5s, kind: server-stall}\n")), "")
	if err != nil {
		t.Fatalf("server faults timed from different moments: %v", err)
	}
	if got := pl.sc.Faults[0].detail(); got != "1s after the logins, for 5s" {
		t.Errorf("detail %q", got)
	}
}

func TestBackstageFaultsNeedTheEmbeddedGame(t *testing.T) {
	t.Parallel()
	for _, f := range []string{
		"  - {at: 1s, kind: server-crash}",
		"  - {at: 1s, kind: latency, latency: 5ms, side: link}",
	} {
		_, err := parsePlan([]byte("target: mud.example.org:4000\n"+faultScenario(f)), "")
		if !errors.Is(err, ErrInvalidScenario) || !strings.Contains(err.Error(), "only the embedded game has: remove the target (-target) or this fault") {
			t.Errorf("%s with a target: got %v, want it refused", f, err)
		}
	}
	if _, err := parsePlan([]byte("target: mud.example.org:4000\n"+faultScenario("  - {at: 1s, kind: reset}")), ""); err != nil {
		t.Errorf("a client-side fault with a target: %v", err)
	}
}

func TestTooManyFaults(t *testing.T) {
	t.Parallel()
	sc, err := ParseScenario([]byte(faultScenario("  - {at: 1s, kind: reset}")))
	if err != nil {
		t.Fatal(err)
	}
	for len(sc.Faults) <= MaxFaults {
		sc.Faults = append(sc.Faults, Fault{At: time.Second, Kind: FaultReset})
	}
	if _, err := sc.Compile(""); err == nil || !strings.Contains(err.Error(), "at most 100") {
		t.Errorf("%d faults: got %v, want them refused", len(sc.Faults), err)
	}
}

func TestFaultsBuiltInGoCompileTwice(t *testing.T) {
	t.Parallel()
	sc, err := ParseScenario([]byte("name: f\nclients: 1\nduration: 10s\n"))
	if err != nil {
		t.Fatal(err)
	}
	sc.Faults = []Fault{{At: time.Second, Kind: FaultReset, Side: reports.SideLink}, {At: 2 * time.Second, Kind: FaultFragment}}
	for range 2 {
		pl, err := sc.Compile("")
		if err != nil {
			t.Fatal(err)
		}
		sc = pl.Scenario()
	}
	sc.Faults = []Fault{{At: time.Second, Kind: FaultServerCrash, Latency: time.Second}}
	if _, err := sc.Compile(""); err == nil || !strings.Contains(err.Error(), "faults[0].latency: not used") {
		t.Errorf("a Go-built fault with a field of another kind: got %v", err)
	}
}
