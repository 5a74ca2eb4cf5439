package dummyrunner

import (
	"cmp"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"golang.org/x/sync/semaphore"

	"github.com/portalsim/portalsim/internal/faults"
)

// maxDialsInFlight bounds concurrent connection attempts so thousands of
// players starting at once do not overflow the server's accept backlog.
const maxDialsInFlight = 256

// Options are the runner's settings that are not part of the scenario.
type Options struct {
	// Target overrides the scenario's target (host:port): the telnet door.
	Target string
	// WebsocketURL overrides the scenario's websocket.url: the websocket
	// door, for the websocket transport.
	WebsocketURL string
	// TLSTarget overrides the scenario's tls.target (host:port): the TLS
	// telnet door, for the tls transport.
	TLSTarget string
	// SSHTarget overrides the scenario's ssh.target (host:port): the SSH
	// door, for the ssh transport.
	SSHTarget string
	// TargetPIDs are the target's processes on this machine: their CPU
	// time counts as the run's own in the machine load, not as other
	// processes' (see [reports.Load]).
	TargetPIDs []int
	// Backstage is the embedded game's link and server, for the faults
	// that act on them; nil against a target.
	Backstage Backstage
	// First and Count select the players this runner drives (ids
	// First..First+Count-1), for --procs and --shard; Count 0 means all.
	First, Count int
	// Schedule, if set, receives one JSON line per command sent: the
	// realized schedule, for reproducing a run.
	Schedule io.Writer
	// NameNonce is mixed into the players' names and passwords when the
	// scenario's names are NamesUnique: the processes of one run share it
	// ([Execute] takes the report's run id). Empty: a random one.
	NameNonce string
	// Logger receives the runner's log lines (a failed login, once per
	// step and reason); nil discards them.
	Logger *slog.Logger
	// Partial says the runner drives one process of a run whose reports
	// the caller merges (the children of --procs): [Execute] then leaves
	// the judgements of the whole run ([RequireMeasurements]) to it.
	Partial bool
	// Observer, if set, sees every result and health sample of the run
	// as [Execute] aggregates them (live metrics); nil for none.
	Observer Observer
	// SteadyFor, if above 0, ends a closed-model run this long after
	// every player's login settled (see [Fault].After), or at the
	// scenario's duration if that comes first: a run of a steady window
	// however long the logins take (the capacity search's trials). Either
	// end is a planned end. The open model ignores it.
	SteadyFor time.Duration
}

// Runner executes a compiled scenario, a [Plan]. Create one per run with
// [NewRunner].
type Runner struct {
	interrupted atomic.Bool // the last Run ended before its planned end
	plan        *Plan
	opts        Options
	target      string
	doors       map[string]string // transport -> where its players dial
	prefix      string            // derived from the seed (and the nonce with NamesUnique)
	nonce       string            // the NamesUnique nonce; empty with NamesSeed
	password    string
	log         *slog.Logger
	logged      sync.Map // the login failures already logged (one line each)
	results     chan<- Result
	dialSem     *semaphore.Weighted

	dial        string        // where players connect: the target, or the client fault proxy in front of it
	clientProxy *faults.Proxy // nil without client-side faults
	loginsLeft  atomic.Int64  // closed-model players whose login is not settled yet
	loginsDone  chan struct{} // closed when loginsLeft reaches 0

	// dialers dial each transport: the transports registry, or a test's
	// in-memory game.
	dialers map[string]dialFunc

	loggingIn atomic.Int64
	events    chan string // scenario events, taken by the first free logged-in player

	schedMu sync.Mutex
}

