package dummyrunner

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// The built-in check sets: each game's answers to a command it does not
// know or whose target is not there. Each pattern is anchored at the
// start of a line, so that the echo of a player's own words (`say Huh?`
// gives `You say, "Huh?"`) does not trip it.
const (
	// CheckSetEvennia is Evennia's answers (Evennia 5 source and a stock
	// server): `Command '...' is not available.`, `Could not find '...'.`,
	// `More than one match for '...'` and the command-rate warning.
	CheckSetEvennia = "evennia"
	// CheckSetTinyMUX is TinyMUX 2.12's: `Huh?  (Type "help" for help.)`,
	// `I don't see that here.`, `Permission denied.`,
	// `I don't recognize "...".`.
	CheckSetTinyMUX = "tinymux"
	// CheckSetSim is the embedded game's (sim): Evennia's wording for an
	// unknown command and a missing target, the portal's command-rate
	// warning, a refused move and a missing help topic.
	CheckSetSim = "sim"
	// CheckSetNone turns the built-in sets off: `builtin: [none]`.
	CheckSetNone = "none"
)

// Bounds of a check list.
const (
	// MaxCheckPatterns bounds the patterns of one fail or require list.
	MaxCheckPatterns = 100
	// MaxCheckPatternLen bounds a pattern's length, in bytes.
	MaxCheckPatternLen = 1000
)

// Checks are response checks, like k6's and Gatling's `check`: patterns
// that mark a command's answer as failed. A scenario's checks apply to
// every command but the login and logout actions'; a profile action's
// checks add to the scenario's for that action.
//
//	checks:
//	  builtin: [evennia, tinymux, sim]   # the default; [none] turns them off
//	  fail: ['^There is no']             # a match fails the check
//	  require: ['You say']               # each must match
//
// The patterns are Go regexps matched against the command's whole
// output with ANSI escape sequences and carriage returns removed, in
// multi-line mode: ^ and $ match at line breaks.
type Checks struct {
	// Builtin names the built-in sets to apply (CheckSetEvennia,
	// CheckSetTinyMUX, CheckSetSim), or is [CheckSetNone]. Left out: the
	// scenario's (all three for a scenario); an action's list replaces the
	// scenario's.
	Builtin []string `yaml:"builtin,omitempty"`
	// Fail are regexps: an answer matching one fails its check. An
	// action's are added to the scenario's.
	Fail []string `yaml:"fail,omitempty"`
	// Require are regexps: an answer must match each, or it fails its
	// check. An action's are added to the scenario's.
	Require []string `yaml:"require,omitempty"`
}

// clone returns a deep copy of c.
func (c Checks) clone() Checks {
	return Checks{Builtin: slices.Clone(c.Builtin), Fail: slices.Clone(c.Fail), Require: slices.Clone(c.Require)}
}

// builtinCheck is one pattern of a built-in set.
type builtinCheck struct {
	label string // what the reason shows
	expr  string
}

// builtinChecks are the built-in sets. Their texts were checked against
// Evennia 5.0.1 (its source and a transcript of a stock server), a stock
// TinyMUX 2.12 and the sim's source.
var builtinChecks = map[string][]builtinCheck{
	CheckSetEvennia: {
		{"Command '…' is not available", `^Command '.*' is not available\.`},
		{"Could not find '…'", `^Could not find '.*'\.`},
		{"More than one match for '…'", `^More than one match for '.*'`},
		{"You entered commands too fast", `^You entered commands too fast\. Wait a moment and try again\.`},
	},
	CheckSetTinyMUX: {
		{`Huh?  (Type "help" for help.)`, `^Huh\?  \(Type "help" for help\.\)[ \t]*$`},
		{"I don't see that here.", `^I don't see that here\.[ \t]*$`},
		{"Permission denied.", `^Permission denied\.[ \t]*$`},
		{`I don't recognize "…".`, `^I don't recognize ".*"\.[ \t]*$`},
	},
	CheckSetSim: {
		{"Command '…' is not available", `^Command '.*' is not available\.`},
		{"Could not find '…'", `^Could not find '.*'\.`},
		{"You entered commands too fast", `^You entered commands too fast\. Wait a moment and try again\.`},
		{"You cannot go there", `^You cannot go there: `},
		{"No help found for '…'", `^No help found for '.*'\.`},
	},
}

