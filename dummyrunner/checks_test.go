package dummyrunner

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portalsim/portalsim/reports"
)

// Answers of the real games, as they came over the wire (CRLF, and the
// colour reset Evennia ends its "not available" answer with).
const (
	// From transcript-telnet-new-account.txt of a stock Evennia 5.0.1.
	evenniaNotAvailable = "Command '@dig Room832412' is not available. Type \"help\" for help.\x1b[0m\r\n"
	// Evennia 5.0.1 source: utils.at_search_result, cmdhandler (a
	// suggestion instead of the help hint), settings COMMAND_RATE_WARNING.
	evenniaNotFound     = "Could not find 'yellow sign'.\r\n"
	evenniaMultiMatch   = "More than one match for 'obj' (please narrow target):\n obj-1 [obj]\n obj-2 [obj]\n"
	evenniaSuggestion   = "Command 'lok' is not available. Maybe you meant \"look\"?\r\n"
	evenniaTooFast      = "You entered commands too fast. Wait a moment and try again.\r\n"
	evenniaColouredMiss = "\x1b[1m\x1b[31mCould not find 'x'.\x1b[0m\r\n"
	// From a stock TinyMUX 2.12.0.10 (Debian), by telnet.
	muxHuh          = "Huh?  (Type \"help\" for help.)\r\n"
	muxNotHere      = "I don't see that here.\r\n"
	muxDenied       = "Permission denied.\r\n"
	muxNoRecognize  = "I don't recognize \"nobody\".\r\nNo one to page.\r\n"
	muxSayHuh       = "You say, \"Huh?\"\r\n"
	muxSayHuhFull   = "You say, \"Huh? (Type \"help\" for help.)\"\r\n"
	muxThinkHuh     = "Huh?\r\n"
	muxPoseHuh      = "Bee13776 Huh?\r\n"
	muxLook         = "Limbo(#0RLz)\r\nContents:\r\nBee13776\r\n"
	muxDigged       = "Foo created as room #13.\r\nOpened.\r\nLinked.\r\nOpened.\r\nLinked.\r\n"
	evenniaSayEcho  = "You say, \"Command 'x' is not available.\"\r\n"
	evenniaLookedAt = "Limbo\r\nWelcome to your new Evennia-based game! Visit https://www.evennia.com if you need\r\nhelp.\r\n"
	// From the sim (sim/commands*.go).
	simNotAvailable = "Command 'frobnicate' is not available. Type \"help\" for help.\r\n"
	simNoHelp       = "No help found for 'zork'.\r\n"
	simCannotGo     = "You cannot go there: the exit leads nowhere\r\n"
	echoAnswer      = "dummyrunner_echo_response:1765000000.123456,1765000000.124000\r\n"
)

// mustChecks compiles checks the test knows to be valid.
func mustChecks(t *testing.T, scen, act *Checks) *checkSet {
	t.Helper()
	var p problems
	c := compileChecks(&p, "checks", scen, act)
	if len(p.errs) > 0 {
		t.Fatalf("compileChecks: %v", errors.Join(p.errs...))
	}
	return c
}

