package dummyrunner

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/telnet"
	"github.com/portalsim/portalsim/reports"
)

func TestNewRunnerNeedsATarget(t *testing.T) {
	t.Parallel()
	pl := mustPlan(t, "clients: 1\nduration: 1s\nnames: seed")
	if _, err := NewRunner(pl, Options{}); !errors.Is(err, ErrInvalidScenario) {
		t.Errorf("NewRunner without a target: %v, want ErrInvalidScenario", err)
	}
	r, err := NewRunner(pl, Options{Target: "127.0.0.1:4000"})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Target(); got != "127.0.0.1:4000" {
		t.Errorf("Target() = %q", got)
	}
	// The names and password come from the seed: the same in every run with it.
	r2, _ := NewRunner(pl, Options{Target: "127.0.0.1:4000"})
	if r.prefix != r2.prefix || r.password != r2.password || len(r.password) != 20 {
		t.Errorf("prefix/password %q/%q and %q/%q: want the same 20-character password for one seed", r.prefix, r.password, r2.prefix, r2.password)
	}
	pl3 := recompile(t, pl, func(sc *Scenario) { sc.Seed++ })
	r3, _ := NewRunner(pl3, Options{Target: "127.0.0.1:4000"})
	if r3.prefix == r.prefix || r3.password == r.password {
		t.Errorf("seeds %d and %d give the same prefix %q or password", pl.sc.Seed, pl3.sc.Seed, r.prefix)
	}
}

// TestRunnerShard runs a slice of the players (--procs, --shard) against
// an address where nothing listens, which loses each at once.
func TestRunnerShard(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		yaml string
		opts Options
		want []int
	}{
		{"closed, all", "clients: 3\nduration: 200ms", Options{}, []int{0, 1, 2}},
		{"closed, a shard", "clients: 6\nduration: 200ms", Options{First: 2, Count: 3}, []int{2, 3, 4}},
		{"closed, from First to the end", "clients: 4\nduration: 200ms", Options{First: 3}, []int{3}},
		// 0 to 60/s over 200ms: 6 arrivals; this shard runs the 2nd and 3rd.
		{"open, a shard", "model: open\nstages: [{duration: 200ms, target: 60}]", Options{First: 1, Count: 2}, []int{1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pl := mustPlan(t, tt.yaml)
			out := runScenario(t, pl, deadAddr(t), runOpts{opts: tt.opts})
			var got []int
			for _, r := range out.results {
				if r.Kind == KindLost {
					got = append(got, r.Client)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("players lost: %v, want %v", got, tt.want)
			}
		})
	}
}

// commandLists returns each client's commands, in send order, with any
// send-time timestamp masked.
func commandLists(lines []schedLine) map[int][]string {
	stamp := regexp.MustCompile(`\b\d{9,}\.\d+\b`)
	m := map[int][]string{}
	for _, l := range lines {
		m[l.Client] = append(m[l.Client], stamp.ReplaceAllString(l.Command, TimestampMark))
	}
	return m
}

// actionLists returns each client's actions, one entry per command.
func actionLists(lines []schedLine) map[int][]string {
	m := map[int][]string{}
	for _, l := range lines {
		m[l.Client] = append(m[l.Client], l.Action)
	}
	return m
}

