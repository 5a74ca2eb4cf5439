package dummyrunner

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/portalsim/portalsim/reports"
)

// queued is one command waiting to be sent (Evennia's client._cmdlist).
type queued struct {
	text     string
	action   string
	login    bool // part of the login action
	logout   bool // part of the logout action: completes when the server closes
	intended time.Time
	comp     *completion // how it completes; nil: the scenario's
	step     *loginStep  // the login script's step it is, if any
	setup    bool        // the completion's setup commands (after the login)
}

// pending is the command in flight: at most one per player, so every
// byte of output belongs to it.
type pending struct {
	queued
	sent  time.Time
	first time.Time
	last  time.Time // the last byte (quiet mode's completion time)
	buf   strings.Builder
	tag   string // the echo sentinel's tag, in echo completion mode
	mode  string // the completion mode it waits for (see completes)
	// expect completes a login step when its output matches.
	expect *regexp.Regexp
	fails  []failPattern  // a login step's fail patterns, for this player
	re     *regexp.Regexp // regex mode's pattern
	gapLen time.Duration  // quiet mode's gap
	// Marker mode: the output between the begin and end lines. Offsets
	// count every byte of the output (total), kept or not.
	bodyStart, bodyEnd int
	inside             bool
	line               string // the unfinished line (marker mode)
	longLine           bool   // the unfinished line is too long for a marker
	tail               string // the bytes an echo tag could start in (echo mode)
	total, dropped     int    // bytes of output; bytes beyond maxOutput, not kept
	unmeasured         bool   // a login step that sends nothing: not a command
}

// player is one dummy client and its script. All its fields belong to
// its own goroutine; only the socket reader runs beside it.
type player struct {
	r       *Runner
	id      int
	pace    *rand.Rand // timing decisions (closed model)
	content *rand.Rand // which actions: the same seed gives the same commands
	prof    *Profile
	sc      script

	transport string // the door it comes in through (see transports)
	conn      conn
	start     time.Time // the connection attempt began
	state     string
	cmds      []queued
	out       *pending
	wantSend  bool // a tick chose to send while a command was in flight
	seq       int

	loginStarted, loggedIn, countedLogin bool
	finished                             bool // lost or done was reported
	settled                              bool // counted by loginSettled
	timeout                              *time.Timer
	// gap is the quiet mode's timer, running while gapArmed.
	gap      *time.Timer
	gapArmed bool
	marks    markers // this connection's marker lines (marker mode)
	setupOK  bool    // the echo probe is installed (no setup, or setup done)
	lastSaid string  // the last login command's output
	// carry is output a completed login step did not consume (what came
	// after its match in the same read, or the login screen's text): the
	// next step that only waits for output reads it first.
	carry string
}

func newPlayer(r *Runner, id int) *player {
	seed := uint64(r.plan.sc.Seed)
	p := &player{
		r:       r,
		id:      id,
		pace:    rand.New(rand.NewPCG(seed, uint64(id)<<1)),
		content: rand.New(rand.NewPCG(seed, uint64(id)<<1|1)),
	}
	p.prof = r.plan.profileFor(p.content.Float64())
	p.transport = r.plan.transportFor(id)
	p.sc = script{
		name:      fmt.Sprintf("Dummy_%s_%d", r.prefix, id),
		password:  r.password + "-" + strconv.Itoa(id),
		startRoom: fmt.Sprintf("testing_room_start_%s_%d", r.prefix, id),
		prefix:    fmt.Sprintf("%s_%d", r.prefix, id),
		n:         id,
	}
	if id < len(r.plan.accounts) {
		a := r.plan.accounts[id]
		p.sc.name, p.sc.password = a.name, a.password
	}
	p.timeout = time.NewTimer(time.Hour)
	p.timeout.Stop()
	p.gap = time.NewTimer(time.Hour)
	p.gap.Stop()
	p.marks = markersFor(r.prefix, id)
	p.setupOK = len(r.plan.sc.Completion.Setup) == 0
	return p
}

func (p *player) emit(res Result) {
	res.Client = p.id
	res.Transport = p.transport
	if res.At.IsZero() {
		res.At = time.Now()
	}
	p.r.results <- res
}

func (p *player) setState(state, phase string, at time.Time) {
	p.state = state
	p.emit(Result{Kind: KindState, State: state, Phase: phase, At: at, Latency: at.Sub(p.start)})
}

