package portal

import (
	"strconv"
	"testing"
	"time"
)

// BenchmarkCommandRate: one op is one input counted against a session's
// command rate (Evennia's 80 a second), inputs 1 ms apart.
func BenchmarkCommandRate(b *testing.B) {
	var w rateWindow
	now := time.Now()
	limit := commandLimit(DefaultMaxCommandRate)
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Millisecond)
		w.allow(now, limit)
	}
}

// BenchmarkThrottleOff: one op is one connection through a disabled
// connect throttle: admitted and released at once.
func BenchmarkThrottleOff(b *testing.B) {
	released := 0
	t := NewThrottle(-1, func(*Session) { released++ })
	s := &Session{addr: "127.0.0.1"}
	b.ReportAllocs()
	for b.Loop() {
		t.Admit(s)
	}
	if released != b.N {
		b.Fatalf("released %d of %d", released, b.N)
	}
}

// BenchmarkThrottleQueue: one op is one connection through a backlogged
// connect throttle: a session of one of 100 addresses, each with 10
// waiting, joins the queue, and the release timer's tick releases the
// session at the head (the tick is called directly, and the timer it
// starts for the next release stopped).
func BenchmarkThrottleQueue(b *testing.B) {
	t := NewThrottle(1e-6, func(*Session) {})
	addrs := make([]string, 100)
	for i := range addrs {
		addrs[i] = "10.0.0." + strconv.Itoa(i)
	}
	sessions := make([]Session, 2048) // reused: a session is released long before its turn comes again
	for i := range sessions {
		sessions[i].addr = addrs[i%len(addrs)]
	}
	t.Admit(&Session{addr: "10.0.1.1"}) // released: the next must wait
	for i := range 1000 {
		t.Admit(&sessions[i])
	}
	stopTimer := func() {
		t.mu.Lock()
		if t.timer != nil {
			t.timer.Stop()
		}
		t.mu.Unlock()
	}
	stopTimer()
	i := 1000
	b.ReportAllocs()
	for b.Loop() {
		t.Admit(&sessions[i%len(sessions)])
		t.tick()
		stopTimer()
		i++
	}
	if st := t.Stats(); st.Waiting != 1000 {
		b.Fatalf("%d waiting, want 1000", st.Waiting)
	}
}