// TestSeedReproducesCommands runs a scenario twice with one seed, in a
// synctest bubble against a game in memory (time is fake, so the load on
// the machine changes nothing): the same seed sends the same commands per
// client, in both models. A third run with another seed picks other
// actions.
func TestSeedReproducesCommands(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		yaml    string
		seeds   []int64
		clients int
	}{
		{"closed", `
name: seeds
names: seed
clients: 4
duration: 1200ms
seed: %d
profiles: {heavy_builder: 1}
pacing: {timestep: 50ms, chance_of_action: 1}
logout_grace: 2s
`, []int64{5, 5, 6}, 4},
		// 0 to 10/s over 400ms, down to 0 over 200ms: 3 sessions; then 600ms to finish.
		{"open", `
name: seeds
names: seed
model: open
seed: %d
stages: [{duration: 400ms, target: 10}, {duration: 200ms, target: 0}, {duration: 600ms, target: 0}]
session: {actions: 12, think: 10ms}
profiles: {heavy_builder: 1}
logout_grace: 2s
`, []int64{5, 5}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			outs := make([]runResult, len(tt.seeds))
			t.Run("runs", func(t *testing.T) {
				for i, seed := range tt.seeds {
					t.Run(fmt.Sprint(i), func(t *testing.T) {
						t.Parallel()
						inBubble(t, func(t *testing.T) {
							out := runMem(t, mustPlan(t, fmt.Sprintf(tt.yaml, seed)), instant())
							outs[i] = runResult{sched: out.sched, rep: out.rep}
						})
					})
				}
			})
			if t.Failed() {
				return
			}
			for i, o := range outs {
				if o.rep.Clients.LostTotal() != 0 || o.rep.Clients.Finished == 0 {
					t.Fatalf("run %d: clients %+v, want all finished", i, o.rep.Clients)
				}
			}
			a, b := commandLists(outs[0].sched), commandLists(outs[1].sched)
			if len(a) != tt.clients || !slices.Equal(slices.Sorted(maps.Keys(a)), slices.Sorted(maps.Keys(b))) {
				t.Fatalf("clients %v and %v", slices.Sorted(maps.Keys(a)), slices.Sorted(maps.Keys(b)))
			}
			for c := range a {
				x, y := a[c], b[c]
				if len(x) < 15 {
					t.Errorf("client %d sent %d commands: want at least 15", c, len(x))
				}
				if !slices.Equal(x, y) {
					t.Errorf("client %d, same seed, different commands:\n  %q\n  %q", c, x, y)
				}
			}
			if len(outs) < 3 {
				return
			}
			// Another seed: other names (trivially), and other actions.
			acts, other := actionLists(outs[0].sched), actionLists(outs[2].sched)
			differ := 0
			for c := range acts {
				n := min(len(acts[c]), len(other[c]))
				if !slices.Equal(acts[c][:n], other[c][:n]) {
					differ++
				}
			}
			if differ == 0 {
				t.Error("seeds 5 and 6 picked the same actions for every client")
			}
			if slices.Equal(commandLists(outs[2].sched)[0], a[0]) {
				t.Error("seeds 5 and 6 sent the same commands")
			}
		})
	}
}

// phaseCounts returns the phases' reached counts in order.
func phaseCounts(rep *reports.Report) []int64 {
	var out []int64
	for _, name := range reports.PhaseNames {
		out = append(out, rep.Phase(name).Reached)
	}
	return out
}

func TestLostAtDial(t *testing.T) {
	t.Parallel()
	pl := mustPlan(t, "name: dial\nclients: 3\nduration: 300ms\nconnect_timeout: 1s")
	out := runScenario(t, pl, deadAddr(t), runOpts{})
	rep := out.rep
	tests := []struct {
		what      string
		got, want any
	}{
		{"Clients.Lost", fmt.Sprint(rep.Clients.Lost), fmt.Sprint(map[string]int64{ReasonDial: 3})},
		{"Clients.Started", rep.Clients.Started, int64(3)},
		{"Clients.Finished", rep.Clients.Finished, int64(0)},
		{"connect phase lost", fmt.Sprint(rep.Phase(reports.PhaseConnect).Lost), fmt.Sprint(map[string]int64{ReasonDial: 3})},
		{"phases reached", fmt.Sprint(phaseCounts(rep)), "[0 0 0 0]"},
		{"later phases lost", len(rep.Phase(reports.PhaseLoginScreen).Lost) + len(rep.Phase(reports.PhaseLoggedIn).Lost), 0},
		{"actions", len(rep.Actions), 0},
		{"valid", rep.Meta.Valid, true},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %v, want %v", tt.what, tt.got, tt.want)
		}
	}
}

