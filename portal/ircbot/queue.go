package ircbot

import "sync"

// outQueue holds the lines a connection's writer has still to send,
// bounded in count, and the QUIT that ends them. Safe for concurrent use.
type outQueue struct {
	limit int
	wake  chan struct{} // signalled (capacity 1) when something was queued

	// mu guards the fields below.
	mu     sync.Mutex
	lines  [][]byte
	urgent [][]byte // lines that go before the others (PONG): never dropped for the limit
	quit   []byte   // the last line, once asked for; it goes before anything still queued
	ended  bool     // the writer has stopped: nothing is queued any more
}

func newOutQueue(limit int) *outQueue {
	return &outQueue{limit: limit, wake: make(chan struct{}, 1)}
}

// push queues lines in order; it returns how many it dropped (the queue
// was full, or the connection is ending).
func (q *outQueue) push(lines ...[]byte) (dropped int) {
	q.mu.Lock()
	for _, l := range lines {
		if q.ended || q.quit != nil || len(q.lines) >= q.limit {
			dropped++
			continue
		}
		q.lines = append(q.lines, l)
	}
	q.mu.Unlock()
	q.signal()
	return dropped
}

// pushUrgent queues a line to go before the others: an answer the
// server waits for (PONG), which must not wait behind the game's output.
// At most a few are kept; false if the connection is ending.
func (q *outQueue) pushUrgent(line []byte) bool {
	q.mu.Lock()
	ok := !q.ended && q.quit == nil && len(q.urgent) < maxUrgent
	if ok {
		q.urgent = append(q.urgent, line)
	}
	q.mu.Unlock()
	q.signal()
	return ok
}

// maxUrgent bounds the urgent lines waiting: a server that PINGs faster
// than the bot may answer loses the extra answers.
const maxUrgent = 16

// setQuit asks for line to be the last one sent, ahead of what is still
// queued (dropped: the connection ends). Only the first call counts; it
// returns false after that, or once the writer has stopped.
func (q *outQueue) setQuit(line []byte) bool {
	q.mu.Lock()
	ok := !q.ended && q.quit == nil
	if ok {
		q.quit = line
	}
	q.mu.Unlock()
	q.signal()
	return ok
}

// lineKind says which of the queue's lines pop returned.
type lineKind uint8

const (
	lineNormal lineKind = iota // the game's output and the bot's own commands: paced
	lineUrgent                 // an answer the server waits for: not paced
	lineQuit                   // the last line
)

// pop returns the next line to send and its kind: the QUIT if asked for
// (the lines still queued are dropped with it: dropped says how many),
// else an urgent line, else, if paced (the flood-control pace allows
// one now), a normal line. ok is false when there is none to send now.
func (q *outQueue) pop(paced bool) (line []byte, kind lineKind, dropped int, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	switch {
	case q.quit != nil:
		dropped = len(q.lines) + len(q.urgent)
		q.lines, q.urgent = nil, nil
		q.ended = true
		return q.quit, lineQuit, dropped, true
	case len(q.urgent) > 0:
		line = q.urgent[0]
		q.urgent = q.urgent[1:]
		return line, lineUrgent, 0, true
	case paced && len(q.lines) > 0:
		line = q.lines[0]
		q.lines[0] = nil
		q.lines = q.lines[1:]
		return line, lineNormal, 0, true
	}
	return nil, 0, 0, false
}

// waiting reports whether normal lines wait for the pace.
func (q *outQueue) waiting() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.lines) > 0
}

// end stops the queue: the writer is gone.
func (q *outQueue) end() {
	q.mu.Lock()
	q.ended = true
	q.lines, q.urgent = nil, nil
	q.mu.Unlock()
}

func (q *outQueue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}
