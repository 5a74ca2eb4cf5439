package livemetrics

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/portalsim/portalsim/dummyrunner"
	"github.com/portalsim/portalsim/reports"
)

var info = RunInfo{Scenario: "default", RunID: "0123456789abcdef", Target: "127.0.0.1:4000", Model: "closed",
	Protocol: "telnet", Version: "dev", Seed: 7, Start: time.Unix(1700000000, 0), Planned: 30 * time.Second, Clients: 2, Procs: 1}

// gather collects c and returns each sample as "name{label=value,...}"
// -> value; a histogram gives its _count, _sum and one _bucket per bound.
func gather(t *testing.T, c prometheus.Collector) map[string]float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry() // checks Describe against Collect
	if err := reg.Register(c); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var ls []string
			for _, l := range m.GetLabel() {
				ls = append(ls, l.GetName()+"="+l.GetValue())
			}
			key := func(suffix string, extra ...string) string {
				all := append(slices.Clone(ls), extra...)
				sort.Strings(all)
				return mf.GetName() + suffix + "{" + strings.Join(all, ",") + "}"
			}
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				out[key("")] = m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				out[key("")] = m.GetGauge().GetValue()
			case dto.MetricType_HISTOGRAM:
				h := m.GetHistogram()
				out[key("_count")] = float64(h.GetSampleCount())
				out[key("_sum")] = h.GetSampleSum()
				for _, b := range h.GetBucket() {
					out[key("_bucket", fmt.Sprintf("le=%g", b.GetUpperBound()))] = float64(b.GetCumulativeCount())
				}
			}
		}
	}
	return out
}

// play feeds a small run into rec: two players (ids base+1, base+2), one lost.
func play(rec *Recorder, base int) {
	at := time.Unix(1700000001, 0)
	for _, r := range []dummyrunner.Result{
		{Kind: dummyrunner.KindState, Client: 1, State: dummyrunner.StateConnecting},
		{Kind: dummyrunner.KindState, Client: 2, State: dummyrunner.StateConnecting},
		{Kind: dummyrunner.KindState, Client: 1, State: dummyrunner.StateConnected, Phase: reports.PhaseConnect, Latency: 2 * time.Millisecond},
		{Kind: dummyrunner.KindLost, Client: 2, State: dummyrunner.StateConnecting, Reason: dummyrunner.ReasonDial},
		{Kind: dummyrunner.KindState, Client: 1, State: dummyrunner.StateLoggedIn, Phase: reports.PhaseLoggedIn, Latency: 40 * time.Millisecond},
		{Kind: dummyrunner.KindSent, Client: 1, Action: "look"},
		{Kind: dummyrunner.KindCommand, Client: 1, Action: "look", Latency: time.Millisecond, TTFB: 500 * time.Microsecond},
		{Kind: dummyrunner.KindSent, Client: 1, Action: "look"},
		{Kind: dummyrunner.KindCommand, Client: 1, Action: "look", Latency: 3 * time.Millisecond, TTFB: time.Millisecond, Check: &dummyrunner.CheckOutcome{}},
		{Kind: dummyrunner.KindSent, Client: 1, Action: "look"},
		{Kind: dummyrunner.KindCommand, Client: 1, Action: "look", Reason: dummyrunner.ReasonCheck, Latency: time.Millisecond, Check: &dummyrunner.CheckOutcome{Failed: true, Reason: "fail: ^Huh"}},
		{Kind: dummyrunner.KindSent, Client: 1, Action: "say\xff"},
		{Kind: dummyrunner.KindCommand, Client: 1, Action: "say\xff", Reason: dummyrunner.ReasonTimeout, Latency: time.Minute},
		{Kind: dummyrunner.KindLag, LagIn: time.Millisecond, LagOut: 2 * time.Millisecond, Latency: 3 * time.Millisecond},
		{Kind: dummyrunner.KindLateness, Latency: 100 * time.Microsecond},
		{Kind: dummyrunner.KindFaultStart, Fault: &reports.Fault{Kind: "latency", Side: reports.SideClient}},
		{Kind: dummyrunner.KindFaultStart, Fault: &reports.Fault{Kind: "reset", Side: reports.SideClient}},
		{Kind: dummyrunner.KindFaultEnd, Fault: &reports.Fault{Kind: "reset", Side: reports.SideClient, Error: "boom"}},
	} {
		r.At = at
		if r.Client != 0 {
			r.Client += base
		}
		rec.Result(r)
	}
	rec.Health(dummyrunner.HealthSample{CPU: 0.25, FDs: 12, FDLimit: 1024})
}

