package dummyrunner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// writeFiles writes name -> content into a new temporary directory and
// returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// scenarioIn parses a scenario as if it were a file in dir.
func scenarioIn(t *testing.T, dir, yaml string) *Plan {
	t.Helper()
	pl, err := parsePlan([]byte(yaml), dir)
	if err != nil {
		t.Fatalf("compile: %v\n%s", err, yaml)
	}
	return pl
}

// lockedBuffer is a log destination the players write to concurrently.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// mixProfile is a profile of a look and a say, for the fake games.
const mixProfile = `
name: mix
actions:
  - {action: looks, weight: 1, commands: ['look']}
  - {action: says, weight: 1, commands: ['say hello {n}']}
`

// TestTinyMUXLike runs a whole scenario against a TinyMUX-like game:
// pre-created accounts from a CSV file, a login script (the dashes of
// the login screen, connect, then "@@" whose end marker proves the
// login), marker completion. Every player logs in, looks and says are
// answered, the markers are unique per connection, the unrelated line
// before a say is not its output, and no password reaches the schedule
// or the report.
func TestTinyMUXLike(t *testing.T) {
	t.Parallel()
	g := &fakeGame{accounts: map[string]string{}}
	var csv strings.Builder
	csv.WriteString("name,password\n")
	for i := range 3 {
		name, pw := fmt.Sprintf("Acct%d", i), fmt.Sprintf("Sekr1t-%d", i)
		g.accounts[name] = pw
		fmt.Fprintf(&csv, "%s,%s\n", name, pw)
	}
	dir := writeFiles(t, map[string]string{"accounts.csv": csv.String(), "mix.yaml": mixProfile})
	pl := scenarioIn(t, dir, `
name: tinymux-like
clients: 3
duration: 1s
accounts: {file: accounts.csv}
profile_files: [mix.yaml]
profiles: {mix: 1}
completion: marker
login:
  screen: '^-{20,}$'
  fail: ['does not exist']
  steps:
    - {send: 'connect {name} {password}', expect: 'Last connect'}
    - {send: '@@'}
pacing: {timestep: 20ms, chance_of_action: 1}
logout_grace: 2s
`)
	out := runScenario(t, pl, fakeTinyMUX(t, g), runOpts{})
	rep := out.rep
	checkAccounted(t, rep)
	if c := rep.Clients; c.LoggedIn != 3 || c.LostTotal() != 0 {
		t.Fatalf("clients %+v (lost details %v): want 3 logged in, none lost", c, c.LostDetails)
	}
	for _, name := range []string{"looks", "says", "login"} {
		if a := rep.Actions[name]; a == nil || a.Answered == 0 || a.FailedTotal() != 0 {
			t.Errorf("%s %+v: want answered, none failed", name, a)
		}
	}
	prefixes := map[string]bool{}
	for _, l := range g.Lines() {
		if strings.HasPrefix(l, "OUTPUTPREFIX ") {
			prefixes[l] = true
		}
	}
	if len(prefixes) != 3 {
		t.Errorf("OUTPUTPREFIX lines %v: want one per connection, all different", prefixes)
	}
	b, _ := json.Marshal(rep)
	sched, _ := json.Marshal(out.sched)
	for i := range 3 {
		pw := fmt.Sprintf("Sekr1t-%d", i)
		if bytes.Contains(b, []byte(pw)) || bytes.Contains(sched, []byte(pw)) {
			t.Errorf("password %q in the report or the schedule", pw)
		}
	}
	if !bytes.Contains(sched, []byte("connect Acct0 ********")) {
		t.Errorf("schedule %s: want the connect with its password redacted", sched)
	}
}

