package dummyrunner

import (
	"context"
	"iter"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// arrivalTimes yields when each session of the open model should
// arrive, relative to the start, in order: the stages' rate moves
// linearly from the previous stage's target to its own, and session k
// (from 0) arrives when the integral of the rate reaches k, so a constant
// 10/s for 2 s gives arrivals at 0, 100 ms, ..., 1.9 s. Every arrival
// falls in [0, total duration), never on the deadline. No randomness: the
// schedule is the same in every run. The times are computed as they are
// taken, so a long schedule costs no memory; arrivalCount says how many
// there are without computing them.
func arrivalTimes(stages []Stage) iter.Seq[time.Duration] {
	return func(yield func(time.Duration) bool) {
		var offset time.Duration
		prev, acc := 0.0, 0.0 // rate at the stage start; the integral so far
		for _, st := range stages {
			d := st.Duration.Seconds()
			r0, r1 := prev, st.Target
			// The integral within this stage: A(t) = r0 t + (r1-r0) t² / (2d).
			total := stageArrivals(r0, r1, d)
			for next := math.Ceil(acc - 1e-9); total > 0 && next < acc+total-1e-9; next++ {
				need := next - acc
				var t float64
				if a := (r1 - r0) / (2 * d); math.Abs(a) < 1e-12 {
					t = need / r0
				} else {
					// a t² + r0 t - need = 0
					t = (-r0 + math.Sqrt(max(r0*r0+4*a*need, 0))) / (2 * a)
				}
				if !yield(offset + time.Duration(t*float64(time.Second))) {
					return
				}
			}
			acc += total
			prev = r1
			offset += st.Duration
		}
	}
}

// stageArrivals is the integral of a rate moving linearly from r0 to r1
// over d seconds: the (fractional) number of arrivals in the stage.
func stageArrivals(r0, r1, d float64) float64 { return (r0 + r1) / 2 * d }

// arrivalCount returns how many arrivals arrivalTimes yields for stages,
// in time proportional to the number of stages: in each stage, the
// integers k with ceil(acc) <= k < acc+total, exactly the loop of
// arrivalTimes. It is a float64 so that an absurd schedule (an infinite
// rate, 10⁹ sessions a second for a week) can be counted, and refused,
// without overflow; it is +Inf or NaN for rates that are.
func arrivalCount(stages []Stage) float64 {
	n, acc, prev := 0.0, 0.0, 0.0
	for _, st := range stages {
		total := stageArrivals(prev, st.Target, st.Duration.Seconds())
		if math.IsNaN(total) || math.IsInf(total, 0) {
			return total
		}
		if first, end := math.Ceil(acc-1e-9), acc+total-1e-9; total > 0 && end > first {
			n += math.Ceil(end) - first
		}
		acc += total
		prev = st.Target
	}
	return n
}

// arrivals runs the open model: sessions arrive on schedule (whether or
// not earlier ones are done), each logs in, performs the session's
// actions at the intended pace and leaves. Arrivals beyond MaxSessions
// are dropped and counted.
func (r *Runner) arrivals(ctx context.Context, wg *sync.WaitGroup) {
	start := time.Now()
	var active atomic.Int64
	first, count := r.opts.First, r.opts.Count
	t := time.NewTimer(0)
	defer t.Stop()
	k := -1
	for at := range arrivalTimes(r.plan.sc.Stages) {
		k++
		if count > 0 && k >= first+count {
			return // the rest belong to other processes or shards
		}
		if count > 0 && k < first {
			continue // another process or shard runs this session
		}
		intended := start.Add(at)
		t.Reset(time.Until(intended))
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if active.Load() >= int64(r.plan.sc.MaxSessions) {
			now := time.Now()
			r.results <- Result{Kind: KindState, Client: k, At: now, State: StateConnecting}
			r.results <- Result{Kind: KindLost, Client: k, At: now, State: StateConnecting, Reason: ReasonMaxSessions}
			continue
		}
		active.Add(1)
		p := newPlayer(r, k)
		wg.Go(func() {
			defer active.Add(-1)
			r.runOpen(ctx, p, intended)
		})
	}
}

// runOpen is one open-model session. Command k is intended at
// arrival + k*think whatever the server does, so a stall shows up in the
// latency measured from the intended time (coordinated omission).
func (r *Runner) runOpen(ctx context.Context, p *player, arrival time.Time) {
	if !p.connect(ctx) {
		return
	}
	pc := &openPacer{r: r, arrival: arrival, wait: time.NewTimer(0)}
	defer pc.wait.Stop()
	p.loadLogin()
	pc.schedule(p, 0)
	r.play(ctx, p, pc)
}

// openPacer paces an open-model session: command k is due at
// arrival + k·think, whatever the game does; after its actions it leaves.
type openPacer struct {
	r       *Runner
	arrival time.Time
	k       int // commands scheduled so far
	actions int // actions loaded so far
	wait    *time.Timer
}

// schedule gives the commands queued from index from on their intended times.
func (o *openPacer) schedule(p *player, from int) {
	for i := from; i < len(p.cmds); i++ {
		o.k++
		p.cmds[i].intended = o.arrival.Add(time.Duration(o.k) * o.r.plan.sc.Session.Think)
	}
}

func (o *openPacer) due(p *player) (<-chan time.Time, bool) {
	if len(p.cmds) == 0 && p.out == nil {
		switch {
		case !p.loggedIn:
			p.lose(ReasonLoginFailed)
			return nil, false
		case o.actions >= o.r.plan.sc.Session.Actions:
			p.leave(o.r.plan.sc.LogoutGrace)
			return nil, false
		}
		o.actions++
		before := len(p.cmds)
		p.loadAction(p.prof.pick(p.content.Float64()), false, false)
		o.schedule(p, before)
	}
	if p.out != nil || len(p.cmds) == 0 {
		return nil, true
	}
	o.wait.Reset(time.Until(p.cmds[0].intended))
	return o.wait.C, true
}

func (o *openPacer) fire(p *player) bool { return p.sendNext() }
