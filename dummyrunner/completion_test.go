package dummyrunner

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"go.yaml.in/yaml/v3"
)

// TestCompletionYAML: the shorthand and the mapping, their defaults, and
// every problem named by its field.
func TestCompletionYAML(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml string
		want       Completion // mode, begin, end, gap
		err        string
	}{
		{"default", "", Completion{Mode: CompletionPrompt}, ""},
		{"shorthand", "completion: echo", Completion{Mode: CompletionEcho}, ""},
		{"marker defaults", "completion: marker", Completion{Mode: CompletionMarker, Begin: "OUTPUTPREFIX {marker}", End: "OUTPUTSUFFIX {marker}"}, ""},
		{"quiet default gap", "completion: {mode: quiet}", Completion{Mode: CompletionQuiet, Gap: DefaultQuietGap}, ""},
		{"quiet gap", "completion: {mode: quiet, gap: 50ms}", Completion{Mode: CompletionQuiet, Gap: 50 * time.Millisecond}, ""},
		{"unknown mode", "completion: psychic", Completion{}, `completion.mode: "psychic"`},
		{"unknown field", "completion: {mode: quiet, gapp: 1s}", Completion{}, "completion.gapp: unknown field"},
		{"regex without pattern", "completion: {mode: regex}", Completion{}, "completion.pattern: is missing"},
		{"bad regex", "completion: {mode: regex, pattern: '('}", Completion{}, "completion.pattern: error parsing regexp"},
		{"gap in prompt mode", "completion: {mode: prompt, gap: 1s}", Completion{}, "completion.gap: only used in quiet mode"},
		{"gap too short", "completion: {mode: quiet, gap: 1ns}", Completion{}, "completion.gap: 1ns is out of range"},
		{"marker without token", "completion: {mode: marker, begin: 'OUTPUTPREFIX x'}", Completion{}, "completion.begin: \"OUTPUTPREFIX x\" has no {marker}"},
		{"setup line break", "completion: {mode: echo, setup: [\"a\\nb\"]}", Completion{}, "completion.setup[0]"},
		{"a sequence", "completion: [prompt]", Completion{}, "completion is a mode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pl, err := parsePlan([]byte("clients: 1\nduration: 1s\n"+tt.yaml), "")
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one with %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c := pl.sc.Completion
			if c.Mode != tt.want.Mode || c.Begin != tt.want.Begin || c.End != tt.want.End || c.Gap != tt.want.Gap {
				t.Errorf("completion %+v, want %+v", c, tt.want)
			}
			// Written back (as -procs does), it reads the same.
			b, err := yaml.Marshal(pl.Scenario())
			if err != nil {
				t.Fatal(err)
			}
			again, err := parsePlan(b, "")
			if err != nil || again.sc.Completion.label() != c.label() {
				t.Errorf("written back: %v, %+v\n%s", err, again, b)
			}
		})
	}
}

// TestActionCompletion: a profile's action may set its own mode, not the
// per-connection ones.
func TestActionCompletion(t *testing.T) {
	t.Parallel()
	_, err := ParseProfile([]byte(`
name: p
actions:
  - {action: a, weight: 1, commands: [x], completion: marker}
  - {action: b, weight: 1, commands: [x], completion: {mode: echo, setup: [y]}}
  - {action: c, weight: 1, commands: [x], completion: {mode: regex, pattern: 'ok'}}
`))
	for _, want := range []string{"actions[0].completion.mode: marker mode", "actions[1].completion.setup: is sent once per connection"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want %q", err, want)
		}
	}
	if err != nil && strings.Contains(err.Error(), "actions[2]") {
		t.Errorf("error %v: the regex action is valid", err)
	}
}