// TestMarkerOutput: the output of a command in marker mode is what came
// between its marker lines, not the lines before.
func TestMarkerOutput(t *testing.T) {
	t.Parallel()
	m := markersFor("ab", 1)
	tests := []struct {
		name   string
		chunks []string
		done   bool
		want   string
	}{
		{"whole", []string{"<<begin:ab-1>>\r\nLimbo\r\n<<end:ab-1>>\r\n"}, true, "Limbo\r\n"},
		{"split lines", []string{"X has connected.\r\n<<beg", "in:ab-1>>\r\nYou say\r", "\n<<end:ab-1", ">>\r\n"}, true, "You say\r\n"},
		{"empty", []string{"<<begin:ab-1>>\r\n<<end:ab-1>>\r\n"}, true, ""},
		{"end without a newline yet", []string{"<<begin:ab-1>>\r\nx\r\n<<end:ab-1>>"}, false, ""},
		{"another connection's marker", []string{"<<begin:ab-1>>\r\n<<end:ab-10>>\r\n"}, false, ""},
		{"end before begin", []string{"<<end:ab-1>>\r\n"}, false, ""},
		{"marker inside a line", []string{"<<begin:ab-1>>\r\nsay <<end:ab-1>>\r\n"}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := &pending{mode: CompletionMarker}
			done := false
			for _, c := range tt.chunks {
				o.write(c)
				done = o.scanMarkers(m, c)
			}
			if done != tt.done {
				t.Fatalf("done %v, want %v", done, tt.done)
			}
			if got := o.output(); done && got != tt.want {
				t.Errorf("output %q, want %q", got, tt.want)
			}
		})
	}
}

// TestEvenniaLike runs a whole scenario against an Evennia-like game:
// unique names, a login script answering create's Y/N question, prompt
// completion (GA), and an action completing by a regexp of its own,
// which the report records.
func TestEvenniaLike(t *testing.T) {
	t.Parallel()
	g := &fakeGame{accounts: map[string]string{}}
	dir := writeFiles(t, map[string]string{"mix.yaml": `
name: mix
actions:
  - {action: looks, weight: 1, commands: ['look']}
  - {action: says, weight: 1, commands: ['say hello {n}'], completion: {mode: regex, pattern: 'You say'}}
`})
	yaml := `
name: evennia-like
clients: 2
duration: 800ms
profile_files: [mix.yaml]
profiles: {mix: 1}
login:
  fail: ['incorrect']
  steps:
    - {send: 'create {name} {password}', expect: 'Is this what you intended', fail: ['already']}
    - {send: 'y', expect: 'was created'}
    - {send: 'connect {name} {password}', expect: 'You become'}
pacing: {timestep: 20ms, chance_of_action: 1}
logout_grace: 2s
`
	addr := fakeEvennia(t, g)
	for run := range 2 { // unique names: the second run creates other accounts
		out := runScenario(t, scenarioIn(t, dir, yaml), addr, runOpts{})
		rep := out.rep
		checkAccounted(t, rep)
		if c := rep.Clients; c.LoggedIn != 2 || c.LostTotal() != 0 {
			t.Fatalf("run %d: clients %+v (%v): want 2 logged in, none lost", run, c, c.LostDetails)
		}
		for _, name := range []string{"looks", "says"} {
			if a := rep.Actions[name]; a == nil || a.Answered == 0 {
				t.Errorf("run %d: %s %+v: want answered", run, name, a)
			}
		}
		if a := rep.Actions["login"]; a == nil || a.Answered != 6 {
			t.Errorf("run %d: login %+v: want its 3 steps answered for each player", run, a)
		}
	}
	if n := len(g.accounts); n != 4 {
		t.Errorf("%d accounts created: want 4 (two runs, unique names)", n)
	}
	pl := scenarioIn(t, dir, yaml)
	if got := pl.CompletionLabel(); got != "prompt says=regex" {
		t.Errorf("CompletionLabel %q, want %q", got, "prompt says=regex")
	}
}