// lose ends the player early for reason, failing a command in flight. A
// login step in flight gives the loss its detail (which step, why); the
// server closing the connection during one is a failed login.
func (p *player) lose(reason string) {
	if p.finished {
		return
	}
	detail := ""
	if p.out != nil && p.out.step != nil {
		switch reason {
		case ReasonAborted:
			detail = p.out.step.describe() + ": still waiting when the run ended"
		case ReasonTimeout:
			detail = fmt.Sprintf("%s: no answer in %v", p.out.step.describe(), p.out.step.timeout)
		case ReasonDisconnected:
			reason, detail = ReasonLoginFailed, p.out.step.describe()+": the server closed the connection"
		}
	}
	if p.out != nil && p.out.setup {
		detail = p.setupDetail(reason)
	}
	p.loseWith(reason, detail)
}

// setupDetail explains a loss while the completion's setup commands
// were in flight: which commands (their templates), what was missing,
// and the start of what the server said.
func (p *player) setupDetail(reason string) string {
	what := "no answer"
	switch reason {
	case ReasonTimeout:
		what = fmt.Sprintf("the echo probe was not answered in %v", p.r.plan.sc.CommandTimeout)
	case ReasonDisconnected:
		what = "the server closed the connection"
	case ReasonAborted:
		what = "still waiting when the run ended"
	}
	said := sanitizeSaid(p.redact(p.out.buf.String()))
	if said == "" {
		said = "nothing"
	} else {
		said = strconv.Quote(truncate(said, 80))
	}
	return fmt.Sprintf("completion.setup (%s): %s; the server said %s", truncate(strings.Join(p.r.plan.sc.Completion.Setup, " | "), 60), what, said)
}

// loseWith ends the player early for reason, with a detail for the report
// (empty: none), and logs a detail's first occurrence in the run.
func (p *player) loseWith(reason, detail string) {
	if p.finished {
		return
	}
	p.finished = true
	said := ""
	if p.out != nil {
		said = p.out.buf.String()
		p.fail(reason)
	}
	if detail != "" {
		p.r.logLoss(p.id, reason, detail, p.redact(said))
	}
	p.emit(Result{Kind: KindLost, State: p.state, Reason: reason, Detail: detail})
	p.releaseLogin()
	p.hangUp()
}

// hangUp closes the connection and reports what it moved on the wire.
func (p *player) hangUp() {
	if p.conn == nil {
		return
	}
	p.conn.close()
	w := p.conn.wire()
	p.emit(Result{Kind: KindWire, Wire: &reports.Wire{Connections: 1, BytesIn: w.bytesIn, BytesOut: w.bytesOut,
		Messages: w.messages, Malformed: w.malformed, OOB: w.oob, Decode: w.decode}})
	p.conn = nil
}