func TestLostWithoutLoginScreen(t *testing.T) {
	t.Parallel()
	st := startStack(t, true) // a portal with no game server: it accepts, but no login screen comes
	pl := mustPlan(t, "name: noscreen\nclients: 3\nduration: 700ms\nconnect_timeout: 500ms")
	out := runScenario(t, pl, st.TelnetAddr(), runOpts{})
	rep := out.rep
	tests := []struct {
		what      string
		got, want any
	}{
		{"Clients.Lost", fmt.Sprint(rep.Clients.Lost), fmt.Sprint(map[string]int64{ReasonNoLogin: 3})},
		{"Clients.Started", rep.Clients.Started, int64(3)},
		{"connect reached", rep.Phase(reports.PhaseConnect).Reached, int64(3)},
		{"login_screen lost", fmt.Sprint(rep.Phase(reports.PhaseLoginScreen).Lost), fmt.Sprint(map[string]int64{ReasonNoLogin: 3})},
		{"login_screen reached", rep.Phase(reports.PhaseLoginScreen).Reached, int64(0)},
		{"connect lost", len(rep.Phase(reports.PhaseConnect).Lost), 0},
		{"valid", rep.Meta.Valid, true},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %v, want %v", tt.what, tt.got, tt.want)
		}
	}
	// Lost after the connect timeout, not at once.
	for _, r := range out.results {
		if r.Kind == KindLost {
			if d := r.At.Sub(out.start); d < 500*time.Millisecond {
				t.Errorf("client %d lost after %v, before the 500ms connect timeout", r.Client, d)
			}
		}
	}
}

func TestNormalRunAccounting(t *testing.T) {
	t.Parallel()
	st := startStack(t, false)
	pl := mustPlan(t, `
name: normal
clients: 5
duration: 1500ms
seed: 3
profiles: {looker: 1, normal_player: 1}
pacing: {timestep: 50ms, chance_of_action: 1}
logout_grace: 2s
`)
	out := runScenario(t, pl, st.TelnetAddr(), runOpts{})
	rep := out.rep
	checkAccounted(t, rep)
	if got, want := fmt.Sprint(phaseCounts(rep)), "[5 5 5 5]"; got != want {
		t.Errorf("phases %v reached %s, want %s", reports.PhaseNames, got, want)
	}
	c := rep.Clients
	if c.Started != 5 || c.LoggedIn != 5 || c.Finished != 5 || c.LostTotal() != 0 {
		t.Errorf("clients = %+v, want 5 started, logged in and finished", c)
	}
	if rep.Meta.Interrupted {
		t.Error("a run that reached its planned end is flagged interrupted")
	}
	if !rep.Meta.Valid {
		t.Errorf("report invalid: %v", rep.Meta.InvalidReasons)
	}
	if err := rep.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	for _, name := range []string{"login", "logout", "measure_lag"} {
		if a := rep.Actions[name]; a == nil || a.Answered == 0 {
			t.Errorf("action %s: %+v, want answered commands", name, a)
		}
	}
	if a := rep.Actions["login"]; a != nil && a.Sent != 5*6 {
		t.Errorf("login sent %d commands, want 5 players × 6", a.Sent)
	}
	if a := rep.Actions["logout"]; a != nil && a.Answered != 5 {
		t.Errorf("logout answered %d, want 5", a.Answered)
	}
	// The echo probes came back: the lag split is measured.
	if rep.Lag.Total.Count() == 0 || rep.Lag.Total.Count() != rep.Lag.In.Count() {
		t.Errorf("lag: total %d, in %d samples; want the same positive number", rep.Lag.Total.Count(), rep.Lag.In.Count())
	}
	// Per command TTFB <= latency, so per quantile too.
	for name, a := range rep.Actions {
		for _, q := range []float64{0.5, 0.9, 1} {
			if tf, l := a.TTFB.Quantile(q), a.Latency.Quantile(q); tf > l {
				t.Errorf("%s: TTFB q%v %v > latency %v", name, q, tf, l)
			}
		}
		if a.Corrected.Count() != 0 {
			t.Errorf("%s: %d corrected latencies in the closed model", name, a.Corrected.Count())
		}
	}
	// The schedule has one line per command sent, and so has the timeline.
	tot := rep.Totals()
	var ivSent int64
	for _, iv := range rep.Timeline {
		ivSent += iv.Sent
	}
	if int64(len(out.sched)) != tot.Sent || ivSent != tot.Sent {
		t.Errorf("schedule %d lines, timeline %d sent, actions %d sent: want equal", len(out.sched), ivSent, tot.Sent)
	}
	if n := len(rep.Timeline); n < 2 || n > 4 {
		t.Errorf("timeline of %d seconds for a 1.5s run", n)
	}
	if s := out.snapshot; s.Finished != 5 || s.Lost != 0 || s.LoggedIn != 0 || s.Connecting != 0 {
		t.Errorf("final snapshot %+v: want 5 finished and nobody left", s)
	}
}