// TestLoginFailureSaysWhy: a login that fails names its step and pattern
// in the report's lost details, in the invalid-run reason and in one log
// line with what the server said, never the password.
func TestLoginFailureSaysWhy(t *testing.T) {
	t.Parallel()
	g := &fakeGame{accounts: map[string]string{"Acct0": "right-pw", "Acct1": "right-pw"}}
	dir := writeFiles(t, map[string]string{"accounts.csv": "Acct0,Wr0ng-pass\nAcct1,Wr0ng-pass\n", "mix.yaml": mixProfile})
	pl := scenarioIn(t, dir, `
name: failing
clients: 2
duration: 500ms
accounts: {file: accounts.csv}
profile_files: [mix.yaml]
profiles: {mix: 1}
login:
  fail: ['incorrect']
  steps:
    - {send: 'connect {name} {password}', expect: 'You become'}
pacing: {timestep: 20ms, chance_of_action: 1}
`)
	var logs lockedBuffer
	out := runScenario(t, pl, fakeEvennia(t, g), runOpts{opts: Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))}})
	rep := out.rep
	want := `login_failed: step 1 (connect {name} {password}): fail "incorrect"`
	if got := rep.Clients.LostDetails; got[want] != 2 || rep.Clients.Lost[ReasonLoginFailed] != 2 {
		t.Errorf("lost %v, details %v: want 2 × %s", rep.Clients.Lost, got, want)
	}
	RequireMeasurements(rep)
	if r := strings.Join(rep.Meta.InvalidReasons, "; "); !strings.Contains(r, want) {
		t.Errorf("invalid reasons %q: want the step named", r)
	}
	l := logs.String()
	if strings.Count(l, "player.lost") != 1 || !strings.Contains(l, "Username and/or password is incorrect.") {
		t.Errorf("log %q: want one line with what the server said", l)
	}
	b, _ := json.Marshal(rep)
	if strings.Contains(l, "Wr0ng-pass") || bytes.Contains(b, []byte("Wr0ng-pass")) {
		t.Error("the password is in the log or the report")
	}
}

// TestLoginStepTimeout: a step whose expectation never comes times out,
// and the report says which step.
func TestLoginStepTimeout(t *testing.T) {
	t.Parallel()
	g := &fakeGame{accounts: map[string]string{}}
	dir := writeFiles(t, map[string]string{"mix.yaml": mixProfile})
	pl := scenarioIn(t, dir, `
name: slow
clients: 1
duration: 2s
profile_files: [mix.yaml]
profiles: {mix: 1}
completion: marker
login:
  timeout: 100ms
  steps:
    - {send: 'create {name} {password}', expect: 'never said'}
pacing: {timestep: 20ms, chance_of_action: 1}
`)
	out := runScenario(t, pl, fakeTinyMUX(t, g), runOpts{})
	want := "timeout: step 1 (create {name} {password}): no answer in 100ms"
	if got := out.rep.Clients.LostDetails; got[want] != 1 {
		t.Errorf("lost details %v: want %s", got, want)
	}
}

// TestLoginScreenQuietGap: without a screen regexp or a prompt, the login
// screen is the first output followed by the quiet gap.
func TestLoginScreenRules(t *testing.T) {
	t.Parallel()
	tests := []struct{ yaml, want string }{
		{"completion: prompt", CompletionPrompt},
		{"completion: echo", CompletionEcho},
		{"completion: {mode: echo, setup: ['py install']}", CompletionQuiet},
		{"completion: marker", CompletionQuiet},
		{"completion: {mode: quiet, gap: 50ms}", CompletionQuiet},
		{"login: {screen: 'x', steps: [{send: a, expect: b}]}", CompletionRegex},
	}
	for _, tt := range tests {
		pl := mustPlan(t, "clients: 1\nduration: 1s\n"+tt.yaml)
		r, err := NewRunner(pl, Options{Target: "127.0.0.1:1"})
		if err != nil {
			t.Fatal(err)
		}
		if got := newPlayer(r, 0).screenRule(); got != tt.want {
			t.Errorf("%s: rule %q, want %q", tt.yaml, got, tt.want)
		}
	}
}