func TestBuiltinChecks(t *testing.T) {
	t.Parallel()
	all := "evennia,sim: "
	tests := []struct {
		name, text string
		sets       []string // nil: the default
		want       string   // the failure reason; "" passes
	}{
		{"evennia not available", evenniaNotAvailable, nil, all + "Command '…' is not available"},
		{"evennia not found", evenniaNotFound, nil, all + "Could not find '…'"},
		{"evennia multimatch", evenniaMultiMatch, nil, "evennia: More than one match for '…'"},
		{"evennia suggestion", evenniaSuggestion, nil, all + "Command '…' is not available"},
		{"evennia too fast", evenniaTooFast, nil, all + "You entered commands too fast"},
		{"evennia coloured", evenniaColouredMiss, nil, all + "Could not find '…'"},
		{"evennia alone", evenniaNotAvailable, []string{CheckSetEvennia}, "evennia: Command '…' is not available"},
		{"sim alone", simNotAvailable, []string{CheckSetSim}, "sim: Command '…' is not available"},
		{"evennia answer, tinymux set", evenniaNotAvailable, []string{CheckSetTinyMUX}, ""},
		{"tinymux huh", muxHuh, nil, `tinymux: Huh?  (Type "help" for help.)`},
		{"tinymux not here", muxNotHere, nil, "tinymux: I don't see that here."},
		{"tinymux denied", muxDenied, nil, "tinymux: Permission denied."},
		{"tinymux no recognize", muxNoRecognize, nil, `tinymux: I don't recognize "…".`},
		{"tinymux huh, evennia set", muxHuh, []string{CheckSetEvennia}, ""},
		{"sim not available", simNotAvailable, nil, all + "Command '…' is not available"},
		{"sim no help", simNoHelp, nil, "sim: No help found for '…'"},
		{"sim cannot go", simCannotGo, nil, "sim: You cannot go there"},
		{"answer after other output", "Dummy_3 says, \"hi\"\r\n" + muxHuh, nil, `tinymux: Huh?  (Type "help" for help.)`},
		// Echoes of a player's own words do not trip the checks.
		{"say Huh?", muxSayHuh, nil, ""},
		{"say the whole Huh answer", muxSayHuhFull, nil, ""},
		{"think Huh?", muxThinkHuh, nil, ""},
		{"pose Huh?", muxPoseHuh, nil, ""},
		{"say not available", evenniaSayEcho, nil, ""},
		{"tinymux look", muxLook, nil, ""},
		{"tinymux dig", muxDigged, nil, ""},
		{"evennia look", evenniaLookedAt, nil, ""},
		{"echo answer", echoAnswer, nil, ""},
		{"no output", "", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := mustChecks(t, &Checks{Builtin: tc.sets}, nil)
			reason, failed := c.evaluate(tc.text)
			if reason != tc.want || failed != (tc.want != "") {
				t.Errorf("evaluate(%q) = %q, %v; want %q", tc.text, reason, failed, tc.want)
			}
		})
	}
}

func TestChecksEvaluate(t *testing.T) {
	t.Parallel()
	scen := &Checks{Fail: []string{`^There is no`}, Require: []string{`^You `}}
	tests := []struct {
		name string
		act  *Checks
		text string
		want string
	}{
		{"passes", nil, "You say, \"hi\"\r\n", ""},
		{"scenario fail", nil, "You look.\r\nThere is no spoon.\r\n", "fail: ^There is no"},
		{"scenario require", nil, "Nothing.\r\n", "missing: ^You "},
		{"fail before require", nil, "There is no spoon.\r\n", "fail: ^There is no"},
		{"builtin", nil, "You see.\r\n" + muxHuh, `tinymux: Huh?  (Type "help" for help.)`},
		{"action fail first", &Checks{Fail: []string{"spoon"}}, "There is no spoon.\r\n", "fail: spoon"},
		{"action require first", &Checks{Require: []string{"say"}}, "Nothing.\r\n", "missing: say"},
		{"action require added", &Checks{Require: []string{"say"}}, "You look.\r\n", "missing: say"},
		{"action builtin replaces", &Checks{Builtin: []string{CheckSetNone}}, "You see.\r\n" + muxHuh, ""},
		{"action builtin narrows", &Checks{Builtin: []string{CheckSetEvennia}}, "You see.\r\n" + muxHuh, ""},
		{"$ at a CRLF line end", &Checks{Fail: []string{`spoon\.$`}}, "You: There is a spoon.\r\nok\r\n", "fail: spoon\\.$"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := mustChecks(t, scen, tc.act)
			reason, failed := c.evaluate(tc.text)
			if reason != tc.want || failed != (tc.want != "") {
				t.Errorf("evaluate(%q) = %q, %v; want %q", tc.text, reason, failed, tc.want)
			}
		})
	}
	if c := mustChecks(t, &Checks{Builtin: []string{CheckSetNone}}, nil); c != nil {
		t.Errorf("builtin [none] without patterns compiled to %+v, want nothing to check", c)
	}
	if c := mustChecks(t, &Checks{}, &Checks{Builtin: []string{CheckSetNone}}); c != nil {
		t.Errorf("an action's builtin [none] compiled to %+v, want nothing to check", c)
	}
	var none *checkSet
	if reason, failed := none.evaluate(muxHuh); failed || reason != "" {
		t.Errorf("a nil set failed %q", reason)
	}
}

