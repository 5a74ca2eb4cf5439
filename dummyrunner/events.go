package dummyrunner

import "sync"

// eventQueue is what a connection's reader hands its player: events in
// order on a bounded channel. A player that hangs up stops reading it, so
// every send also watches the hang-up: a reader never blocks for ever on
// a full queue, whatever the server keeps sending.
type eventQueue struct {
	events chan connEvent
	done   chan struct{} // closed by hangUp
	once   sync.Once
}

// queueLen is how many events a connection may hold for its player:
// a read brings one or two (text, a prompt), so a player that falls
// this far behind is the generator's own bottleneck, which its health
// shows; each event is 64 bytes, held by every idle connection.
const queueLen = 16

func newEventQueue() eventQueue {
	return eventQueue{events: make(chan connEvent, queueLen), done: make(chan struct{})}
}

// emit hands ev to the player; false once the player has hung up.
func (q *eventQueue) emit(ev connEvent) bool {
	select {
	case q.events <- ev:
		return true
	case <-q.done:
		return false
	}
}

// end hands the closing event over, if the player still listens, and
// closes the channel: the reader's last act.
func (q *eventQueue) end(ev connEvent) {
	q.emit(ev)
	close(q.events)
}

// hangUp tells the reader the player reads no more; called by close.
func (q *eventQueue) hangUp() { q.once.Do(func() { close(q.done) }) }
