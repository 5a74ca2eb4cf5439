package ircbot

import (
	"slices"
	"testing"
)

func popAll(q *outQueue) (lines []string, dropped int) {
	for {
		l, kind, d, ok := q.pop(true)
		dropped += d
		if !ok {
			return lines, dropped
		}
		lines = append(lines, string(l))
		if kind == lineQuit {
			return lines, dropped
		}
	}
}

// Lines go in order, urgent ones first; past the limit a line is
// dropped and said so; a QUIT goes before what is queued, which is
// dropped with it, and nothing is queued after it.
func TestOutQueue(t *testing.T) {
	t.Parallel()
	q := newOutQueue(3)
	if d := q.push([]byte("a"), []byte("b"), []byte("c"), []byte("d")); d != 1 {
		t.Fatalf("dropped %d, want 1", d)
	}
	q.pushUrgent([]byte("PONG"))
	if l, kind, _, ok := q.pop(false); !ok || kind != lineUrgent || string(l) != "PONG" {
		t.Fatalf("unpaced pop: %q, kind %d, ok %v; want the urgent line", l, kind, ok)
	}
	if _, _, _, ok := q.pop(false); ok || !q.waiting() {
		t.Fatal("a normal line went before the pace allowed it")
	}
	if got, _ := popAll(q); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("popped %q", got)
	}
	q.push([]byte("e"), []byte("f"))
	q.pushUrgent([]byte("PONG"))
	if !q.setQuit([]byte("QUIT")) || q.setQuit([]byte("QUIT again")) {
		t.Fatal("setQuit: only the first call counts")
	}
	got, dropped := popAll(q)
	if !slices.Equal(got, []string{"QUIT"}) || dropped != 3 {
		t.Fatalf("popped %q, dropped %d; want only the QUIT, 3 dropped", got, dropped)
	}
	if q.push([]byte("g")) != 1 || q.pushUrgent([]byte("PONG")) {
		t.Fatal("queued after the QUIT")
	}
}
