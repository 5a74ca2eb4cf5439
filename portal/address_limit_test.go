package portal

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// Over the per-address cap, queued sessions included, a connection is
// told and closed before the server hears of it; other addresses are
// not affected, a session that leaves makes room, and the refusals are
// logged once every 10 s, not once each.
func TestAddressLimitRefusesOverCap(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var logs bytes.Buffer // synchronous: every Connect runs on this goroutine
		h := newTestHandler(t, Config{MaxConnectionRate: 1, MaxSessionsPerAddress: 2, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		from := func(addr string) (*Session, *fakeProto) {
			p := &fakeProto{addr: addr}
			return h.Connect(p), p
		}
		from("10.0.0.1")              // released
		queued, _ := from("10.0.0.1") // queued: it counts
		over, p := from("10.0.0.1")
		if over.State() != StateClosed || over.CloseReason() != ReasonAddressLimit {
			t.Fatalf("the third from one address: %v, %v; want closed, address-limit", over.State(), over.CloseReason())
		}
		if want := "Too many connections from your address (at most 2). Disconnecting."; p.closeMsg != want {
			t.Fatalf("told %q, want %q", p.closeMsg, want)
		}
		if other, _ := from("10.0.0.2"); other.State() != StateQueued {
			t.Fatalf("a session from another address is %v, want queued", other.State())
		}
		if got := ops(sent(h)); got != "PCONN:1" {
			t.Fatalf("sent %s, want only the first PCONN", got)
		}
		queued.Close(ReasonClientQuit, "")
		if again, _ := from("10.0.0.1"); again.State() != StateQueued {
			t.Fatalf("after one left, a new session from the address is %v, want queued", again.State())
		}

		for range 5 {
			from("10.0.0.1")
		}
		if got := strings.Count(logs.String(), "session.refused"); got != 1 {
			t.Fatalf("%d log lines for 6 refusals in a moment, want 1:\n%s", got, logs.String())
		}
		time.Sleep(10 * time.Second)
		from("10.0.0.1")
		if !strings.Contains(logs.String(), "suppressed=5") {
			t.Fatalf("the next line, 10 s later, does not sum up the 5 refusals in between:\n%s", logs.String())
		}
		if got := h.Stats().AddressRefused; got != 7 {
			t.Fatalf("AddressRefused = %d, want 7", got)
		}
		h.throttle.Stop()
	})
}

// Without a cap (0, the default) any number of sessions may come from one address.
func TestAddressLimitOff(t *testing.T) {
	t.Parallel()
	h := newTestHandler(t, noThrottle())
	for i := range 100 {
		if s := h.Connect(&fakeProto{}); s.State() != StateConnected {
			t.Fatalf("session %d is %v", i, s.State())
		}
	}
}