func TestPlainTextAndProbe(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"\x1b[1m\x1b[34mLimbo\x1b[0m\r\n":           "Limbo\n",
		"a\x1b]0;title\x07b":                        "ab",
		"a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\": "alink",
		"plain\r\nlines\r\n":                        "plain\nlines\n",
	} {
		if got := plainText(in); got != want {
			t.Errorf("plainText(%q) = %q, want %q", in, got, want)
		}
	}
	text := "Could not find 'x'.\r\ndummyrunner_echo_response:c1-2,1765000000.1\r\n"
	if got, want := withoutProbe(text, "c1-2"), "Could not find 'x'.\r\n"; got != want {
		t.Errorf("withoutProbe = %q, want %q", got, want)
	}
	if got := withoutProbe(text, "c1-3"); got != text {
		t.Errorf("withoutProbe with another tag = %q, want the text unchanged", got)
	}
}

// check applies to the right commands: not to the login and logout
// actions, the scenario's checks to events, the action's own otherwise,
// and the echo probe's answer is not part of the text.
func TestPlayerCheck(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "p.yaml"), `
name: custom
actions:
  - {action: bogus, weight: 1, commands: ['frobnicate'], checks: {fail: ['^nope']}}
  - {action: looks, weight: 1}
  - {action: quiet, weight: 1, commands: ['x'], checks: {builtin: [none]}}
`)
	pl, err := parsePlan([]byte(`
clients: 1
duration: 1s
profile_files: [p.yaml]
profiles: {custom: 1}
checks: {require: ['.']}
`), dir)
	if err != nil {
		t.Fatal(err)
	}
	p := &player{r: &Runner{plan: pl}, prof: pl.profiles["custom"]}
	tests := []struct {
		name string
		out  pending
		text string
		want *CheckOutcome
	}{
		{"login", pending{queued: queued{action: "login", login: true}}, muxHuh, nil},
		{"logout", pending{queued: queued{action: "logout", logout: true}}, muxHuh, nil},
		{"event", pending{queued: queued{action: "event"}}, muxHuh, &CheckOutcome{Failed: true, Reason: `tinymux: Huh?  (Type "help" for help.)`}},
		{"event passes", pending{queued: queued{action: "event"}}, "Restarting.\r\n", &CheckOutcome{}},
		{"action's own", pending{queued: queued{action: "bogus"}}, "nope\r\n", &CheckOutcome{Failed: true, Reason: "fail: ^nope"}},
		{"action's and scenario's", pending{queued: queued{action: "bogus"}}, "", &CheckOutcome{Failed: true, Reason: "missing: ."}},
		{"blind built-in action", pending{queued: queued{action: "looks"}}, evenniaNotFound, &CheckOutcome{}},
		{"blind built-in action, scenario's", pending{queued: queued{action: "looks"}}, "", &CheckOutcome{Failed: true, Reason: "missing: ."}},
		{"builtin off", pending{queued: queued{action: "quiet"}}, muxHuh, &CheckOutcome{}},
		{"echo probe left out", pending{queued: queued{action: "bogus"}, tag: "c0-1"}, "dummyrunner_echo_response:c0-1,1.5\r\n", &CheckOutcome{Failed: true, Reason: "missing: ."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := p.check(&tc.out, tc.text)
			if (got == nil) != (tc.want == nil) || got != nil && *got != *tc.want {
				t.Errorf("check = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestChecksProblems(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "bad.yaml"), `
name: bad
actions:
  - {action: a, weight: 1, commands: [x], checks: {fail: ['(']}}
  - {action: a, weight: 1, commands: [y], checks: {builtin: [tinymux, nope], require: ['']}}
`)
	writeFile(t, filepath.Join(dir, "ok.yaml"), `
name: ok
actions:
  - {action: custom, weight: 1, commands: [x]}
`)
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"scenario", `
checks:
  builtin: [evennia, none]
  fail: ['ok', '[a-']
  require: ['']
`, []string{"checks.builtin[1]: \"none\" turns the built-in checks off", "checks.fail[1]: error parsing regexp", "checks.require[0]: is empty"}},
		{"unknown set", "checks: {builtin: [evenia]}", []string{`checks.builtin[0]: unknown set "evenia"`}},
		{"empty set list", "checks: {builtin: []}", []string{"checks.builtin: is empty"}},
		{"too long", "checks: {fail: ['" + strings.Repeat("x", MaxCheckPatternLen+1) + "']}", []string{"checks.fail[0]: 1001 bytes"}},
		{"not a list", "checks: {fail: 'x'}", []string{"checks.fail"}},
		{"unknown field", "checks: {fial: ['x']}", []string{"checks.fial"}},
		{"profile", "profile_files: [bad.yaml]\nprofiles: {bad: 1}", []string{
			"actions[0].checks.fail[0]: error parsing regexp",
			`actions[1].checks.builtin[1]: unknown set "nope"`,
			"actions[1].checks.require[0]: is empty",
			`actions[1].checks: action "a" has checks at actions[0] too`,
		}},
		{"threshold on login", "thresholds: ['checks(login) > 99%']", []string{"the login action is never checked"}},
		{"threshold on logout", "thresholds: ['checks(logout) > 99%']", []string{"the logout action is never checked"}},
		{"threshold unknown action", "profile_files: [ok.yaml]\nprofiles: {ok: 1}\nthresholds: ['checks(custon) > 99%']", []string{`did you mean "custom"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := parsePlan([]byte("clients: 1\nduration: 1s\n"+tc.yaml), dir)
			if !errors.Is(err, ErrInvalidScenario) {
				t.Fatalf("ParseScenario = %v, want ErrInvalidScenario", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q:\n%v", w, err)
				}
			}
		})
	}
	// Valid: a threshold on checked actions, all or one.
	for _, th := range []string{"checks > 99%", "checks(*) > 99%", "checks(custom) >= 0.5"} {
		if _, err := parsePlan([]byte("clients: 1\nduration: 1s\nprofile_files: [ok.yaml]\nprofiles: {ok: 1}\nthresholds: ['"+th+"']"), dir); err != nil {
			t.Errorf("%s: %v", th, err)
		}
	}
}

// An action that sends a command the embedded game does not know: its
// answers fail the built-in checks, count as failed commands with the
// reason "check" and stay out of the latencies, and checks(that action)
// fails the run; the other actions' checks pass.
func TestChecksEndToEnd(t *testing.T) {
	t.Parallel()
	st := startStack(t, false)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "p.yaml"), `
name: checked
actions:
  - {action: bogus, weight: 1, commands: ['frobnicate {new}']}
  - {action: chat, weight: 1, commands: ['say Huh? {new}'], checks: {require: ['^You say']}}
`)
	pl, err := parsePlan([]byte(`
name: checks-e2e
clients: 3
duration: 3s
seed: 12
profile_files: [p.yaml]
profiles: {checked: 1}
pacing: {timestep: 50ms, chance_of_action: 1, login_concurrency: 100}
logout_grace: 3s
thresholds: ['checks(bogus) > 99%', 'checks(chat) == 100%', 'checks < 99%']
`), dir)
	if err != nil {
		t.Fatal(err)
	}
	rep := runScenario(t, pl, st.TelnetAddr(), runOpts{stack: st}).rep
	checkAccounted(t, rep)
	if err := rep.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	bogus, chat := rep.Action("bogus"), rep.Action("chat")
	const reason = "evennia,sim: Command '…' is not available"
	if bogus.Sent == 0 || bogus.Answered != 0 || bogus.Failed[reports.ReasonCheck] != bogus.Sent {
		t.Errorf("bogus: sent %d, answered %d, failed %v; want every command failed for %q", bogus.Sent, bogus.Answered, bogus.Failed, reports.ReasonCheck)
	}
	if c := bogus.Checks; c == nil || c.Passed != 0 || c.Failed[reason] != bogus.Sent || len(c.Failed) != 1 {
		t.Errorf("bogus checks = %+v, want %d failed for %q", c, bogus.Sent, reason)
	}
	if n := bogus.Latency.Count() + bogus.TTFB.Count(); n != 0 {
		t.Errorf("bogus has %d latency samples, want none: a failed check is not a latency", n)
	}
	if c := chat.Checks; chat.Sent == 0 || c == nil || c.Passed != chat.Answered || c.FailedTotal() != 0 || chat.FailedTotal() != 0 {
		t.Errorf("chat: sent %d, answered %d, failed %v, checks %+v; want every say answered and passed", chat.Sent, chat.Answered, chat.Failed, c)
	}
	if login := rep.Action("login"); login.Checks != nil {
		t.Errorf("login checks = %+v, want none", login.Checks)
	}
	res := rep.Check(pl.Thresholds())
	want := []bool{false, true, true}
	for i, r := range res {
		if r.Pass != want[i] || r.Err != "" {
			t.Errorf("threshold %s: %+v, want pass %v", r.Expr, r, want[i])
		}
	}
	if res[0].Actual != "0%" {
		t.Errorf("checks(bogus) actual %q, want 0%%", res[0].Actual)
	}
	var text strings.Builder
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"response checks:", "bogus", reason, "FAIL checks(bogus) > 99%"} {
		if !strings.Contains(text.String(), s) {
			t.Errorf("the text report lacks %q:\n%s", s, text.String())
		}
	}
}