// NewRunner prepares a run of a compiled scenario.
func NewRunner(plan *Plan, opts Options) (*Runner, error) {
	sc := &plan.sc
	target := cmp.Or(opts.Target, sc.Target)
	doors := map[string]string{
		TransportTelnet:      target,
		TransportTelnetMCCP2: target,
		TransportTelnetGMCP:  target,
		TransportWebsocket:   cmp.Or(opts.WebsocketURL, sc.Websocket.URL),
		TransportTLS:         cmp.Or(opts.TLSTarget, sc.TLS.Target),
		TransportSSH:         cmp.Or(opts.SSHTarget, sc.SSH.Target),
	}
	for _, name := range TransportNames() {
		if plan.Uses(name) && doors[name] == "" {
			return nil, fmt.Errorf("%w: no address for the %s transport (%s)", ErrInvalidScenario, name, map[string]string{
				TransportTelnet: "target", TransportTelnetMCCP2: "target", TransportTelnetGMCP: "target", TransportWebsocket: "websocket.url", TransportTLS: "tls.target", TransportSSH: "ssh.target"}[name])
		}
	}
	if target == "" { // no telnet player: the report names the first door used
		for _, name := range plan.transportList {
			if target = doors[name]; target != "" {
				break
			}
		}
	}
	if err := checkFaultSupport(sc, opts); err != nil {
		return nil, err
	}
	nonce := ""
	if sc.Names != NamesSeed {
		if nonce = opts.NameNonce; nonce == "" {
			var b [4]byte
			_, _ = crand.Read(b[:]) // crypto/rand.Read never fails
			nonce = hex.EncodeToString(b[:])
		}
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%d", sc.Seed)
	if nonce != "" {
		fmt.Fprintf(h, "/%s", nonce)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	sum := h.Sum64()
	// Evennia: 20 random alphanumerics per run. With unique names they
	// are secret (crypto/rand: the report's seed and nonce do not give
	// them away); with names from the seed, the seed gives them, as it
	// gives the names, so that a run can be repeated command for command.
	var src rand.Source = rand.NewPCG(sum, 0)
	if nonce != "" {
		src = rand.NewChaCha8(cryptoSeed())
	}
	rng := rand.New(src)
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	pw := make([]byte, 20)
	for i := range pw {
		pw[i] = letters[rng.IntN(len(letters))]
	}
	return &Runner{
		plan:     plan,
		opts:     opts,
		target:   target,
		doors:    doors,
		prefix:   fmt.Sprintf("%06x", sum&0xffffff),
		nonce:    nonce,
		password: string(pw),
		log:      log.With("component", "dummyrunner"),
		dialSem:  semaphore.NewWeighted(maxDialsInFlight),
		dialers:  transports,
		events:   make(chan string),
	}, nil
}

// NameNonce is the nonce mixed into the players' names (NamesUnique),
// empty when they come from the seed alone.
func (r *Runner) NameNonce() string { return r.nonce }

// Target is the address the players connect to (the telnet door's, if
// any player uses it).
func (r *Runner) Target() string { return r.target }

// Door is where the players of a transport connect, "" if none does.
func (r *Runner) Door(transport string) string {
	if !r.plan.Uses(transport) {
		return ""
	}
	return r.doors[transport]
}

// dialTarget is where and how player p dials: its transport's door (the
// telnet players through the client fault proxy, if there is one).
func (r *Runner) dialTarget(p *player) dialTarget {
	addr := r.doors[p.transport]
	if p.transport == TransportTelnet {
		addr = r.dial
	}
	return dialTarget{addr: addr, timeout: r.plan.sc.ConnectTimeout, player: p.id, prefix: r.prefix, ws: r.plan.sc.Websocket, tls: r.plan.sc.TLS,
		ssh: r.plan.sc.SSH, user: p.sc.name, quickack: r.plan.sc.TCPQuickAck}
}

// Players returns the ids this runner drives in the closed model.
func (r *Runner) Players() (first, count int) {
	count = r.opts.Count
	if count == 0 {
		count = r.plan.sc.Clients - r.opts.First
	}
	return r.opts.First, count
}

// Run drives the players until the scenario's duration has passed or ctx
// ends, then logs every player out (bounded by the scenario's logout
// grace) and returns. Every measurement goes to results, which Run closes.
func (r *Runner) Run(ctx context.Context, results chan<- Result) error {
	r.results = results
	defer close(results)
	r.dial, r.loginsDone = r.target, make(chan struct{})
	if err := r.openClientProxy(); err != nil {
		return err
	}
	defer r.closeClientProxy() // after every player is done (wg.Wait below)
	planned, cancel := context.WithTimeoutCause(ctx, r.plan.PlannedDuration(), errPlannedEnd)
	defer cancel()
	stop, stopSteady := context.WithCancelCause(planned)
	defer stopSteady(nil)
	if r.opts.SteadyFor > 0 && r.plan.sc.Model != ModelOpen {
		go r.endSteady(stop, stopSteady)
	}
	var wg sync.WaitGroup
	probeDone := make(chan struct{})
	go func() { defer close(probeDone); r.probe(stop) }()
	if r.opts.First == 0 { // with several processes or shards, the first one sends the events
		go r.scheduleEvents(stop)
	}
	r.runFaults(stop, &wg)
	switch r.plan.sc.Model {
	case ModelOpen:
		r.arrivals(stop, &wg)
	default:
		first, count := r.Players()
		if r.loginsLeft.Store(int64(count)); count == 0 {
			close(r.loginsDone)
		}
		for i := range count {
			p := newPlayer(r, first+i)
			wg.Go(func() {
				r.runClosed(stop, p, time.Duration(i)*r.plan.sc.RampUp/time.Duration(max(count, 1)))
				p.loginSettled() // if it never logged in
			})
		}
	}
	wg.Wait()
	<-probeDone
	// Stopped, but not by its own plan: ctx ended first.
	r.interrupted.Store(stop.Err() != nil && context.Cause(stop) != errPlannedEnd)
	return nil
}

// endSteady ends the run (stop) Options.SteadyFor after every login
// settled, unless it ends first.
func (r *Runner) endSteady(ctx context.Context, stop context.CancelCauseFunc) {
	select {
	case <-r.loginsDone:
	case <-ctx.Done():
		return
	}
	t := time.NewTimer(r.opts.SteadyFor)
	defer t.Stop()
	select {
	case <-t.C:
		stop(errPlannedEnd)
	case <-ctx.Done():
	}
}

// errPlannedEnd is the cause of a run's end at its planned duration.
var errPlannedEnd = errors.New("the planned duration is over")

// Interrupted reports whether the last Run was stopped (its ctx ended)
// before its planned end.
func (r *Runner) Interrupted() bool { return r.interrupted.Load() }

// runClosed is one player of the closed model, paced like Evennia's
// dummyrunner: a tick every TIMESTEP (jittered once per player), one
// random draw per tick deciding both whether to log in and whether to
// send the next command.
func (r *Runner) runClosed(ctx context.Context, p *player, delay time.Duration) {
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			// Counted as started and lost, so that started = finished + lost holds.
			p.emit(Result{Kind: KindState, State: StateConnecting})
			p.emit(Result{Kind: KindLost, State: StateConnecting, Reason: ReasonAborted})
			return
		}
	}
	interval := closedInterval(r.plan.sc.Pacing.Timestep, p.pace.Float64())
	if !p.connect(ctx) {
		return
	}
	pc := &closedPacer{r: r, interval: interval, next: time.Now(), tick: time.NewTimer(0)}
	defer pc.tick.Stop()
	r.play(ctx, p, pc)
}

