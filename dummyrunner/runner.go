package dummyrunner

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

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
	// Backstage is the embedded game's link and server, for the faults
	// that act on them; nil against a target.
	Backstage Backstage
	// First and Count select the players this runner drives (ids
	// First..First+Count-1), for --procs and --shard; Count 0 means all.
	First, Count int
	// Schedule, if set, receives one JSON line per command sent: the
	// realized schedule, for reproducing a run.
	Schedule io.Writer
	// Partial says the runner drives one process of a run whose reports
	// the caller merges (the children of --procs): [Execute] then leaves
	// the judgements of the whole run ([RequireMeasurements]) to it.
	Partial bool
	// Observer, if set, sees every result and health sample of the run
	// as [Execute] aggregates them (live metrics); nil for none.
	Observer Observer
}

// Runner executes a scenario. Create one per run with [NewRunner].
type Runner struct {
	interrupted atomic.Bool // the last Run ended before its planned end
	sc          *Scenario
	opts        Options
	target      string
	doors       map[string]string // transport -> where its players dial
	prefix      string            // derived from the seed: names are the same in every run with that seed
	password    string
	results     chan<- Result
	dialSem     *semaphore.Weighted

	dial        string        // where players connect: the target, or the client fault proxy in front of it
	clientProxy *faults.Proxy // nil without client-side faults
	loginsLeft  atomic.Int64  // closed-model players whose login is not settled yet
	loginsDone  chan struct{} // closed when loginsLeft reaches 0

	loggingIn atomic.Int64
	events    chan string // scenario events, taken by the first free logged-in player

	schedMu sync.Mutex
}

// NewRunner prepares a run of sc.
func NewRunner(sc *Scenario, opts Options) (*Runner, error) {
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
		if sc.Uses(name) && doors[name] == "" {
			return nil, fmt.Errorf("%w: no address for the %s transport (%s)", ErrInvalidScenario, name, map[string]string{
				TransportTelnet: "target", TransportTelnetMCCP2: "target", TransportTelnetGMCP: "target", TransportWebsocket: "websocket.url", TransportTLS: "tls.target", TransportSSH: "ssh.target"}[name])
		}
	}
	if target == "" { // no telnet player: the report names the first door used
		for _, name := range sc.transportList {
			if target = doors[name]; target != "" {
				break
			}
		}
	}
	if err := checkFaultSupport(sc, opts); err != nil {
		return nil, err
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%d", sc.Seed)
	sum := h.Sum64()
	rng := rand.New(rand.NewPCG(sum, 0))
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	pw := make([]byte, 20) // Evennia: 20 random alphanumerics per run
	for i := range pw {
		pw[i] = letters[rng.IntN(len(letters))]
	}
	return &Runner{
		sc:       sc,
		opts:     opts,
		target:   target,
		doors:    doors,
		prefix:   fmt.Sprintf("%06x", sum&0xffffff),
		password: string(pw),
		dialSem:  semaphore.NewWeighted(maxDialsInFlight),
		events:   make(chan string),
	}, nil
}

// Target is the address the players connect to (the telnet door's, if
// any player uses it).
func (r *Runner) Target() string { return r.target }

// Door is where the players of a transport connect, "" if none does.
func (r *Runner) Door(transport string) string {
	if !r.sc.Uses(transport) {
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
	return dialTarget{addr: addr, timeout: r.sc.ConnectTimeout, player: p.id, prefix: r.prefix, ws: r.sc.Websocket, tls: r.sc.TLS,
		ssh: r.sc.SSH, user: p.sc.name}
}

// Players returns the ids this runner drives in the closed model.
func (r *Runner) Players() (first, count int) {
	count = r.opts.Count
	if count == 0 {
		count = r.sc.Clients - r.opts.First
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
	stop, cancel := context.WithTimeoutCause(ctx, r.sc.PlannedDuration(), errPlannedEnd)
	defer cancel()
	var wg sync.WaitGroup
	probeDone := make(chan struct{})
	go func() { defer close(probeDone); r.probe(stop) }()
	if r.opts.First == 0 { // with several processes or shards, the first one sends the events
		go r.scheduleEvents(stop)
	}
	r.runFaults(stop, &wg)
	switch r.sc.Model {
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
				r.runClosed(stop, p, time.Duration(i)*r.sc.RampUp/time.Duration(max(count, 1)))
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
	step := r.sc.Pacing.Timestep
	df := max(0.001*float64(step), min(float64(step)/10, float64(500*time.Millisecond)))
	interval := time.Duration(float64(step) - df + p.pace.Float64()*df)
	if !p.connect(ctx) {
		return
	}
	defer p.timeout.Stop()
	next := time.Now()
	tick := time.NewTimer(0)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			p.leave(r.sc.LogoutGrace)
			return
		case ev, ok := <-p.conn.recv():
			if !p.event(ev, ok) {
				return
			}
		case <-p.timeout.C:
			p.lose(ReasonTimeout)
			return
		case cmd := <-p.eventCh():
			p.queueFront(queued{text: cmd, action: "event"})
			if !p.sendNext() {
				return
			}
		case <-tick.C:
			if !r.closedStep(p) {
				return
			}
			next = next.Add(interval)
			tick.Reset(time.Until(next))
		}
	}
}

// closedStep is one tick of Evennia's client.step().
func (r *Runner) closedStep(p *player) bool {
	pc := r.sc.Pacing
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
func (r *Runner) logSchedule(client, seq int, q queued, text string, sent time.Time) {
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
	}{client, seq, q.action, q.text, q.intended, sent}
	b, _ := json.Marshal(line)
	r.schedMu.Lock()
	defer r.schedMu.Unlock()
	_, _ = r.opts.Schedule.Write(append(b, '\n'))
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
	for _, ev := range r.sc.Events {
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