// TestCancelMidway cancels the run's context (Ctrl-C) once every player
// is logged in: the run returns within the logout grace, every player
// logs out, and the report still accounts for every command and client.
func TestCancelMidway(t *testing.T) {
	t.Parallel()
	st := startStack(t, false)
	pl := mustPlan(t, `
name: cancel
clients: 4
duration: 30s
seed: 4
profiles: {looker: 1}
pacing: {timestep: 50ms, chance_of_action: 1}
logout_grace: 2s
`)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var cancelled time.Time
	loggedIn := 0
	out := runScenario(t, pl, st.TelnetAddr(), runOpts{ctx: ctx, onResult: func(r Result) {
		if r.Kind == KindState && r.Phase == "logged_in" {
			if loggedIn++; loggedIn == 4 {
				cancelled = time.Now()
				cancel()
			}
		}
	}})
	if cancelled.IsZero() {
		t.Fatalf("only %d players logged in", loggedIn)
	}
	if d := out.end.Sub(cancelled); d > pl.sc.LogoutGrace+time.Second {
		t.Errorf("Run returned %v after the cancel, want within the %v logout grace", d, pl.sc.LogoutGrace)
	}
	rep := out.rep
	checkAccounted(t, rep)
	c := rep.Clients
	if c.Started != c.Finished+c.LostTotal() {
		t.Errorf("clients %+v: started != finished + lost", c)
	}
	if c.Finished != 4 {
		t.Errorf("%d players finished, want 4 (lost: %v)", c.Finished, c.Lost)
	}
	if !rep.Meta.Interrupted {
		t.Error("a run cancelled before its planned end is not flagged interrupted")
	}
	if a := rep.Actions["logout"]; a == nil || a.Sent != 4 || a.Answered != 4 {
		t.Errorf("logout %+v, want 4 sent and answered", a)
	}
	if !rep.Meta.Valid {
		t.Errorf("report invalid: %v", rep.Meta.InvalidReasons)
	}
}

// TestCancelDuringRampUp cancels the run while players are still waiting
// for their ramp-up slot: they never began connecting, yet are reported
// lost, so Started != Finished + Lost.
func TestCancelDuringRampUp(t *testing.T) {
	t.Parallel()
	st := startStack(t, false)
	pl := mustPlan(t, `
name: rampup
clients: 3
ramp_up: 3s
duration: 30s
profiles: {looker: 1}
pacing: {timestep: 50ms, chance_of_action: 1}
logout_grace: 2s
`)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out := runScenario(t, pl, st.TelnetAddr(), runOpts{ctx: ctx, onResult: func(r Result) {
		if r.Kind == KindState && r.Phase == "logged_in" {
			cancel() // the first player is in; the others wait 1s and 2s
		}
	}})
	c := out.rep.Clients
	if c.Started != c.Finished+c.LostTotal() {
		t.Errorf("clients %+v: started %d != finished %d + lost %d", c, c.Started, c.Finished, c.LostTotal())
	}
	if got := out.rep.Phase(reports.PhaseConnect); got.Reached+sumLost(got.Lost) != c.Started {
		t.Errorf("connect phase reached %d + lost %v, but %d started", got.Reached, got.Lost, c.Started)
	}
}

func sumLost(m map[string]int64) (n int64) {
	for _, v := range m {
		n += v
	}
	return n
}

// TestEchoCompletionAccounting runs with completion: echo (a probe after
// every command marks its end). The probe that stands for the login
// screen is reported sent (as action "login_screen") but never answered
// or failed, so the report is marked invalid.
func TestEchoCompletionAccounting(t *testing.T) {
	t.Parallel()
	st := startStack(t, false)
	pl := mustPlan(t, `
name: echo
clients: 2
duration: 1s
completion: echo
profiles: {looker: 1}
pacing: {timestep: 50ms, chance_of_action: 1}
logout_grace: 2s
`)
	out := runScenario(t, pl, st.TelnetAddr(), runOpts{})
	rep := out.rep
	checkAccounted(t, rep)
	if !rep.Meta.Valid {
		t.Errorf("report invalid: %v", rep.Meta.InvalidReasons)
	}
	if got := fmt.Sprint(phaseCounts(rep)); got != "[2 2 2 2]" {
		t.Errorf("phases reached %s, want all 2", got)
	}
	if a := rep.Actions["looks"]; a == nil || a.Answered == 0 {
		t.Errorf("looks %+v: want answered commands", a)
	}
	if _, ok := rep.Actions["login_screen"]; ok {
		t.Error(`the login-screen probe is reported as an action "login_screen"`)
	}
}

