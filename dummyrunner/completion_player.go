package dummyrunner

import (
	"fmt"
	"regexp"
	"slices"
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
		out.fails = p.stepFails(out.step)
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
	return p.expandRegexp(st.expectSrc, st.expect)
}

// expandRegexp compiles src with the player's template fields, quoted;
// fallback (compiled with stand-in values) if that fails.
func (p *player) expandRegexp(src string, fallback *regexp.Regexp) *regexp.Regexp {
	q := p.sc
	q.name, q.password, q.startRoom = regexp.QuoteMeta(q.name), regexp.QuoteMeta(q.password), regexp.QuoteMeta(q.startRoom)
	q.objs, q.exits = nil, nil
	re, err := regexp.Compile("(?m)" + expand(src, &q))
	if err != nil {
		return fallback // checked with stand-in values at compile; quoted values keep it valid
	}
	return re
}

// stepFails are a step's fail patterns for this player: those with
// template fields compiled with the player's values.
func (p *player) stepFails(st *loginStep) []failPattern {
	out := st.fail
	for i, f := range st.fail {
		if !f.expand {
			continue
		}
		if &out[0] == &st.fail[0] {
			out = slices.Clone(st.fail)
		}
		out[i].re = p.expandRegexp(f.src, f.re)
	}
	return out
}

// stepFailed checks the login step in flight against its fail patterns;
// on a match the player is lost (login_failed), and true is returned.
func (p *player) stepFailed() bool {
	out := p.out
	text := withoutCR(out.buf.String()) // once, not once per pattern
	for _, f := range out.fails {
		if f.re.MatchString(text) {
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
// byte (its latency is last byte - send). The gap only runs once output
// came: a command with no output at all is not answered, it times out.
// False if the player is gone.
func (p *player) gapped() bool {
	p.gapArmed = false
	if p.out == nil {
		return true
	}
	p.complete(p.out.last)
	return p.settle()
}

// write adds text to the output kept, at most maxOutput bytes of it;
// the rest is counted in dropped.
func (o *pending) write(text string) {
	o.total += len(text)
	if room := maxOutput - o.buf.Len(); len(text) > room {
		o.dropped += len(text) - room
		text = text[:room]
	}
	o.buf.WriteString(text)
}

// maxMarkerLine bounds the unfinished line kept while scanning for
// marker lines: a longer line is no marker.
const maxMarkerLine = 1 << 10

// scanMarkers reads the whole lines that text (just written) finishes:
// the begin marker's line starts the output, the end marker's line
// completes it (true). Lines before the begin marker (another player's
// say, a message from before the command) are not the command's output.
// Only the new text and the unfinished line before it are read, and
// offsets count every byte of the output, kept or not.
func (o *pending) scanMarkers(m markers, text string) bool {
	pos := o.total - len(text) - len(o.line) // where o.line starts
	s := o.line + text
	o.line = ""
	for {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			if len(s) > maxMarkerLine {
				s = s[len(s)-maxMarkerLine:] // too long for a marker line: its tail can still not be one, but keep offsets right
				o.longLine = true
			}
			o.line = s
			return false
		}
		line := strings.TrimSuffix(s[:i], "\r")
		long := o.longLine
		o.longLine = false
		start := pos
		pos += i + 1
		s = s[i+1:]
		switch {
		case long:
		case line == m.begin:
			o.inside, o.bodyStart = true, pos
		case line == m.end && o.inside:
			o.bodyEnd = start
			return true
		}
	}
}

// scanTag looks for the echo probe's answer in text (just written) and
// the bytes before it that the answer could start in.
func (o *pending) scanTag(text string) bool {
	needle := EchoCommand + ":" + o.tag + ","
	if o.tag == "" {
		if o.action != "login_screen" {
			return false
		}
		needle = EchoCommand + ":login-screen,"
	}
	s := o.tail + text
	if strings.Contains(s, needle) {
		return true
	}
	if keep := len(needle) - 1; len(s) > keep {
		s = s[len(s)-keep:]
	}
	o.tail = s
	return false
}

// output is the command's output, at most maxOutput bytes of it: in
// marker mode, what came between its marker lines; otherwise everything
// since it was sent.
func (o *pending) output() string {
	s := o.buf.String()
	if o.mode == CompletionMarker && o.bodyEnd >= o.bodyStart && o.inside {
		return s[min(o.bodyStart, len(s)):min(o.bodyEnd, len(s))]
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
	return re.MatchString(withoutCR(text))
}

// withoutCR is text with its carriage returns removed (text itself,
// not a copy, when it has none).
func withoutCR(text string) string {
	if strings.IndexByte(text, '\r') >= 0 {
		return strings.ReplaceAll(text, "\r", "")
	}
	return text
}

// matchLinesIndex is matchLines returning where the leftmost match ends
// in text (carriage returns counted), or -1.
func matchLinesIndex(re *regexp.Regexp, text string) int {
	if strings.IndexByte(text, '\r') < 0 {
		if loc := re.FindStringIndex(text); loc != nil {
			return loc[1]
		}
		return -1
	}
	loc := re.FindStringIndex(withoutCR(text))
	if loc == nil {
		return -1
	}
	n := 0 // bytes of the stripped text passed
	for i := 0; i < len(text); i++ {
		if n == loc[1] {
			return i
		}
		if text[i] != '\r' {
			n++
		}
	}
	return len(text)
}

// noLoginDetail explains a login that ended without logging in.
func (p *player) noLoginDetail() string {
	if len(p.r.plan.login) > 0 {
		return "the login script ended without logging in"
	}
	return fmt.Sprintf("login action %q: login_success %q never matched", p.prof.Login, truncate(p.r.plan.sc.LoginSuccess, 60))
}

// maxOutput bounds the output a command keeps for its completion and
// checks; what comes beyond it is counted, not kept.
const maxOutput = 64 << 10