// closedPacer paces a closed-model player: a tick every interval, from
// its login screen on, each tick one closedStep.
type closedPacer struct {
	r        *Runner
	interval time.Duration
	next     time.Time // the tick the timer is set for
	tick     *time.Timer
}

func (c *closedPacer) due(*player) (<-chan time.Time, bool) { return c.tick.C, true }

func (c *closedPacer) fire(p *player) bool {
	if !c.r.closedStep(p) {
		return false
	}
	c.next = c.next.Add(c.interval)
	c.tick.Reset(time.Until(c.next))
	return true
}

// closedInterval is the time between a closed-model player's ticks,
// Evennia's rule: TIMESTEP - df + u·df, with df a tenth of the timestep
// (at least a thousandth, at most 500ms) and u the player's one uniform
// draw in [0, 1): so in [0.9, 1.0) × TIMESTEP for timesteps up to 5s,
// different for each player.
func closedInterval(step time.Duration, u float64) time.Duration {
	df := max(0.001*float64(step), min(float64(step)/10, float64(500*time.Millisecond)))
	return time.Duration(float64(step) - df + u*df)
}

// TimestepFor returns the timestep whose closed-model ticks come every
// mean on average: the inverse of the mean of [closedInterval] over its
// uniform draw, step - df/2. A player at chance_of_action c then sends
// c/mean commands a second, not c/step (5% more for timesteps up to 5s).
func TimestepFor(mean time.Duration) time.Duration {
	m := float64(mean)
	switch {
	case m <= 0.95*float64(5*time.Second): // df = step/10
		return time.Duration(m / 0.95)
	case m <= float64(500*time.Second)-float64(250*time.Millisecond): // df = 500ms
		return time.Duration(m + float64(250*time.Millisecond))
	}
	return time.Duration(m / 0.9995) // df = step/1000
}