func TestRecorderCollector(t *testing.T) {
	t.Parallel()
	rec := NewRecorder()
	play(rec, 0)
	got := gather(t, NewCollector(info, rec))
	want := map[string]float64{
		`portalsim_run_info{model=closed,protocol=telnet,run_id=0123456789abcdef,scenario=default,seed=7,shard=,target=127.0.0.1:4000,version=dev}`: 1,
		`portalsim_run_start_time_seconds{}`:                              1700000000,
		`portalsim_run_planned_duration_seconds{}`:                        30,
		`portalsim_commands_sent_total{action=look}`:                      3,
		`portalsim_commands_answered_total{action=look}`:                  2,
		`portalsim_commands_failed_total{action=look,reason=check}`:       1,
		`portalsim_checks_failed_total{action=look}`:                      1,
		`portalsim_checks_passed_total{action=look}`:                      1, // the first look was not checked
		`portalsim_commands_failed_total{action=say�,reason=timeout}`:     1,
		`portalsim_command_latency_seconds_count{action=look}`:            2,
		`portalsim_command_latency_seconds_bucket{action=look,le=0.001}`:  1, // 1 ms is in the le=0.001 bucket
		`portalsim_command_latency_seconds_bucket{action=look,le=0.0025}`: 1,
		`portalsim_command_latency_seconds_bucket{action=look,le=0.005}`:  2,
		`portalsim_command_ttfb_seconds_bucket{action=look,le=0.0005}`:    1,
		`portalsim_clients{state=logged_in}`:                              1,
		`portalsim_clients{state=connecting}`:                             0,
		`portalsim_clients_started_total{}`:                               2,
		`portalsim_clients_lost_total{reason=dial}`:                       1,
		`portalsim_phase_reached_total{phase=connect}`:                    1,
		`portalsim_phase_reached_total{phase=login_screen}`:               0,
		`portalsim_phase_lost_total{phase=connect,reason=dial}`:           1,
		`portalsim_phase_seconds_count{phase=logged_in}`:                  1,
		`portalsim_lag_seconds_count{direction=out}`:                      1,
		`portalsim_generator_timer_lateness_seconds_count{}`:              1,
		`portalsim_generator_cpu_ratio{proc=0}`:                           0.25,
		`portalsim_generator_open_fds{proc=0}`:                            12,
		`portalsim_faults_active{kind=latency,side=client}`:               1,
		`portalsim_faults_active{kind=reset,side=client}`:                 0,
		`portalsim_fault_errors_total{kind=reset,side=client}`:            1,
	}
	for k, w := range want {
		if g, ok := got[k]; !ok || g != w {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, w)
		}
	}
	if sum := got[`portalsim_command_latency_seconds_sum{action=look}`]; sum < 0.00399 || sum > 0.00401 {
		t.Errorf("latency sum %v, want 0.004", sum)
	}
}

// A child's Snapshot survives JSON, and the Snapshots of the children
// add up to what one process seeing everything would show.
func TestProcsMergeLikeOneProcess(t *testing.T) {
	t.Parallel()
	one := NewRecorder()
	play(one, 0)
	play(one, 2)
	procs := NewProcs(2)
	for i := range 2 {
		rec := NewRecorder()
		play(rec, 2*i)
		b, err := json.Marshal(rec.Snapshot())
		if err != nil {
			t.Fatal(err)
		}
		var s Snapshot
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatal(err)
		}
		procs.Set(i, s)
	}
	mono := infoWith(1)
	got, want := gather(t, NewCollector(infoWith(2), procs)), gather(t, NewCollector(mono, one))
	// The processes' own health is per process; the rest is the same.
	for k := range want {
		if strings.Contains(k, "generator_cpu") || strings.Contains(k, "generator_open_fds") || strings.Contains(k, "generator_fd_limit") || strings.Contains(k, "run_processes") {
			delete(want, k)
			delete(got, k)
		}
	}
	for k := range got {
		if strings.HasPrefix(k, "portalsim_generator_") && strings.Contains(k, "proc=1") {
			delete(got, k)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("two children's metrics differ from one process's (-one +children):\n%s", diff)
	}
}

func infoWith(procs int) RunInfo {
	i := info
	i.Procs = procs
	return i
}

// The handler serves the run's metrics with the Go and process
// collectors, in the text exposition format.
func TestHandler(t *testing.T) {
	t.Parallel()
	rec := NewRecorder()
	play(rec, 0)
	srv := httptest.NewServer(Handler(NewCollector(info, rec)))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"# TYPE portalsim_command_latency_seconds histogram",
		`portalsim_command_latency_seconds_bucket{action="look",le="0.001"} 1`,
		`portalsim_run_info{model="closed"`,
		"go_goroutines ",
		"process_cpu_seconds_total ",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics has no %q:\n%s", want, body)
		}
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q", ct)
	}
}