// fakeMUD is a minimal line-based telnet server: it sends a login screen
// ending in IAC GA, answers each line with handle's reply and IAC GA, and
// closes the connection when handle says so.
func fakeMUD(t *testing.T, handle func(line string) (reply string, quit bool)) string {
	t.Helper()
	ga := []byte{telnet.IAC, telnet.GA}
	return serveFake(t, func(c net.Conn, rd *bufio.Reader) {
		_, _ = c.Write(append([]byte("Welcome to the fake MUD.\r\n"), ga...))
		for {
			line, err := rd.ReadString('\n')
			if err != nil {
				return
			}
			reply, quit := handle(strings.TrimRight(line, "\r\n"))
			if _, err := c.Write(append([]byte(reply+"\r\n"), ga...)); err != nil || quit {
				return
			}
		}
	})
}

// TestLogoutWhileLoggingIn ends the run while a player's login is under
// way: the command in flight is answered during the logout grace, the
// player logs out, and nothing is reported as a failed login.
func TestLogoutWhileLoggingIn(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	addr := fakeMUD(t, func(line string) (string, bool) {
		switch {
		case strings.HasPrefix(line, "create "):
			// End the run while this command is in flight, and answer it
			// only once the player has seen the end. No event tells when
			// it has, so wait a while: the bug shows if it has by then.
			cancel()
			time.Sleep(200 * time.Millisecond)
			return "Account created.", false
		case strings.HasPrefix(line, "connect "):
			return "You become " + strings.Fields(line)[1] + ".", false
		case line == "quit":
			return "Goodbye.", true
		}
		return "Huh?", false
	})
	pl := mustPlan(t, `
name: leaving
clients: 1
duration: 30s
profiles: {looker: 1}
pacing: {timestep: 50ms, chance_of_action: 1}
logout_grace: 2s
`)
	out := runScenario(t, pl, addr, runOpts{ctx: ctx})
	rep := out.rep
	checkAccounted(t, rep)
	if c := rep.Clients; c.LostTotal() != 0 || c.Finished != 1 {
		t.Errorf("clients %+v: want the player finished, none lost", c)
	}
	if a := rep.Actions["login"]; a == nil || a.Answered != 1 || a.FailedTotal() != 0 {
		t.Errorf("login %+v: want the create answered", a)
	}
}

// TestLastArrivalAtTheEnd: an arrival falling exactly at the end of the
// run (arrival k comes when the arrival integral reaches k) would race
// the run's deadline and be lost at connect, as "dial" or "aborted",
// against a healthy target. In a synctest bubble the deadline and such an
// arrival fire at the same instant, and which goes first is a coin toss
// in each run: eight runs catch it with a chance of 255 in 256, and no
// load on the machine delays an earlier arrival's connect past the end.
func TestLastArrivalAtTheEnd(t *testing.T) {
	t.Parallel()
	// 0 to 4/s over 1s: the integral 2t² is 0 at 0s, 1 at 0.71s and 2 at
	// 1s, the end, where no arrival may fall: two arrivals.
	pl := mustPlan(t, `
name: last-arrival
model: open
stages: [{duration: 1s, target: 4}]
session: {profile: looker, actions: 1, think: 10ms}
logout_grace: 2s
`)
	for i := range 8 {
		pl := recompile(t, pl, func(sc *Scenario) { sc.Seed = int64(i) })
		inBubble(t, func(t *testing.T) {
			out := runMem(t, pl, instant())
			if ph := out.rep.Phase(reports.PhaseConnect); len(ph.Lost) > 0 {
				t.Errorf("run %d: sessions lost at connect against a healthy target: %v", i, ph.Lost)
			}
			if c := out.rep.Clients; c.Started != 2 || c.Finished != 2 {
				t.Errorf("run %d: clients %+v, want the two arrivals before the end, finished", i, c)
			}
		})
	}
}
