package portal

import (
	"context"
	"time"
)

// A client that stops sending (a read EOF: it closed its socket, or only
// its sending side) keeps its session until a game server has processed
// every input it sent, so that it gets their answers. The uplink counts
// each session's input not yet processed (Session.unanswered: a DATAIN
// kept in its outbox carries its session); the count reaching zero wakes
// the waiting session.

// awaitAnswered waits, once s's client has stopped sending (a read
// EOF), until a server has processed every input s sent, the input kept
// while s was queued or no server was linked included. A server
// acknowledges an input with the last frame of its answer
// (link.Message.Ack), and the link reader takes an acknowledgement only
// after it has dispatched the frame's output, so s's answers are in its
// output buffer by then. It gives up after Config.HalfCloseGrace
// (counted), when gone is closed (s closed otherwise) or ctx ends, and
// at once with a negative grace. It reports whether all was answered.
func (h *Handler) awaitAnswered(ctx context.Context, s *Session, gone <-chan struct{}) bool {
	s.draining.Store(true) // before the count is read: see countUnanswered
	if s.allAnswered() {
		return true
	}
	grace := h.cfg.HalfCloseGrace
	if grace < 0 {
		return false
	}
	h.stats.halfCloseWaits.Add(1)
	t := time.NewTimer(grace)
	defer t.Stop()
	for {
		select {
		case <-s.answered:
			if s.allAnswered() {
				return true
			}
		case <-t.C:
			h.stats.halfCloseTimeouts.Add(1)
			return false
		case <-gone:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// countUnanswered counts one input message more (sign +1) or less (-1)
// waiting for a server, and signals a draining session whose count
// reaches zero. Called with the uplink's lock held.
func (s *Session) countUnanswered(sign int) {
	if s.unanswered.Add(int64(sign)) == 0 && s.draining.Load() {
		s.signalAnswered()
	}
}

// signalAnswered wakes Handler.awaitAnswered; it never blocks.
func (s *Session) signalAnswered() {
	select {
	case s.answered <- struct{}{}:
	default:
	}
}

// allAnswered reports whether nothing the session sent waits for a
// server: no input kept while it is queued, none kept by the uplink.
func (s *Session) allAnswered() bool {
	s.mu.Lock()
	queued := len(s.pendingIn)
	s.mu.Unlock()
	return queued == 0 && s.unanswered.Load() == 0
}