// closedStep is one tick of Evennia's client.step().
func (r *Runner) closedStep(p *player) bool {
	pc := r.plan.sc.Pacing
	rnd := p.pace.Float64()
	if len(p.cmds) == 0 {
		switch {
		case !p.loginStarted:
			if rnd >= pc.ChanceOfLogin && r.loggingIn.Load() >= int64(pc.LoginConcurrency) {
				return true
			}
			p.loadLogin()
		case p.loggedIn:
			p.loadAction(p.prof.pick(p.content.Float64()), false, false)
		default:
			return true // still logging in
		}
	}
	if rnd < pc.ChanceOfAction {
		if p.out != nil {
			p.wantSend = true
			return true
		}
		return p.sendNext()
	}
	return true
}

// logSchedule writes one line of the realized schedule.
// The command's password is redacted by the caller.
func (r *Runner) logSchedule(client, seq int, action, command string, intended, sent time.Time) {
	if r.opts.Schedule == nil {
		return
	}
	line := struct {
		Client   int       `json:"client"`
		Seq      int       `json:"seq"`
		Action   string    `json:"action"`
		Command  string    `json:"command"`
		Intended time.Time `json:"intended,omitzero"`
		Sent     time.Time `json:"sent"`
	}{client, seq, action, command, intended, sent}
	b, _ := json.Marshal(line)
	r.schedMu.Lock()
	defer r.schedMu.Unlock()
	_, _ = r.opts.Schedule.Write(append(b, '\n'))
}

// logLoss logs a player lost with a detail (a failed login step, a login
// screen that never matched), once per detail in the run: what the
// server said last, its control characters and colours removed and cut
// to its last maxSaid characters. The caller redacts the password.
func (r *Runner) logLoss(client int, reason, detail, said string) {
	if _, seen := r.logged.LoadOrStore(detail, true); seen {
		return
	}
	r.log.Warn("player.lost", "client", client, "reason", reason, "detail", detail, "server_said", sanitizeSaid(said),
		"note", "logged once per detail; the report counts them all (clients.lost_details)")
}

// maxSaid is how much of the server's last words logLoss shows.
const maxSaid = 300

// sanitizeSaid makes server output safe and short for a log line: ANSI
// sequences removed, line breaks shown as " | ", other control
// characters dropped, blank runs squeezed, the last maxSaid runes kept.
func sanitizeSaid(s string) string {
	s = ansiRe.ReplaceAllString(s, "")
	s = strings.NewReplacer("\r\n", " | ", "\n", " | ", "\r", " | ").Replace(s)
	s = strings.Map(func(c rune) rune {
		if unicode.IsControl(c) {
			return -1
		}
		return c
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	s = strings.Trim(strings.ReplaceAll(s, "| |", "|"), " |")
	if r := []rune(s); len(r) > maxSaid {
		s = "…" + string(r[len(r)-maxSaid:])
	}
	return s
}

// probe measures the generator's own timer lateness every 10ms: when the
// generator is overloaded, its timers fire late and its latencies lie.
func (r *Runner) probe(ctx context.Context) {
	const every = 10 * time.Millisecond
	next := time.Now().Add(every)
	t := time.NewTimer(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			r.results <- Result{Kind: KindLateness, At: now, Latency: max(time.Since(next), 0)}
			next = next.Add(every)
			if d := time.Until(next); d > 0 {
				t.Reset(d)
			} else {
				next = time.Now().Add(every)
				t.Reset(every)
			}
		}
	}
}

// scheduleEvents hands each scenario event, at its time, to the first
// free logged-in player.
func (r *Runner) scheduleEvents(ctx context.Context) {
	start := time.Now()
	for _, ev := range r.plan.sc.Events {
		t := time.NewTimer(time.Until(start.Add(ev.At)))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		select {
		case r.events <- ev.Command:
		case <-ctx.Done():
			return
		}
	}
}

// cryptoSeed is a seed from crypto/rand, for what must not be guessed
// from the report.
func cryptoSeed() (seed [32]byte) {
	_, _ = crand.Read(seed[:]) // crypto/rand.Read never fails
	return seed
}