// blindActions are the built-in actions that, as Evennia's do, try every
// exit or object the player remembers, wherever it is ("try all exits -
// finally one will work"): their misses ("Could not find", "not
// available") are part of the action, so the built-in sets are off for
// them unless the profile's entry sets checks.
var blindActions = map[string]bool{"looks": true, "examines": true, "moves": true}

// defaultCheckSets are the built-in sets of a scenario that names none.
var defaultCheckSets = []string{CheckSetEvennia, CheckSetTinyMUX, CheckSetSim}

// CheckSetNames lists the built-in check sets.
func CheckSetNames() []string { return slices.Clone(defaultCheckSets) }

// checkPattern is one compiled check.
type checkPattern struct {
	re     *regexp.Regexp
	reason string // the report's reason when the check fails
}

// checkSet is the compiled checks of one action: immutable, shared by
// every player. A nil set checks nothing.
type checkSet struct {
	fail    []checkPattern // the action's, the scenario's, then the built-in ones
	require []checkPattern
}

// evaluate checks a command's output: the reason of the first failure
// pattern that matches, else of the first required pattern that does
// not, and failed; or "" and false when the answer passes. The text is
// matched without its ANSI escape sequences and carriage returns.
func (c *checkSet) evaluate(text string) (reason string, failed bool) {
	if c == nil {
		return "", false
	}
	plain := plainText(text)
	for _, p := range c.fail {
		if p.re.MatchString(plain) {
			return p.reason, true
		}
	}
	for _, p := range c.require {
		if !p.re.MatchString(plain) {
			return p.reason, true
		}
	}
	return "", false
}

// compileChecks compiles the checks of an action, act, on top of the
// scenario's, scen: the action's patterns first, then the scenario's,
// then the built-in sets (the action's list if it has one, else the
// scenario's, else all). The problems of act are reported under field
// ("actions[2].checks"); those of scen only when act is nil (the
// scenario's own set, under "checks"), as they are the same for every
// action. It returns nil when the result checks nothing.
func compileChecks(p *problems, field string, scen, act *Checks) *checkSet {
	scenP := p
	if act != nil {
		scenP = &problems{} // reported with the scenario's own set
	} else {
		act = &Checks{}
	}
	before := len(p.errs)
	c := &checkSet{}
	c.fail = compilePatterns(p, field+".fail", act.Fail, "fail: ")
	c.fail = append(c.fail, compilePatterns(scenP, "checks.fail", scen.Fail, "fail: ")...)
	builtinP, builtinField, sets := scenP, "checks.builtin", scen.Builtin
	if act.Builtin != nil {
		builtinP, builtinField, sets = p, field+".builtin", act.Builtin
	}
	c.fail = append(c.fail, compileBuiltin(builtinP, builtinField, sets)...)
	c.require = compilePatterns(p, field+".require", act.Require, "missing: ")
	c.require = append(c.require, compilePatterns(scenP, "checks.require", scen.Require, "missing: ")...)
	if len(p.errs) > before || len(c.fail)+len(c.require) == 0 {
		return nil
	}
	return c
}

// compilePatterns compiles a fail or require list in multi-line mode;
// each reason is prefix and the pattern as written.
func compilePatterns(p *problems, field string, exprs []string, prefix string) []checkPattern {
	if len(exprs) > MaxCheckPatterns {
		p.add(field, "%d patterns: at most %d", len(exprs), MaxCheckPatterns)
		return nil
	}
	out := make([]checkPattern, 0, len(exprs))
	for i, e := range exprs {
		f := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case e == "":
			p.add(f, "is empty: it would match every answer")
			continue
		case len(e) > MaxCheckPatternLen:
			p.add(f, "%d bytes: at most %d", len(e), MaxCheckPatternLen)
			continue
		}
		re, err := regexp.Compile("(?m)" + e)
		if err != nil {
			p.add(f, "%v", err)
			continue
		}
		out = append(out, checkPattern{re: re, reason: prefix + escapeControls(e)})
	}
	return out
}

