package dummyrunner

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/portalsim/portalsim/internal/faults"
	"github.com/portalsim/portalsim/reports"
)

// Backstage is what the faults behind the portal act on: the link
// between the game server and the portal, and the game server itself.
// Only a game embedded in the runner's process has one (the embedded
// stack of internal/embedded implements it); a scenario with such faults
// needs it in [Options.Backstage]. The fault schedule calls it from its
// own goroutines, one server fault at a time.
type Backstage interface {
	// LinkProxy is the relay on the link, or nil if there is none.
	LinkProxy() *faults.Proxy
	// KillServer stops the game server as SIGKILL would and waits until
	// the portal has noticed.
	KillServer(ctx context.Context) error
	// StartServer starts a game server and waits until the portal is
	// synced with it.
	StartServer(ctx context.Context) error
	// StallServer freezes the game server for d and returns at once.
	StallServer(d time.Duration) error
	// ReloadServer reloads the game server and waits until its successor
	// is synced with the portal.
	ReloadServer(ctx context.Context) error
}

// faultActTimeout bounds each act on the game server (a kill, a start,
// a reload).
const faultActTimeout = 30 * time.Second

// checkFaultSupport refuses a schedule the runner cannot carry out:
// faults behind the portal without a Backstage (a run against -target),
// link faults without a link proxy.
func checkFaultSupport(sc *Scenario, opts Options) error {
	if opts.First != 0 {
		return nil // only the first process or shard injects them
	}
	for i := range sc.Faults {
		f := &sc.Faults[i]
		switch {
		case !f.backstage():
		case opts.Backstage == nil:
			return fmt.Errorf("%w: faults[%d] (%s) acts on the %s, which only the embedded game has (no -target)", ErrInvalidScenario, i, f.Kind, f.sideOf())
		case f.sideOf() == reports.SideLink && opts.Backstage.LinkProxy() == nil:
			return fmt.Errorf("%w: faults[%d] (%s) acts on the link, and the game has no link proxy", ErrInvalidScenario, i, f.Kind)
		}
	}
	return nil
}

// openClientProxy puts a fault proxy between the players and the target
// when the schedule has client-side faults that shape or end players'
// connections: the players then connect through it for the whole run.
func (r *Runner) openClientProxy() error {
	if !r.plan.sc.proxiesClients() {
		return nil
	}
	px, err := faults.NewProxy(faults.ProxyConfig{Target: r.target, Seed: uint64(r.plan.sc.Seed)})
	if err != nil {
		return fmt.Errorf("client fault proxy: %w", err)
	}
	r.clientProxy, r.dial = px, px.Addr()
	return nil
}

// closeClientProxy closes the client-side proxy, once every player is done.
func (r *Runner) closeClientProxy() {
	if r.clientProxy != nil {
		_ = r.clientProxy.Close()
	}
}

// runFaults starts the schedule: each fault in a goroutine of wg that
// waits for its time, injects it, lifts it at the end of its window (or
// when ctx ends) and reports both as results. Other processes and
// shards than the first apply only the faults on their own players'
// connections.
func (r *Runner) runFaults(ctx context.Context, wg *sync.WaitGroup) {
	start := time.Now()
	for i := range r.plan.sc.Faults {
		f := &r.plan.sc.Faults[i]
		if r.opts.First != 0 && (f.backstage() || f.Kind == FaultStorm || f.Kind == FaultSlowloris) {
			continue
		}
		wg.Go(func() {
			from := start
			if f.After == AfterLogins {
				select {
				case <-r.loginsDone:
					from = time.Now()
				case <-ctx.Done():
					return
				}
			}
			r.runFault(ctx, from.Add(f.At), i, f)
		})
	}
}

// loginSettled counts a player whose login is settled: it logged in and
// finished its login action, or it ended first. When every player of the closed model is settled,
// loginsDone is closed. Each player counts once.
func (p *player) loginSettled() {
	if p.settled {
		return
	}
	p.settled = true
	if p.r.loginsLeft.Add(-1) == 0 {
		close(p.r.loginsDone)
	}
}

// runFault is one fault, due at at.
func (r *Runner) runFault(ctx context.Context, at time.Time, i int, f *Fault) {
	if !sleepUntil(ctx, at) {
		return // the run ended first
	}
	rec := reports.Fault{Index: i, Kind: f.Kind, Side: f.sideOf(), Detail: f.detail()}
	begun, now := rec, time.Now() // the window runs from now: a fault lasts at least For
	r.results <- Result{Kind: KindFaultStart, At: now, Fault: &begun}
	if err := r.inject(ctx, now, f, &rec); err != nil {
		rec.Error = err.Error()
	}
	r.results <- Result{Kind: KindFaultEnd, At: time.Now(), Fault: &rec}
}