// TestNames: unique names differ between runs of one seed and keep to
// letters, digits and underscores; seed names do not.
func TestNames(t *testing.T) {
	t.Parallel()
	valid := regexp.MustCompile(`^[A-Za-z0-9_]{1,22}$`)
	names := func(yaml string, opts Options) []string {
		pl := mustPlan(t, "clients: 2\nduration: 1s\n"+yaml)
		opts.Target = "127.0.0.1:1"
		r, err := NewRunner(pl, opts)
		if err != nil {
			t.Fatal(err)
		}
		return []string{newPlayer(r, 0).sc.name, newPlayer(r, 1).sc.name, r.NameNonce(), r.password}
	}
	a, b := names("", Options{}), names("names: unique", Options{})
	if slices.Equal(a[:2], b[:2]) || a[2] == "" || a[2] == b[2] {
		t.Errorf("unique names %v and %v: want other names and nonces in each run", a, b)
	}
	for _, n := range append(a[:2], b[:2]...) {
		if !valid.MatchString(n) {
			t.Errorf("name %q: want letters, digits and underscores, short", n)
		}
	}
	if c, d := names("names: unique", Options{NameNonce: "run1"}), names("names: unique", Options{NameNonce: "run1"}); !slices.Equal(c[:3], d[:3]) {
		t.Errorf("one nonce, names %v and %v: want the same (the processes of a run)", c[:3], d[:3])
	} else if c[3] == d[3] || len(c[3]) != 20 {
		// The report holds the seed and the nonce: they must not give the
		// accounts' password away.
		t.Errorf("one seed and nonce, passwords %q and %q: want a secret one per run", c[3], d[3])
	}
	if c, d := names("names: seed", Options{}), names("names: seed", Options{}); !slices.Equal(c, d) || c[2] != "" {
		t.Errorf("seed names %v and %v: want the same, no nonce", c, d)
	}
}

// TestNoPromptSaysWhy is the complaint of issue 12: prompt completion
// against a game that sends no GA or EOR (TinyMUX). The players are lost
// at the login screen, and the report says why.
func TestNoPromptSaysWhy(t *testing.T) {
	t.Parallel()
	g := &fakeGame{accounts: map[string]string{}}
	pl := mustPlan(t, `
name: no-prompt
clients: 2
duration: 300ms
connect_timeout: 100ms
profiles: {looker: 1}
`)
	out := runScenario(t, pl, fakeTinyMUX(t, g), runOpts{})
	d := out.rep.Clients.LostDetails
	want := ReasonNoLogin + ": login screen: no prompt (telnet GA or EOR) came; a game that sends none needs login.screen or another completion mode"
	if d[want] != 2 {
		t.Errorf("lost details %v: want 2 × %q", d, want)
	}
}

// TestMarkerTTFB: in marker mode, a line between the send and the begin
// marker (another player's say) is not the command's output, so it is
// not its first byte either.
func TestMarkerTTFB(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, fc, results := fakePlayer(t, "clients: 1\nduration: 1s\ncompletion: marker")
		m := p.marks
		p.cmds = []queued{{text: "look", action: "looks"}}
		p.sendNext()
		p.absorb(fc.text("Bob has connected.\r\n"))
		time.Sleep(50 * time.Millisecond)
		p.absorb(fc.text(m.begin + "\r\nLimbo\r\n" + m.end + "\r\n"))
		res := commandResult(t, results)
		if res.Latency != 50*time.Millisecond {
			t.Fatalf("latency %v, want 50ms", res.Latency)
		}
		if res.TTFB != 50*time.Millisecond {
			t.Errorf("TTFB %v, want 50ms: the unrelated line before the begin marker was taken as the first byte", res.TTFB)
		}
	})
}