// TestLoginScriptValidation names every problem of a login script.
func TestLoginScriptValidation(t *testing.T) {
	t.Parallel()
	_, err := parsePlan([]byte(`
clients: 1
duration: 1s
login:
  screen: '('
  timeout: 1ns
  fail: ['', '[']
  steps:
    - {}
    - {send: "a\u0007", expect: ')'}
    - {expect: 'ok', timeout: 2h}
`), "")
	for _, want := range []string{"login.screen:", "login.timeout:", "login.fail[0]: is empty", "login.fail[1]:",
		"login.steps[0]: neither send nor expect", "login.steps[1].send:", "login.steps[1].expect:", "login.steps[2].timeout:"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want %q", err, want)
		}
	}
	if _, err := parsePlan([]byte("clients: 1\nduration: 1s\nlogin: {steps: [{send: a, expct: b}]}"), ""); err == nil || !strings.Contains(err.Error(), "expct") {
		t.Errorf("an unknown step field: %v", err)
	}
	if _, err := parsePlan([]byte("clients: 1\nduration: 1s\nlogin: {steps: []}\n"), ""); err != nil {
		t.Errorf("an empty login is no login: %v", err)
	}
}

// TestExpectFields: a step's expectation may name the player, quoted.
func TestExpectFields(t *testing.T) {
	t.Parallel()
	pl := mustPlan(t, "clients: 1\nduration: 1s\nlogin: {steps: [{send: 'connect {name} {password}', expect: 'You become {name}\\.'}]}")
	r, err := NewRunner(pl, Options{Target: "127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	p := newPlayer(r, 0)
	p.sc.name = "a.b"
	re := p.stepExpect(&pl.login[0])
	if !re.MatchString("You become a.b.") || re.MatchString("You become axb.") {
		t.Errorf("expect %v: want the name matched literally", re)
	}
}

// TestFailFields: fail patterns may name the player like expect, quoted.
func TestFailFields(t *testing.T) {
	t.Parallel()
	p, fc, results := fakePlayer(t, "clients: 1\nduration: 1s\nlogin: {fail: ['^{name} is taken'], steps: [{send: 'create {name} {password}', expect: 'Welcome'}]}")
	p.sc.name = "a.b"
	p.loadLogin()
	p.sendNext()
	p.absorb(fc.text("axb is taken\r\n"))
	if p.finished {
		t.Fatal("\"axb is taken\" failed the login of a.b: the name is not quoted")
	}
	p.absorb(fc.text("a.b is taken\r\n"))
	if !p.finished {
		t.Fatal("\"a.b is taken\" did not fail the login: {name} not expanded")
	}
	for res := range results {
		if res.Kind == KindLost {
			if res.Reason != ReasonLoginFailed || !strings.Contains(res.Detail, `fail "^{name} is taken"`) {
				t.Errorf("lost %q %q", res.Reason, res.Detail)
			}
			break
		}
	}
}

// fakeConn is a conn whose events the test writes; nothing is sent.
type fakeConn struct {
	events chan connEvent
	sent   []string
}

func (f *fakeConn) recv() <-chan connEvent  { return f.events }
func (f *fakeConn) send(line string) error  { f.sent = append(f.sent, line); return nil }
func (f *fakeConn) negotiatedAt() time.Time { return time.Time{} }
func (f *fakeConn) wire() wireStats         { return wireStats{} }
func (f *fakeConn) close()                  {}
func (f *fakeConn) text(s string) connEvent { return connEvent{kind: evText, text: s, at: time.Now()} }
func (f *fakeConn) prompt() connEvent       { return connEvent{kind: evPrompt, at: time.Now()} }
func newFakeConn() *fakeConn                { return &fakeConn{events: make(chan connEvent, 16)} }

var _ conn = (*fakeConn)(nil)

// quietPlayer is a player in quiet mode (gap 100ms) on a fake connection,
// its results on a channel.
func quietPlayer(t *testing.T) (*player, *fakeConn, chan Result) {
	t.Helper()
	return fakePlayer(t, "clients: 1\nduration: 1s\ncompletion: {mode: quiet, gap: 100ms}")
}

// fakePlayer is player 0 of the scenario yaml on a fake connection, its
// results on a channel.
func fakePlayer(t *testing.T, yaml string) (*player, *fakeConn, chan Result) {
	t.Helper()
	pl := mustPlan(t, yaml)
	r, err := NewRunner(pl, Options{Target: "127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	results := make(chan Result, 256)
	r.results = results
	p := newPlayer(r, 0)
	fc := newFakeConn()
	p.conn = fc
	return p, fc, results
}

// commandResult returns the next KindCommand result.
func commandResult(t *testing.T, results chan Result) Result {
	t.Helper()
	for {
		select {
		case res := <-results:
			if res.Kind == KindCommand {
				return res
			}
		default:
			t.Fatal("no command result")
		}
	}
}

// TestQuietGap times the quiet mode exactly (testing/synctest): a
// command completes a gap after its last byte, measured to that byte;
// output that keeps coming keeps it open (a command with no output:
// TestQuietSilenceIsNoAnswer).
func TestQuietGap(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p, fc, results := quietPlayer(t)
		p.cmds = []queued{{text: "look", action: "looks"}}
		start := time.Now()
		p.sendNext()
		time.Sleep(30 * time.Millisecond)
		p.absorb(fc.text("Limbo\r\n"))
		time.Sleep(80 * time.Millisecond) // 110ms after the send, 80ms after the byte: still open
		p.absorb(fc.text("more\r\n"))
		if p.out == nil {
			t.Fatal("completed while output was coming")
		}
		fired := <-p.gapC()
		if got := fired.Sub(start); got != 210*time.Millisecond {
			t.Errorf("the gap ended %v after the send, want 210ms (100ms after the last byte)", got)
		}
		if !p.gapped() {
			t.Fatal("player lost")
		}
		res := commandResult(t, results)
		if res.Latency != 110*time.Millisecond || res.TTFB != 30*time.Millisecond || res.Reason != "" {
			t.Errorf("latency %v ttfb %v reason %q, want 110ms to the last byte, 30ms to the first", res.Latency, res.TTFB, res.Reason)
		}
		if p.gapC() != nil {
			t.Error("the gap still runs with no command in flight")
		}
	})
}

// TestRegexAndPromptCompletion: a regex action completes on its pattern
// and ignores GA; a prompt action completes on GA.
func TestRegexAndPromptCompletion(t *testing.T) {
	t.Parallel()
	pl := mustPlan(t, "clients: 1\nduration: 1s")
	r, err := NewRunner(pl, Options{Target: "127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	r.results = make(chan Result, 64)
	p := newPlayer(r, 0)
	fc := newFakeConn()
	p.conn = fc
	re := &Completion{Mode: CompletionRegex, Pattern: "You say"}
	var pr problems
	p.cmds = []queued{{text: "say hi", action: "says", comp: re.compile(&pr, "c", false)}, {text: "look", action: "looks"}}
	p.sendNext()
	p.absorb(fc.prompt())
	p.absorb(fc.text("Someone arrives.\r\n"))
	if p.out == nil {
		t.Fatal("the regex action completed on a GA or other text")
	}
	p.absorb(fc.text("You say, \"hi\"\r\n"))
	if p.out != nil {
		t.Fatal("the regex action did not complete on its pattern")
	}
	p.sendNext()
	p.absorb(fc.text("Limbo\r\n"))
	p.absorb(fc.prompt())
	if p.out != nil {
		t.Fatal("the prompt action did not complete on GA")
	}
}

// TestRegexCompletionLines: regex completion matches like every other
// pattern of the scenario (login.screen, expect, checks): multi-line,
// carriage returns removed, so '^You say.*$' completes a say that
// follows another line and ends with CRLF.
func TestRegexCompletionLines(t *testing.T) {
	p, fc, _ := fakePlayer(t, "clients: 1\nduration: 1s\ncompletion: {mode: regex, pattern: '^You say.*$'}")
	p.cmds = []queued{{text: "say hi", action: "says"}}
	p.sendNext()
	p.absorb(fc.text("Bob arrives.\r\nYou say, \"hi\"\r\n"))
	if p.out != nil {
		t.Error("'^You say.*$' did not complete on a line \"You say, \\\"hi\\\"\" (CRLF, not the first line)")
	}
}

// TestQuietSilenceIsNoAnswer: in quiet mode the gap starts at the first
// byte of output; a command with no output at all is not answered: it
// fails at command_timeout (reason timeout), so a hung server does not
// look healthy.
func TestQuietSilenceIsNoAnswer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, _, results := fakePlayer(t, "clients: 1\nduration: 1s\ncommand_timeout: 1s\ncompletion: {mode: quiet, gap: 100ms}")
		p.cmds = []queued{{text: "look", action: "looks"}}
		p.sendNext()
		if p.gapC() != nil {
			t.Fatal("the quiet gap runs before any output")
		}
		select {
		case <-p.timeout.C:
			p.lose(ReasonTimeout) // what play does when p.timeout fires
		case <-time.After(2 * time.Second):
			t.Fatal("no timeout")
		}
		res := commandResult(t, results)
		if res.Reason != ReasonTimeout {
			t.Errorf("no output at all: reason %q, latency %v; want %q", res.Reason, res.Latency, ReasonTimeout)
		}
	})
}

// TestOutputBounded: a server that never stops sending must not grow a
// player's buffer without bound while the command waits for its
// completion; what is beyond the bound is counted, and a completion
// that can no longer match fails with a reason.
func TestOutputBounded(t *testing.T) {
	p, fc, results := fakePlayer(t, "clients: 1\nduration: 1s\ncompletion: {mode: regex, pattern: 'never'}")
	p.cmds = []queued{{text: "look", action: "looks"}}
	p.sendNext()
	chunk := strings.Repeat("spam spam spam spam spam spam spam\r\n", 256) // ~9 KB, one read
	start := time.Now()
	for range 2000 { // ~18 MB
		if p.out == nil {
			break
		}
		if n := p.out.buf.Len(); n > maxOutput+len(chunk) {
			t.Fatalf("the command's buffer holds %d bytes: want at most about %d", n, maxOutput)
		}
		p.absorb(fc.text(chunk))
	}
	t.Logf("reads took %v", time.Since(start))
	if p.out != nil {
		t.Fatalf("still waiting with %d bytes buffered after 18 MB", p.out.buf.Len())
	}
	res := commandResult(t, results)
	if res.Reason != ReasonOutputCap {
		t.Errorf("reason %q, want %q", res.Reason, ReasonOutputCap)
	}
}

// TestOutputBoundedMarkers: past the bound, marker lines and echo tags
// are still found (in the new text only); the output kept is the first
// maxOutput bytes.
func TestOutputBoundedMarkers(t *testing.T) {
	t.Parallel()
	chunk := strings.Repeat("spam spam spam spam spam spam spam\r\n", 256)
	for _, mode := range []string{CompletionMarker, CompletionEcho} {
		p, fc, results := fakePlayer(t, "clients: 1\nduration: 1s\ncompletion: "+mode)
		p.setupOK = true
		p.cmds = []queued{{text: "look", action: "looks"}}
		p.sendNext()
		if mode == CompletionMarker {
			p.absorb(fc.text(p.marks.begin + "\r\n"))
		}
		for range 200 { // ~1.8 MB
			p.absorb(fc.text(chunk))
		}
		if n := p.out.buf.Len(); n > maxOutput {
			t.Fatalf("%s: %d bytes kept", mode, n)
		}
		end := p.marks.end + "\r\n"
		if mode == CompletionEcho {
			end = EchoCommand + ":" + p.out.tag + ",1.0,1.0\r\n"
		}
		p.absorb(fc.text(end[:5]))
		p.absorb(fc.text(end[5:]))
		if p.out != nil {
			t.Fatalf("%s: not completed by its end beyond the bound", mode)
		}
		if res := commandResult(t, results); res.Reason != "" {
			t.Errorf("%s: reason %q", mode, res.Reason)
		}
	}
}