// connect dials and waits for the login screen (the first prompt, or the
// answer to an echo probe). False if the player was lost.
func (p *player) connect(ctx context.Context) bool {
	p.start = time.Now()
	p.state = StateConnecting
	p.emit(Result{Kind: KindState, State: StateConnecting, At: p.start})
	if err := p.r.dialSem.Acquire(ctx, 1); err != nil {
		p.emit(Result{Kind: KindLost, State: StateConnecting, Reason: ReasonAborted})
		return false
	}
	conn, steps, err := p.r.dialers[p.transport](ctx, p.r.dialTarget(p))
	p.r.dialSem.Release(1)
	if err != nil {
		lost := Result{Kind: KindLost, State: StateConnecting, Reason: ReasonDial}
		if de, ok := errors.AsType[*dialError](err); ok {
			lost.Reason, lost.Phase = de.reason, de.phase
			for _, s := range de.reached {
				p.setState(StateConnected, s.phase, s.at)
			}
			if len(de.reached) > 0 {
				lost.State = StateConnected
			}
		}
		if ctx.Err() != nil {
			lost.Reason = ReasonAborted
		}
		p.emit(lost)
		return false
	}
	p.conn = conn
	if len(steps) == 0 {
		steps = []step{{phase: "connect", at: time.Now()}}
	}
	for _, s := range steps {
		p.setState(StateConnected, s.phase, s.at)
	}
	if !p.sendMarkers() {
		return false
	}
	rule := p.screenRule()
	if rule == CompletionEcho {
		p.queueFront(queued{text: EchoCommand + " login-screen", action: "login_screen"})
		p.sendNext()
	}
	deadline := time.NewTimer(p.r.plan.sc.ConnectTimeout)
	defer deadline.Stop()
	var firstText, lastText time.Time
	var seen strings.Builder // the output so far, for the screen regexp and the log
	screen := func(at time.Time) bool {
		neg := conn.negotiatedAt()
		if neg.IsZero() {
			neg = firstText
		}
		if neg.IsZero() {
			neg = at
		}
		p.setState(StateConnected, "negotiation", neg)
		p.setState(StateLoginScreen, "login_screen", at)
		p.carry = seen.String() // a first step that only waits reads the banner too
		return true
	}
	for {
		select {
		case ev, ok := <-conn.recv():
			if !ok || ev.kind == evClosed {
				p.stopGap()
				p.loseScreen(ReasonDisconnected, seen.String())
				return false
			}
			if ev.kind == evText {
				if firstText.IsZero() {
					firstText = ev.at
				}
				lastText = ev.at
				if seen.Len() < maxScreen {
					seen.WriteString(ev.text)
				}
			}
			switch rule {
			case CompletionPrompt:
				if ev.kind == evPrompt {
					return screen(ev.at)
				}
			case CompletionEcho: // the probe's answer marks the screen
				p.absorb(ev)
				if p.out == nil {
					return screen(ev.at)
				}
			case CompletionRegex:
				if matchLines(p.r.plan.screen, seen.String()) {
					return screen(ev.at)
				}
			case CompletionQuiet:
				if ev.kind == evText {
					p.gap.Reset(p.screenGap())
					p.gapArmed = true
				}
			}
		case <-p.gapC():
			p.gapArmed = false
			return screen(lastText)
		case <-deadline.C:
			p.stopGap()
			p.loseScreen(ReasonNoLogin, seen.String())
			return false
		case <-ctx.Done():
			p.stopGap()
			p.loseScreen(ReasonAborted, seen.String())
			return false
		}
	}
}

// maxScreen bounds the output kept while waiting for the login screen.
const maxScreen = 64 << 10

// screenRule is how the login screen is recognized: CompletionRegex (the
// login script's screen), CompletionPrompt (the first GA/EOR),
// CompletionEcho (the probe's answer, when no setup must install it) or
// CompletionQuiet (the first output followed by a quiet gap).
func (p *player) screenRule() string {
	switch pl := p.r.plan; {
	case pl.screen != nil:
		return CompletionRegex
	case pl.sc.Completion.Mode == CompletionPrompt:
		return CompletionPrompt
	case pl.sc.Completion.Mode == CompletionEcho && len(pl.sc.Completion.Setup) == 0:
		return CompletionEcho
	}
	return CompletionQuiet
}

// screenGap is the quiet gap that marks the login screen.
func (p *player) screenGap() time.Duration {
	if c := p.r.plan.sc.Completion; c.Mode == CompletionQuiet && c.Gap > 0 {
		return c.Gap
	}
	return DefaultQuietGap
}

// loseScreen loses a player that never reached the login screen, saying
// what it waited for and what the server sent instead.
func (p *player) loseScreen(reason, said string) {
	if p.finished {
		return
	}
	var detail string
	switch p.screenRule() {
	case CompletionRegex:
		detail = fmt.Sprintf("login screen: login.screen %q did not match", truncate(p.r.plan.sc.Login.Screen, 60))
	case CompletionPrompt:
		detail = "login screen: no prompt (telnet GA or EOR) came; a game that sends none needs login.screen or another completion mode"
	case CompletionEcho:
		detail = "login screen: no answer to the echo probe"
	default:
		detail = "login screen: no output"
	}
	p.finished = true
	if p.out != nil {
		p.fail(reason)
	}
	p.r.logLoss(p.id, reason, detail, said)
	p.emit(Result{Kind: KindLost, State: p.state, Reason: reason, Detail: detail})
	p.releaseLogin()
	p.hangUp()
}

// redact hides the player's password in text meant for a log, a report
// or the schedule.
func (p *player) redact(text string) string {
	if p.sc.password == "" {
		return text
	}
	return strings.ReplaceAll(text, p.sc.password, "********")
}

