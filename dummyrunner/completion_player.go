package dummyrunner

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// ActionLogin is the action a login script's steps (and the completion's
// setup commands) are measured as.
const ActionLogin = "login"

// setCompletion decides how the command in flight completes: a login
// step with an expectation by its match; otherwise by its action's
// completion mode, or the scenario's. In echo mode, before the setup
// commands have installed the probe, the quiet gap stands in.
func (p *player) setCompletion(out *pending) {
	comp := out.comp
	if comp == nil {
		comp = p.r.plan.completion
	}
	out.mode, out.re, out.gapLen = comp.mode, comp.re, comp.gap
	if out.step != nil {
		out.expect = p.stepExpect(out.step)
		out.unmeasured = out.text == ""
	}
	if out.mode == CompletionEcho && !p.setupOK && !out.setup && !out.logout {
		out.mode = CompletionQuiet // the probe is not installed yet
	}
	if out.mode == CompletionQuiet && out.gapLen == 0 {
		out.gapLen = DefaultQuietGap
	}
	if out.expect != nil && out.mode == CompletionEcho {
		out.mode = CompletionPrompt // the expectation completes it: no probe
	}
}

// stepExpect is a step's expectation for this player: its template
// fields filled with the player's values, quoted for the regexp.
func (p *player) stepExpect(st *loginStep) *regexp.Regexp {
	if !st.expandExpect {
		return st.expect
	}
	q := p.sc
	q.name, q.password, q.startRoom = regexp.QuoteMeta(q.name), regexp.QuoteMeta(q.password), regexp.QuoteMeta(q.startRoom)
	q.objs, q.exits = nil, nil
	re, err := regexp.Compile("(?m)" + expand(st.expectSrc, &q))
	if err != nil {
		return st.expect // checked with stand-in values by compileLogin; quoted values keep it valid
	}
	return re
}

// stepFailed checks the login step in flight against its fail patterns;
// on a match the player is lost (login_failed), and true is returned.
func (p *player) stepFailed() bool {
	out := p.out
	text := out.buf.String()
	for _, f := range out.step.fail {
		if matchLines(f.re, text) {
			p.loseWith(ReasonLoginFailed, fmt.Sprintf("%s: fail %q", out.step.describe(), f.src))
			return true
		}
	}
	return false
}

// loginDone says whether the login command out, answered with text,
// logged the player in: the login script's last step, or (the profile's
// login action) an answer matching login_success.
func (p *player) loginDone(out *pending, text string) bool {
	if steps := p.r.plan.login; len(steps) > 0 {
		return out.step != nil && out.step.index == len(steps)-1
	}
	return !out.setup && p.r.plan.loginRe.MatchString(text)
}

// armGap (re)starts the quiet gap of the command in flight.
func (p *player) armGap() {
	p.gap.Reset(p.out.gapLen)
	p.gapArmed = true
}

// stopGap stops the quiet gap.
func (p *player) stopGap() {
	if p.gapArmed {
		p.gap.Stop()
		p.gapArmed = false
	}
}

// gapC is the quiet gap's channel while it runs, nil (never ready)
// otherwise.
func (p *player) gapC() <-chan time.Time {
	if p.gapArmed {
		return p.gap.C
	}
	return nil
}

// gapped ends the quiet gap: the command in flight completes at its last
// byte (its latency is last byte - send), or, with no output at all, now
// (its latency is then the gap). False if the player is gone.
func (p *player) gapped() bool {
	p.gapArmed = false
	if p.out == nil {
		return true
	}
	at := p.out.last
	if at.IsZero() {
		at = time.Now()
	}
	p.complete(at)
	return p.settle()
}

// scanMarkers reads the whole lines of buf not read yet: the begin
// marker's line starts the output, the end marker's line completes it
// (true). Lines before the begin marker (another player's say, a
// message from before the command) are not the command's output.
func (o *pending) scanMarkers(m markers) bool {
	s := o.buf.String()
	for {
		i := strings.IndexByte(s[o.scanned:], '\n')
		if i < 0 {
			return false
		}
		start := o.scanned
		line := strings.TrimSuffix(s[start:start+i], "\r")
		o.scanned += i + 1
		switch {
		case line == m.begin:
			o.inside, o.bodyStart = true, o.scanned
		case line == m.end && o.inside:
			o.bodyEnd = start
			return true
		}
	}
}

// output is the command's output: in marker mode, what came between its
// marker lines; otherwise everything since it was sent.
func (o *pending) output() string {
	s := o.buf.String()
	if o.mode == CompletionMarker && o.bodyEnd >= o.bodyStart && o.inside {
		return s[o.bodyStart:o.bodyEnd]
	}
	return s
}

// sendMarkers asks the server for this connection's marker lines (marker
// mode), once after connecting: the commands are not measured. False if
// the player was lost.
func (p *player) sendMarkers() bool {
	c := &p.r.plan.sc.Completion
	if c.Mode != CompletionMarker {
		return true
	}
	for _, cmd := range []string{strings.ReplaceAll(c.Begin, MarkerToken, p.marks.begin), strings.ReplaceAll(c.End, MarkerToken, p.marks.end)} {
		if err := p.conn.send(cmd); err != nil {
			p.lose(ReasonWrite)
			return false
		}
	}
	return true
}

// matchLines matches a login regexp (multi-line) against text with its
// carriage returns removed, so that $ matches at the end of a line that
// a server ended with CRLF.
func matchLines(re *regexp.Regexp, text string) bool {
	if strings.IndexByte(text, '\r') >= 0 {
		text = strings.ReplaceAll(text, "\r", "")
	}
	return re.MatchString(text)
}

// noLoginDetail explains a login that ended without logging in.
func (p *player) noLoginDetail() string {
	if len(p.r.plan.login) > 0 {
		return "the login script ended without logging in"
	}
	return fmt.Sprintf("login action %q: login_success %q never matched", p.prof.Login, truncate(p.r.plan.sc.LoginSuccess, 60))
}