// sleepUntil waits until t; false if ctx ended first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// awaitWindow waits until the end of the fault's window (the end of the run
// without one); false if ctx ended first.
func awaitWindow(ctx context.Context, at time.Time, f *Fault) bool {
	if f.For == 0 {
		<-ctx.Done()
		return false
	}
	return sleepUntil(ctx, at.Add(f.For))
}

// inject carries out one fault begun at at, and lifts it at the end of
// its window; rec gets what it acted on.
func (r *Runner) inject(ctx context.Context, at time.Time, f *Fault, rec *reports.Fault) error {
	px := r.clientProxy
	if f.sideOf() == reports.SideLink {
		px = r.opts.Backstage.LinkProxy()
	}
	switch f.Kind {
	case FaultLatency, FaultBandwidth, FaultFragment, FaultHalfOpen:
		remove, err := px.Add(f.toxic())
		if err != nil {
			return err
		}
		rec.Affected = int64(px.Affected(f.fraction()))
		awaitWindow(ctx, at, f)
		remove()
	case FaultReset:
		rec.Affected = int64(px.Reset(f.fraction()))
	case FaultCut:
		if f.For > 0 {
			px.Refuse(true)
		}
		rec.Affected = int64(px.Cut())
		if f.For > 0 {
			awaitWindow(ctx, at, f)
			px.Refuse(false)
		}
	case FaultVanish:
		n, gone := px.Vanish(f.fraction(), f.Partial)
		rec.Affected = int64(n)
		select { // the fault lasts until the last of them is gone
		case <-gone:
		case <-ctx.Done():
		}
	case FaultStorm, FaultSlowloris:
		return r.crowd(ctx, at, f, rec)
	default:
		return r.serverFault(ctx, at, f)
	}
	return nil
}

// crowd runs a crowd of extra clients against the target itself.
func (r *Runner) crowd(ctx context.Context, at time.Time, f *Fault, rec *reports.Fault) error {
	if f.Kind == FaultStorm {
		res, err := faults.Storm(ctx, faults.StormConfig{Addr: r.target, Clients: f.Clients, Rounds: f.rounds(), Timeout: r.plan.sc.ConnectTimeout})
		if err != nil {
			return err
		}
		rec.Crowd = &reports.Crowd{Connections: int64(res.Attempts), Served: int64(res.Served), Median: res.Median, Slowest: res.Slowest}
		for k, v := range res.Failed {
			if rec.Crowd.Failed == nil {
				rec.Crowd.Failed = map[string]int64{}
			}
			rec.Crowd.Failed[k] = int64(v)
		}
		return nil
	}
	cctx := ctx
	if f.For > 0 {
		var cancel context.CancelFunc
		cctx, cancel = context.WithDeadline(ctx, at.Add(f.For))
		defer cancel()
	}
	res, err := faults.Slowloris(cctx, faults.SlowlorisConfig{Addr: r.target, Clients: f.Clients, Every: f.every()})
	if err != nil {
		return err
	}
	rec.Crowd = &reports.Crowd{Connections: int64(res.Opened + res.DialFailed), Served: int64(res.Open), BytesSent: res.BytesSent}
	if res.DialFailed > 0 || res.ClosedByPeer > 0 {
		rec.Crowd.Failed = map[string]int64{}
		if res.DialFailed > 0 {
			rec.Crowd.Failed[faults.StormDial] = int64(res.DialFailed)
		}
		if res.ClosedByPeer > 0 {
			rec.Crowd.Failed[faults.StormClosed] = int64(res.ClosedByPeer)
		}
	}
	return nil
}

// serverFault crashes, stalls or reloads the game server. A crashed
// server is started again even when the run ends during its downtime, so
// the players can log out.
func (r *Runner) serverFault(ctx context.Context, at time.Time, f *Fault) error {
	bs := r.opts.Backstage
	act := func(what string, do func(context.Context) error) error {
		actx, cancel := context.WithTimeout(context.Background(), faultActTimeout)
		defer cancel()
		if err := do(actx); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
	switch f.Kind {
	case FaultServerCrash:
		if err := act("kill", bs.KillServer); err != nil {
			return err
		}
		if f.For > 0 {
			awaitWindow(ctx, at, f)
		}
		return act("restart", bs.StartServer)
	case FaultServerStall:
		if err := bs.StallServer(f.For); err != nil {
			return err
		}
		awaitWindow(ctx, at, f)
		return nil
	case FaultServerReload:
		return act("reload", bs.ReloadServer)
	}
	return errors.New("unknown fault kind " + f.Kind) // Compile refuses it
}