// queueFront puts a command before the others.
func (p *player) queueFront(q queued) { p.cmds = append([]queued{q}, p.cmds...) }

// loadAction appends an action's commands.
func (p *player) loadAction(a WeightedAction, login, logout bool) {
	comp := p.r.plan.completionOf(a.Completion)
	for _, text := range commandsFor(a, &p.sc) {
		p.cmds = append(p.cmds, queued{text: text, action: a.Action, login: login, logout: logout, comp: comp})
	}
}

// loadLogin queues the login: the scenario's login script, or the
// profile's login action; then the completion's setup commands.
func (p *player) loadLogin() {
	p.loginStarted = true
	p.countedLogin = true
	p.r.loggingIn.Add(1)
	if steps := p.r.plan.login; len(steps) > 0 {
		for i := range steps {
			st := &steps[i]
			p.cmds = append(p.cmds, queued{text: expand(st.send, &p.sc), action: ActionLogin, login: true, step: st})
		}
	} else {
		p.loadAction(WeightedAction{Action: p.prof.Login}, true, false)
	}
	if setup := p.r.plan.sc.Completion.Setup; len(setup) > 0 {
		lines := make([]string, len(setup))
		for i, c := range setup {
			lines[i] = expand(c, &p.sc)
		}
		p.cmds = append(p.cmds, queued{text: strings.Join(lines, "\r\n"), action: ActionLogin, login: true, setup: true})
	}
	p.setState(StateLoggingIn, "", time.Now())
}

// releaseLogin takes the player out of the login-concurrency count.
func (p *player) releaseLogin() {
	if p.countedLogin {
		p.countedLogin = false
		p.r.loggingIn.Add(-1)
	}
}

// sendNext sends the first queued command. False if the player was lost.
func (p *player) sendNext() bool {
	if len(p.cmds) == 0 || p.out != nil {
		return true
	}
	q := p.cmds[0]
	p.cmds = p.cmds[1:]
	now := time.Now()
	text := strings.ReplaceAll(q.text, TimestampMark, strconv.FormatFloat(float64(now.UnixNano())/1e9, 'f', 6, 64))
	p.seq++
	p.out = &pending{queued: q, sent: now}
	p.setCompletion(p.out)
	if p.out.mode == CompletionEcho && !q.logout && !strings.HasPrefix(text, EchoCommand+" login-screen") {
		p.out.tag = fmt.Sprintf("c%d-%d", p.id, p.seq)
		text += "\r\n" + EchoCommand + " " + p.out.tag
	}
	timeout := p.r.plan.sc.CommandTimeout
	if q.step != nil {
		timeout = q.step.timeout
	}
	p.timeout.Reset(timeout)
	carry := p.carry
	p.carry = ""
	if p.out.unmeasured {
		if carry != "" {
			p.absorbText(carry, now) // what the step before left unread
		}
		return !p.finished // a step that only waits for output
	}
	if q.action != "login_screen" { // the echo probe standing for the login screen is not a command
		p.r.logSchedule(p.id, p.seq, q.action, p.redact(q.text), q.intended, now)
		p.emit(Result{Kind: KindSent, Action: q.action, Command: p.redact(q.text), At: now, Intended: q.intended})
	}
	if err := p.conn.send(text); err != nil {
		p.lose(ReasonWrite)
		return false
	}
	return true
}

// absorb applies one socket event to the command in flight; it may lose
// the player (a login step's fail pattern).
func (p *player) absorb(ev connEvent) {
	out := p.out
	if out == nil {
		return
	}
	switch ev.kind {
	case evText:
		p.absorbText(ev.text, ev.at)
	case evPrompt:
		if out.mode == CompletionPrompt && out.expect == nil {
			p.complete(ev.at)
		}
	}
}