// The aggregator counts every checked command in the action's checks
// and its transport's; a failed check is a failed command, without a
// latency, and an error of the progress line.
func TestAggregatorChecks(t *testing.T) {
	t.Parallel()
	a := newTestAggregator(1)
	ms := time.Millisecond
	cmd := func(check *CheckOutcome, reason string) []Result {
		return []Result{
			{Kind: KindSent, Client: 1, Transport: TransportTelnet, Action: "looks", At: at(0.1)},
			{Kind: KindCommand, Client: 1, Transport: TransportTelnet, Action: "looks", At: at(0.2), Latency: ms, TTFB: ms, Check: check, Reason: reason},
		}
	}
	addAll(a, login(1, 0),
		cmd(&CheckOutcome{}, ""),
		cmd(&CheckOutcome{}, ""),
		cmd(&CheckOutcome{Failed: true, Reason: "fail: x"}, ReasonCheck),
		cmd(nil, ""), // not checked
	)
	if got := a.Snapshot(at(0.5)).Errors; got != 1 {
		t.Errorf("progress errors = %d, want 1", got)
	}
	rep := a.Close(at(1))
	for name, act := range map[string]*reports.Action{"report": rep.Action("looks"), "transport": rep.Transports[TransportTelnet].Action("looks")} {
		if act.Sent != 4 || act.Answered != 3 || act.Failed[ReasonCheck] != 1 || act.Latency.Count() != 3 {
			t.Errorf("%s: sent %d, answered %d, failed %v, %d latencies; want 4, 3, check 1, 3", name, act.Sent, act.Answered, act.Failed, act.Latency.Count())
		}
		if c := act.Checks; c == nil || c.Passed != 2 || c.Failed["fail: x"] != 1 || len(c.Failed) != 1 {
			t.Errorf("%s: checks %+v, want 2 passed and 1 failed", name, c)
		}
	}
	if err := rep.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}
