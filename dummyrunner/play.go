package dummyrunner

import (
	"context"
	"time"
)

// pacer decides when a logged-on player sends: the closed model's ticks
// (closedPacer) or the open model's schedule (openPacer). Everything else
// a player waits for is the same in both models and lives in play.
type pacer interface {
	// due is called before each wait. It may queue commands, or end the
	// player (false); it returns the channel that fires when the pacer
	// wants to act, nil for never.
	due(p *player) (<-chan time.Time, bool)
	// fire acts on that channel firing; false if the player is gone.
	fire(p *player) bool
}

// play is a connected player's life until it leaves or is lost: its
// socket's events, its command timeout and quiet gap, the scenario's
// events and its pacer, until ctx ends (the run is over) and it logs out.
func (r *Runner) play(ctx context.Context, p *player, pc pacer) {
	defer p.timeout.Stop()
	for {
		due, ok := pc.due(p)
		if !ok {
			return
		}
		select {
		case <-ctx.Done():
			p.leave(r.plan.sc.LogoutGrace)
			return
		case ev, ok := <-p.conn.recv():
			if !p.event(ev, ok) {
				return
			}
		case <-p.timeout.C:
			p.lose(ReasonTimeout)
			return
		case <-p.gapC():
			if !p.gapped() {
				return
			}
		case cmd := <-p.eventCh():
			p.queueFront(queued{text: cmd, action: "event"})
			if !p.sendNext() {
				return
			}
		case <-due:
			if !pc.fire(p) {
				return
			}
		}
	}
}