// absorbText adds text that came at time at to the command in flight's
// output and completes it when its completion says so. The output kept
// is bounded (maxOutput); markers and echo tags are found in the new
// text only (with the overlap a marker or tag needs), so a long answer
// is not rescanned on every read.
func (p *player) absorbText(text string, at time.Time) {
	out := p.out
	if (out.mode != CompletionMarker || out.expect != nil) && out.first.IsZero() {
		out.first = at // marker mode: the first byte after the begin marker (below)
	}
	out.last = at
	out.write(text)
	if out.step != nil && p.stepFailed() {
		return
	}
	if out.expect != nil {
		if loc := matchLinesIndex(out.expect, out.buf.String()); loc >= 0 {
			p.completeRest(at, loc)
		} else if out.dropped > 0 {
			p.failCap(fmt.Sprintf("%s: expect %q", out.step.describe(), truncate(out.step.expectSrc, 60)))
		}
		return
	}
	switch out.mode {
	case CompletionEcho:
		if out.scanTag(text) {
			p.complete(at)
		}
	case CompletionRegex:
		if matchLines(out.re, out.buf.String()) {
			p.complete(at)
		} else if out.dropped > 0 {
			p.failCap(fmt.Sprintf("completion pattern %q", truncate(strings.TrimPrefix(out.re.String(), "(?m)"), 60)))
		}
	case CompletionMarker:
		done := out.scanMarkers(p.marks, text)
		if out.first.IsZero() && out.inside && out.total > out.bodyStart {
			out.first = at // the first byte after the begin marker's line
		}
		if done {
			p.complete(at)
		}
	case CompletionQuiet:
		p.armGap() // the gap starts at the first byte and restarts at each
	}
}

// completeRest completes a login step whose expectation matched text
// ending at byte end of its output, keeping the rest of the output for
// the next step that only waits.
func (p *player) completeRest(at time.Time, end int) {
	p.carry = ""
	if s := p.out.buf.String(); end < len(s) {
		p.carry = s[end:]
	}
	p.complete(at)
}

// failCap fails the command in flight whose completion (what) can no
// longer match: its output outgrew maxOutput. The player is lost: what
// it waits for is beyond what it keeps.
func (p *player) failCap(what string) {
	p.loseWith(ReasonOutputCap, fmt.Sprintf("%s: no match in the first %d KiB of output, the most kept", what, maxOutput>>10))
}

// complete finishes the command in flight as answered at time at.
func (p *player) complete(at time.Time) {
	out := p.out
	p.out = nil
	p.timeout.Stop()
	p.stopGap()
	res := Result{Kind: KindCommand, Action: out.action, At: at, Latency: at.Sub(out.sent), Intended: out.intended}
	res.TTFB = res.Latency
	if !out.first.IsZero() {
		res.TTFB = out.first.Sub(out.sent)
	}
	if !out.intended.IsZero() {
		res.Corrected = at.Sub(out.intended)
	}
	if out.action == "login_screen" {
		return // the echo probe that stands for the login screen is not a command
	}
	text := out.output()
	if out.login && !p.loggedIn {
		p.lastSaid = text // for the log line of a login that fails; not kept once logged in
	}
	if res.Check = p.check(out, text); res.Check != nil && res.Check.Failed {
		res.Reason = ReasonCheck // answered, but not as the checks want: a failed command
	}
	if !out.unmeasured {
		p.emit(res)
	}
	if strings.HasPrefix(out.text, EchoCommand+" ") {
		p.lag(text, at)
	}
	if out.setup {
		p.setupOK = true
	}
	if out.login && !p.loggedIn && p.loginDone(out, text) {
		p.loggedIn = true
		p.lastSaid = "" // only a failed login logs it: not kept for the rest of the run
		p.releaseLogin()
		p.setState(StateLoggedIn, "logged_in", at)
		if o, ok := p.conn.(oobAsker); ok {
			_ = o.loggedIn() // a failed write shows at the next command
		}
	}
	if out.login && p.loggedIn && !p.hasLogin() && p.r.plan.sc.Model != ModelOpen {
		p.loginSettled() // its whole login action is done
	}
	if len(p.cmds) > 0 && p.cmds[0].step != nil && p.cmds[0].text == "" {
		p.sendNext() // a step that waits for output starts at once: the output may be on its way
	}
}

// fail finishes the command in flight as failed for reason.
func (p *player) fail(reason string) {
	out := p.out
	p.out = nil
	p.timeout.Stop()
	p.stopGap()
	if out.action == "login_screen" || out.unmeasured {
		return
	}
	p.emit(Result{Kind: KindCommand, Action: out.action, Reason: reason, Intended: out.intended, Latency: time.Since(out.sent)})
}

