package bench

import (
	"testing"
	"time"

	"github.com/portalsim/portalsim/dummyrunner"
)

// The window counts the echo probes that completed inside it, by their
// completion time, and says when every player is in.
func TestWindow(t *testing.T) {
	t.Parallel()
	w := newWindow(2)
	t0 := time.Unix(1000, 0)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	in := func(c int, s float64) {
		w.Result(dummyrunner.Result{Kind: dummyrunner.KindState, Client: c, State: dummyrunner.StateLoggedIn, At: at(s)})
	}
	cmd := func(s float64, lat time.Duration, reason, action string) {
		w.Result(dummyrunner.Result{Kind: dummyrunner.KindCommand, Action: action, At: at(s), Latency: lat, Reason: reason})
	}
	in(0, 0.1)
	w.Result(dummyrunner.Result{Kind: dummyrunner.KindLost, Client: 0, Reason: dummyrunner.ReasonDisconnected}) // lost after its login: it counted
	select {
	case <-w.allIn:
		t.Fatal("all in after one of two players")
	default:
	}
	cmd(0.5, time.Second, "", EchoAction) // before the window opens: not counted
	in(1, 0.2)
	select {
	case <-w.allIn:
	default:
		t.Fatal("not all in after both players")
	}
	w.open(at(1))
	cmd(0.9, time.Second, "", EchoAction)        // completed before the window, reported late
	cmd(1.5, 2*time.Millisecond, "", EchoAction) // in
	cmd(1.6, 4*time.Millisecond, "", EchoAction) // in
	cmd(1.7, time.Second, "", "login")           // not an echo probe
	cmd(1.8, time.Second, dummyrunner.ReasonTimeout, EchoAction)
	w.close(at(2))
	cmd(1.9, 6*time.Millisecond, "", EchoAction) // in, reported after the close
	cmd(2.1, time.Second, "", EchoAction)        // after
	s := w.stats()
	if s.answered != 3 || s.failed != 1 || s.loggedIn != 2 {
		t.Errorf("answered %d, failed %d, logged in %d; want 3, 1, 2", s.answered, s.failed, s.loggedIn)
	}
	if s.latency.Count() != 3 || s.latency.Max() > 7*time.Millisecond {
		t.Errorf("latency count %d, max %v; want 3 under 7ms", s.latency.Count(), s.latency.Max())
	}
	if !s.start.Equal(at(1)) || !s.end.Equal(at(2)) {
		t.Errorf("window %v-%v, want %v-%v", s.start, s.end, at(1), at(2))
	}
}

// A player lost before it logged in settles too: the window measures
// the players that got in (the loss is reported apart), but not before
// one did.
func TestWindowSettlesLostPlayers(t *testing.T) {
	t.Parallel()
	w := newWindow(3)
	w.Result(dummyrunner.Result{Kind: dummyrunner.KindLost, Client: 2, Reason: dummyrunner.ReasonDisconnected})
	w.Result(dummyrunner.Result{Kind: dummyrunner.KindLost, Client: 1, Reason: dummyrunner.ReasonDial})
	w.Result(dummyrunner.Result{Kind: dummyrunner.KindLost, Client: 1, Reason: dummyrunner.ReasonDial}) // once
	select {
	case <-w.allIn:
		t.Fatal("settled with nobody logged in")
	default:
	}
	w.Result(dummyrunner.Result{Kind: dummyrunner.KindState, Client: 0, State: dummyrunner.StateLoggedIn})
	select {
	case <-w.allIn:
	default:
		t.Fatal("not settled: one in, two lost before")
	}
	if s := w.stats(); s.loggedIn != 1 {
		t.Errorf("logged in %d, want 1", s.loggedIn)
	}
}

// The window splits its figures by the players' transport.
func TestWindowByTransport(t *testing.T) {
	t.Parallel()
	w := newWindow(3)
	t0 := time.Unix(1000, 0)
	for c, tr := range []string{"telnet", "websocket", "telnet"} {
		w.Result(dummyrunner.Result{Kind: dummyrunner.KindState, Client: c, Transport: tr, State: dummyrunner.StateLoggedIn, At: t0})
	}
	w.open(t0.Add(time.Second))
	probe := func(tr string, lat time.Duration, reason string) {
		w.Result(dummyrunner.Result{Kind: dummyrunner.KindCommand, Transport: tr, Action: EchoAction, At: t0.Add(1500 * time.Millisecond), Latency: lat, Reason: reason})
	}
	probe("telnet", time.Millisecond, "")
	probe("telnet", time.Millisecond, "")
	probe("websocket", 5*time.Millisecond, "")
	probe("websocket", time.Second, dummyrunner.ReasonTimeout)
	w.close(t0.Add(2 * time.Second))
	s := w.stats()
	tel, ws := s.byTransport["telnet"], s.byTransport["websocket"]
	if s.answered != 3 || s.failed != 1 || len(s.byTransport) != 2 {
		t.Fatalf("answered %d, failed %d, %d transports; want 3, 1, 2", s.answered, s.failed, len(s.byTransport))
	}
	if tel.answered != 2 || tel.failed != 0 || tel.loggedIn != 2 || tel.latency.Count() != 2 {
		t.Errorf("telnet: %+v", tel)
	}
	if ws.answered != 1 || ws.failed != 1 || ws.loggedIn != 1 || ws.latency.Count() != 1 || ws.latency.Max() < 4*time.Millisecond {
		t.Errorf("websocket: %+v", ws)
	}
}