// TestExpectOnlyStepSameRead: a step that only waits (expect, no send)
// sees what came in the same read after the previous step's match, and
// a first expect-only step sees the banner that marked the login screen.
func TestExpectOnlyStepSameRead(t *testing.T) {
	t.Parallel()
	p, fc, _ := fakePlayer(t, `clients: 1
duration: 1s
login:
  steps:
    - {send: 'connect {name} {password}', expect: 'Welcome'}
    - {expect: 'Last connect'}
`)
	p.loadLogin()
	p.sendNext()
	p.absorb(fc.text("Welcome back!\r\nLast connect was from 127.0.0.1\r\n"))
	if !p.loggedIn {
		t.Errorf("not logged in (step in flight: %v): the second step's text came in the same read", p.out != nil && p.out.step != nil)
	}

	// The banner read with the login screen, seen by a first expect-only step.
	p, _, _ = fakePlayer(t, `clients: 1
duration: 1s
login:
  screen: '^Welcome to'
  steps:
    - {expect: 'Connected as guest'}
    - {send: 'look', expect: 'Limbo'}
`)
	fc = newFakeConn()
	p.r.dialers = map[string]dialFunc{p.transport: func(context.Context, dialTarget) (conn, []step, error) { return fc, nil, nil }}
	fc.events <- fc.text("Welcome to the game\r\nConnected as guest\r\n")
	if !p.connect(t.Context()) {
		t.Fatal("no login screen")
	}
	p.loadLogin()
	p.sendNext()
	if p.out != nil || len(p.cmds) != 1 || p.cmds[0].step.index != 1 {
		t.Errorf("in flight %+v, queued %d: want step 1 done on the banner, step 2 next", p.out, len(p.cmds))
	}
}

// TestSetupFailureSaysWhy: an echo setup that does not install the probe
// loses the player with a detail naming the setup and what the server
// said.
func TestSetupFailureSaysWhy(t *testing.T) {
	t.Parallel()
	p, fc, results := fakePlayer(t, "clients: 1\nduration: 1s\ncompletion: {mode: echo, setup: ['py install']}\ncommand_timeout: 1s")
	p.loggedIn = true
	p.cmds = []queued{{text: "py install", action: ActionLogin, login: true, setup: true}}
	p.sendNext()
	p.absorb(fc.text("Command 'py' is not available.\r\n"))
	p.lose(ReasonTimeout) // what play does when p.timeout fires
	for {
		select {
		case res := <-results:
			if res.Kind == KindLost {
				if !strings.Contains(res.Detail, "py install") || !strings.Contains(res.Detail, "not available") {
					t.Errorf("lost (%s) with detail %q: want the setup command and what the server said", res.Reason, res.Detail)
				}
				return
			}
		default:
			t.Fatal("no lost result")
		}
	}
}

// TestLastStepNeedsProof: a login script whose last step has no expect
// would log a player in on any answer, "incorrect password" too: it is
// refused at load, unless marker mode's wrapped answer proves the login.
func TestLastStepNeedsProof(t *testing.T) {
	t.Parallel()
	_, err := parsePlan([]byte("clients: 1\nduration: 1s\nlogin:\n  steps:\n    - {send: 'connect {name} {password}'}\n"), "")
	if !errors.Is(err, ErrInvalidScenario) || !strings.Contains(err.Error(), "login.steps[0].expect") {
		t.Errorf("error %v: want login.steps[0].expect refused", err)
	}
	if _, err := parsePlan([]byte("clients: 1\nduration: 1s\ncompletion: marker\nlogin:\n  steps:\n    - {send: 'connect {name} {password}', expect: 'x'}\n    - {send: '@@'}\n"), ""); err != nil {
		t.Errorf("marker mode's last step without expect: %v", err)
	}
}

// TestLoginStepClosed: the server closing the connection during a login
// step is a failed login, with the step named.
func TestLoginStepClosed(t *testing.T) {
	t.Parallel()
	p, fc, results := fakePlayer(t, "clients: 1\nduration: 1s\nlogin: {steps: [{send: 'connect {name} {password}', expect: 'Welcome'}]}")
	p.loadLogin()
	p.sendNext()
	fc.events <- connEvent{kind: evClosed}
	ev, ok := <-fc.recv()
	if p.event(ev, ok) {
		t.Fatal("the player goes on after the server closed")
	}
	for {
		select {
		case res := <-results:
			if res.Kind != KindLost {
				continue
			}
			if res.Reason != ReasonLoginFailed || !strings.Contains(res.Detail, "step 1") || !strings.Contains(res.Detail, "closed") {
				t.Errorf("lost %q %q: want login_failed, step 1, closed", res.Reason, res.Detail)
			}
			return
		default:
			t.Fatal("no lost result")
		}
	}
}