// lag reads Evennia's echo answer "dummyrunner_echo_response:<t>,<server t>".
func (p *player) lag(text string, at time.Time) {
	i := strings.Index(text, EchoCommand+":")
	if i < 0 {
		return
	}
	line := text[i+len(EchoCommand)+1:]
	if j := strings.IndexAny(line, "\r\n"); j >= 0 {
		line = line[:j]
	}
	sent, server, ok := strings.Cut(strings.TrimSpace(line), ",")
	if !ok {
		return
	}
	t0, err1 := strconv.ParseFloat(strings.TrimSpace(sent), 64)
	t1, err2 := strconv.ParseFloat(strings.TrimSpace(server), 64)
	if err1 != nil || err2 != nil {
		return // the bare probe of the help action carries no time
	}
	now := float64(at.UnixNano()) / 1e9
	sec := func(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }
	p.emit(Result{Kind: KindLag, At: at, LagIn: sec(t1 - t0), LagOut: sec(now - t1), Latency: sec(now - t0)})
}

// event handles a socket event in the main loop. False if the player is gone.
func (p *player) event(ev connEvent, ok bool) bool {
	if !ok || ev.kind == evClosed {
		if p.out != nil && p.out.logout {
			p.complete(time.Now())
			return false
		}
		p.lose(ReasonDisconnected)
		return false
	}
	p.absorb(ev)
	return p.settle()
}

// settle follows up a command's completion: a login that ended without
// logging in loses the player, a send a tick wanted goes out. False if
// the player is gone.
func (p *player) settle() bool {
	if p.finished {
		return false
	}
	if p.out == nil && p.loginStarted && !p.loggedIn && !p.hasLogin() && p.state != StateLoggingOut {
		// The profile's login action ended and login_success never matched.
		p.r.logLoss(p.id, ReasonLoginFailed, p.noLoginDetail(), p.redact(p.lastSaid))
		p.emit(Result{Kind: KindLost, State: p.state, Reason: ReasonLoginFailed, Detail: p.noLoginDetail()})
		p.finished = true
		p.releaseLogin()
		p.hangUp()
		return false
	}
	if p.out == nil && p.wantSend {
		p.wantSend = false
		return p.sendNext()
	}
	return true
}

// hasLogin reports whether login commands are still queued.
func (p *player) hasLogin() bool {
	for _, q := range p.cmds {
		if q.login {
			return true
		}
	}
	return false
}

// leave logs the player out at the end of the run: it lets the command in
// flight finish, sends the logout action and waits for the server to close
// the connection, all within the grace period. What is still in flight at
// the end is failed as aborted.
func (p *player) leave(grace time.Duration) {
	deadline := time.NewTimer(grace)
	defer deadline.Stop()
	p.wantSend = false
	p.cmds = nil
	p.setState(StateLoggingOut, "", time.Now()) // the live count of players logging out
	for p.out != nil {
		select {
		case ev, ok := <-p.conn.recv():
			if !p.event(ev, ok) {
				return
			}
		case <-p.gapC():
			if !p.gapped() {
				return
			}
		case <-deadline.C:
			p.lose(ReasonAborted)
			return
		}
	}
	if p.loggedIn {
		p.loadAction(WeightedAction{Action: p.prof.Logout}, false, true)
	} else {
		p.loadAction(WeightedAction{Action: "logout"}, false, true)
	}
	for len(p.cmds) > 0 || p.out != nil {
		if !p.sendNext() {
			return
		}
		select {
		case ev, ok := <-p.conn.recv():
			if !p.event(ev, ok) {
				p.done() // the server closed after quit; a no-op if the player was lost
				return
			}
		case <-p.gapC():
			if !p.gapped() {
				p.done() // a no-op if the player was lost
				return
			}
		case <-deadline.C:
			p.lose(ReasonAborted)
			return
		}
	}
	p.done()
}

// done reports a player that finished normally and closes its socket.
func (p *player) done() {
	if p.finished {
		return
	}
	p.finished = true
	p.releaseLogin()
	p.emit(Result{Kind: KindDone, State: p.state})
	p.hangUp()
}

// eventCh is the runner's event channel while the player is logged in and
// idle (no command in flight), and nil (never ready) otherwise.
func (p *player) eventCh() chan string {
	if p.loggedIn && p.out == nil && p.state == StateLoggedIn {
		return p.r.events
	}
	return nil
}
