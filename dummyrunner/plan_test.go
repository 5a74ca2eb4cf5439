package dummyrunner

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// everyField is a scenario that sets every slice and map a Scenario has.
const everyField = `
name: every
transports: {telnet: 2, websocket: 1}
websocket: {url: 'ws://127.0.0.1:4002/'}
seed: 7
clients: 4
duration: 10s
profiles: {looker: 1, normal_builder: 2}
completion: {mode: echo, setup: ['py 1']}
login:
  fail: ['incorrect']
  steps:
    - {send: 'connect {name} {password}', expect: 'Welcome', fail: ['banned']}
checks: {builtin: [sim], fail: ['^There is no'], require: ['.']}
thresholds: ['errors == 0']
events: [{at: 1s, command: 'say hi'}]
faults: [{at: 2s, kind: server-crash}]
`

// TestCompileLeavesTheScenario: Compile works on a copy, and the plan
// shares nothing with the scenario it came from or gives out.
func TestCompileLeavesTheScenario(t *testing.T) {
	t.Parallel()
	sc, err := ParseScenario([]byte(everyField))
	if err != nil {
		t.Fatal(err)
	}
	before := sc.Clone()
	pl, err := sc.Compile("")
	if err != nil {
		t.Fatal(err)
	}
	opts := cmp.Options{cmp.AllowUnexported(Completion{}, Fault{}), cmpopts.EquateEmpty()}
	if diff := cmp.Diff(before, sc, opts); diff != "" {
		t.Errorf("Compile changed its scenario (-before +after):\n%s", diff)
	}
	if sc.Model != "" || pl.sc.Model != ModelClosed {
		t.Errorf("model %q, plan's %q: want the default in the plan only", sc.Model, pl.sc.Model)
	}

	// Changing the scenario afterwards, or the copy the plan gives out,
	// changes nothing in the plan.
	sc.Seed, sc.Transports["telnet"], sc.Login.Steps[0].Fail[0] = 8, 1, "x"
	sc.Checks.Fail[0] = "x"
	got := pl.Scenario()
	got.Clients, got.Profiles["looker"], got.Thresholds[0] = 5, 9, "x"
	got.Events[0].Command = "x"
	for _, s := range []*Scenario{&pl.sc, pl.Scenario()} {
		if s.Seed != 7 || s.Clients != 4 || s.Transports["telnet"] != 2 || s.Profiles["looker"] != 1 ||
			s.Login.Steps[0].Fail[0] != "banned" || s.Checks.Fail[0] != "^There is no" || s.Thresholds[0] != "errors == 0" ||
			s.Events[0].Command != "say hi" {
			t.Errorf("the plan's scenario changed: %+v", s)
		}
	}
	if got, want := pl.TransportShare(TransportTelnet), 2.0/3; got < want-1e-9 || got > want+1e-9 {
		t.Errorf("telnet share %v, want %v", got, want)
	}
}

// TestCloneSharesNothing: every slice and map of a clone has its own
// backing array, so that a plan's copy is its own.
func TestCloneSharesNothing(t *testing.T) {
	t.Parallel()
	sc, err := ParseScenario([]byte(everyField + "stages: [{duration: 1s, target: 1}]\nprofile_files: [a.yaml]\n"))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(path string, a, b reflect.Value)
	walk = func(path string, a, b reflect.Value) {
		switch a.Kind() {
		case reflect.Struct:
			for i := range a.NumField() {
				if f := a.Type().Field(i); f.IsExported() {
					walk(path+"."+f.Name, a.Field(i), b.Field(i))
				}
			}
		case reflect.Slice:
			if a.Len() == 0 {
				t.Errorf("%s is empty: the test scenario should set it", path)
				return
			}
			if a.Pointer() == b.Pointer() {
				t.Errorf("%s is shared by the clone", path)
			}
			for i := range a.Len() {
				walk(path+"[i]", a.Index(i), b.Index(i))
			}
		case reflect.Map:
			if a.Len() == 0 {
				t.Errorf("%s is empty: the test scenario should set it", path)
				return
			}
			if a.Pointer() == b.Pointer() {
				t.Errorf("%s is shared by the clone", path)
			}
		case reflect.Pointer:
			t.Errorf("%s is a pointer: Clone must copy what it points to", path)
		}
	}
	walk("Scenario", reflect.ValueOf(sc).Elem(), reflect.ValueOf(sc.Clone()).Elem())
}

// TestPlanScenarioCompilesToTheSamePlan: the plan's scenario, defaults
// filled, compiles to the same plan (what -procs gives its children).
func TestPlanScenarioCompilesToTheSamePlan(t *testing.T) {
	t.Parallel()
	pl := mustPlan(t, strings.Replace(everyField, "completion: {mode: echo, setup: ['py 1']}", "completion: {mode: quiet}", 1))
	again, err := pl.Scenario().Compile("")
	if err != nil {
		t.Fatal(err)
	}
	type view struct {
		Completion, Transports string
		Actions                []string
		Sessions               int
		Planned                time.Duration
		Thresholds             []string
	}
	of := func(pl *Plan) view {
		var th []string
		for _, x := range pl.Thresholds() {
			th = append(th, x.Expr)
		}
		return view{pl.CompletionLabel(), pl.TransportLabel(), pl.Actions(), pl.Sessions(), pl.PlannedDuration(), th}
	}
	if diff := cmp.Diff(of(pl), of(again)); diff != "" {
		t.Errorf("compiled again (-first +again):\n%s", diff)
	}
	if got := pl.CompletionLabel(); got != "quiet 200ms" {
		t.Errorf("completion %q, want the quiet gap's default", got)
	}
	if !slices.Equal(pl.profileCum, again.profileCum) || !slices.Equal(pl.transportCum, again.transportCum) {
		t.Errorf("weights %v/%v, again %v/%v", pl.profileCum, pl.transportCum, again.profileCum, again.transportCum)
	}
}