// compileBuiltin compiles the built-in sets named (nil: all of them),
// each pattern once: one that several sets share names them all
// ("evennia,sim: ...").
func compileBuiltin(p *problems, field string, sets []string) []checkPattern {
	switch {
	case sets == nil:
		sets = defaultCheckSets
	case len(sets) == 0:
		p.add(field, "is empty: name sets (%s) or [%s]", strings.Join(defaultCheckSets, ", "), CheckSetNone)
		return nil
	}
	var order []string
	owners := map[string][]string{}
	labels := map[string]string{}
	for i, name := range sets {
		if name == CheckSetNone {
			if len(sets) > 1 {
				p.add(fmt.Sprintf("%s[%d]", field, i), "%q turns the built-in checks off: it cannot be listed with others", CheckSetNone)
			}
			continue
		}
		set, ok := builtinChecks[name]
		if !ok {
			p.add(fmt.Sprintf("%s[%d]", field, i), "unknown set %q (want %s or %s)", name, strings.Join(defaultCheckSets, ", "), CheckSetNone)
			continue
		}
		for _, b := range set {
			if _, seen := owners[b.expr]; !seen {
				order = append(order, b.expr)
				labels[b.expr] = b.label
			}
			if !slices.Contains(owners[b.expr], name) {
				owners[b.expr] = append(owners[b.expr], name)
			}
		}
	}
	out := make([]checkPattern, 0, len(order))
	for _, expr := range order {
		out = append(out, checkPattern{
			re:     regexp.MustCompile("(?m)" + expr),
			reason: strings.Join(owners[expr], ",") + ": " + labels[expr],
		})
	}
	return out
}

// ansiRe matches the escape sequences a game colours its text with: CSI
// (ESC [ ... final byte), OSC (ESC ] ... BEL or ESC \) and two-byte ESC
// sequences.
var ansiRe = regexp.MustCompile("\x1b(?:\\[[0-?]*[ -/]*[@-~]|\\][^\x07\x1b]*(?:\x07|\x1b\\\\)?|[@-Z\\\\-_])")

// plainText is a command's output as the checks see it: without ANSI
// escape sequences and carriage returns (telnet's CRLF becomes LF).
func plainText(s string) string {
	if strings.IndexByte(s, '\x1b') >= 0 {
		s = ansiRe.ReplaceAllString(s, "")
	}
	return withoutCR(s)
}

// withoutProbe removes the answer of the echo probe tagged tag (echo
// completion) from a command's output, with everything after it: that
// line is the probe's, not the command's.
func withoutProbe(text, tag string) string {
	i := strings.Index(text, EchoCommand+":"+tag+",")
	if i < 0 {
		return text
	}
	return text[:i]
}

// CheckOutcome is the result of the response checks of one answered
// command: passed, or failed for Reason (the failing pattern, as the
// report counts it in its Checks).
type CheckOutcome struct {
	// Failed reports that a check failed.
	Failed bool
	// Reason names the check that failed: "fail: <pattern>",
	// "missing: <pattern>" or "<sets>: <built-in answer>".
	Reason string
}

// check evaluates the response checks of the answered command out, whose
// output is text; nil when the command is not checked. The login and
// logout actions are never checked: a login script has its own failure
// patterns, and a logout's answer is the game saying goodbye. In echo
// completion the probe's own answer is not part of the checked text.
func (p *player) check(out *pending, text string) *CheckOutcome {
	if out.login || out.logout {
		return nil
	}
	set := p.r.plan.checksFor(p.prof, out.action)
	if set == nil {
		return nil
	}
	if out.tag != "" {
		text = withoutProbe(text, out.tag)
	}
	reason, failed := set.evaluate(text)
	return &CheckOutcome{Failed: failed, Reason: reason}
}
