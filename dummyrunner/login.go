package dummyrunner

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// LoginScript is a scenario's login: send/expect steps in place of the
// profiles' login action, so any game's login can be written down. Each
// step that sends is measured as the action "login". A step fails the
// login when a fail pattern matches, when it times out, or when the
// server closes the connection; the player is then lost (reason
// login_failed or timeout) and the report's lost_details say which step
// and why.
type LoginScript struct {
	// Screen is a regexp (multi-line: ^ and $ match at line ends) the
	// output must match for the login screen to be reached. Empty: the
	// completion mode's rule (prompt: the first GA/EOR; echo: the echo
	// probe's answer; otherwise the first output followed by the quiet
	// gap, completion.gap or DefaultQuietGap).
	Screen string `yaml:"screen,omitempty"`
	// Timeout is a step's default timeout: MinTimeout to MaxTimeout,
	// default the scenario's command_timeout.
	Timeout time.Duration `yaml:"timeout,omitempty"`
	// Fail are regexps that fail the login when a step's output matches
	// one (say "incorrect").
	Fail []string `yaml:"fail,omitempty"`
	// Steps are done in order, 1 to MaxLoginSteps of them.
	Steps []LoginStep `yaml:"steps,omitempty"`
}

// LoginStep is one step of a login script: a command, what its output
// must match, or both. Send and Expect may use the template fields
// (see [expand]): {name}, {password}, {n} and the others.
type LoginStep struct {
	// Send is the command sent (one line); empty: the step only waits for
	// output matching Expect.
	Send string `yaml:"send,omitempty"`
	// Expect is the regexp (multi-line) that completes the step when its
	// output matches; empty: the step completes by the completion mode.
	// A step needs Send, Expect or both.
	Expect string `yaml:"expect,omitempty"`
	// Timeout is the step's timeout: MinTimeout to MaxTimeout, default
	// the login's.
	Timeout time.Duration `yaml:"timeout,omitempty"`
	// Fail are regexps that fail the step, besides the login's.
	Fail []string `yaml:"fail,omitempty"`
}

// MaxLoginSteps bounds a login script's steps and its fail patterns.
const MaxLoginSteps = 100

// loginStep is a compiled step.
type loginStep struct {
	index   int // from 0
	send    string
	expect  *regexp.Regexp // nil: the completion mode completes the step
	timeout time.Duration
	fail    []failPattern // the step's and the login's
	// expand says Expect uses template fields: compiled per player.
	expandExpect bool
	expectSrc    string
}

// failPattern is a compiled fail pattern and its text, for the report.
type failPattern struct {
	src string
	re  *regexp.Regexp
}

// compileLogin checks and compiles the login script.
func (pl *Plan) compileLogin(p *problems) {
	l := &pl.sc.Login
	if l.Screen == "" && l.Timeout == 0 && len(l.Fail) == 0 && len(l.Steps) == 0 {
		return
	}
	if l.Screen != "" {
		var err error
		if pl.screen, err = regexp.Compile("(?m)" + l.Screen); err != nil {
			p.add("login.screen", "%v", err)
		}
	}
	if l.Timeout != 0 {
		p.duration("login.timeout", l.Timeout, MinTimeout, MaxTimeout)
	}
	common := compileFails(p, "login.fail", l.Fail)
	switch n := len(l.Steps); {
	case n == 0:
		p.add("login.steps", "none: a login script needs at least one step")
	case n > MaxLoginSteps:
		p.add("login.steps", "%d steps: at most %d", n, MaxLoginSteps)
		return
	}
	for i, st := range l.Steps {
		field := fmt.Sprintf("login.steps[%d]", i)
		c := loginStep{index: i, send: st.Send, timeout: st.Timeout, expectSrc: st.Expect}
		if st.Send == "" && st.Expect == "" {
			p.add(field, "neither send nor expect: a step sends a command, waits for output, or both")
		}
		if st.Send != "" {
			p.command(field+".send", st.Send)
		}
		if st.Expect != "" {
			src := "(?m)" + st.Expect
			if strings.Contains(st.Expect, "{") && expand(st.Expect, &script{}) != st.Expect {
				c.expandExpect = true // checked with empty fields; compiled per player
				src = "(?m)" + expand(st.Expect, &script{name: "x", password: "x"})
			}
			re, err := regexp.Compile(src)
			if err != nil {
				p.add(field+".expect", "%v", err)
			}
			c.expect = re
		}
		if c.timeout != 0 {
			p.duration(field+".timeout", c.timeout, MinTimeout, MaxTimeout)
		} else if c.timeout = l.Timeout; c.timeout == 0 {
			c.timeout = pl.sc.CommandTimeout
		}
		c.fail = append(compileFails(p, field+".fail", st.Fail), common...)
		pl.login = append(pl.login, c)
	}
}

// compileFails compiles fail patterns.
func compileFails(p *problems, field string, srcs []string) []failPattern {
	if len(srcs) > MaxLoginSteps {
		p.add(field, "%d patterns: at most %d", len(srcs), MaxLoginSteps)
		return nil
	}
	var out []failPattern
	for i, src := range srcs {
		re, err := regexp.Compile("(?m)" + src)
		if err != nil {
			p.add(fmt.Sprintf("%s[%d]", field, i), "%v", err)
			continue
		}
		if src == "" {
			p.add(fmt.Sprintf("%s[%d]", field, i), "is empty: it would match everything")
			continue
		}
		out = append(out, failPattern{src: src, re: re})
	}
	return out
}

// describe names the step for a report or a log line: its number (from
// 1, as a person counts) and its command template or expectation, never
// the expanded text (which may hold a password).
func (st *loginStep) describe() string {
	what := st.send
	if what == "" {
		what = "expect " + st.expectSrc
	}
	return fmt.Sprintf("step %d (%s)", st.index+1, truncate(what, 60))
}

// truncate cuts s to at most n runes, marking the cut.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
