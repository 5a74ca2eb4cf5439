package dummyrunner

import (
	"testing"
	"time"
)

// A reader whose player hung up never blocks on a full queue: emit gives
// up, end returns, whatever is still to be handed over.
func TestEventQueueHangUp(t *testing.T) {
	q := newEventQueue()
	for range queueLen {
		if !q.emit(connEvent{kind: evText}) {
			t.Fatal("emit refused while the queue had room")
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for q.emit(connEvent{kind: evText}) {
		}
		q.end(connEvent{kind: evClosed})
	}()
	q.hangUp()
	q.hangUp() // twice is fine: close calls it, a player may close twice
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the reader is still blocked after the hang-up")
	}
	n := 0
	for range q.events {
		n++
	}
	if n < queueLen {
		t.Errorf("%d events left, want the %d queued before the hang-up", n, queueLen)
	}
}
