package portal

import (
	"errors"
	"fmt"
	"math"
	"net"
	"testing"
	"testing/synctest"
	"time"

	"github.com/portalsim/portalsim/internal/link"
)

// pipeServer is a game server on a net.Pipe link attached to a handler's
// uplink; what the portal sends arrives on msgs.
type pipeServer struct {
	c    *link.Conn // the portal's end
	srv  *link.Conn
	msgs chan link.Message
}

// goLive attaches a new pipe link to h's uplink and syncs it, as serveLink
// does for a server's PSYNC; the PSYNC reply is returned.
func goLive(t *testing.T, h *Handler) (*pipeServer, link.Message) {
	t.Helper()
	a, b := net.Pipe()
	ps := &pipeServer{c: link.NewConn(a, link.Config{}), srv: link.NewConn(b, link.Config{}), msgs: make(chan link.Message, 1000)}
	go func() {
		defer close(ps.msgs)
		for {
			m, err := ps.srv.Recv()
			if err != nil {
				return
			}
			ps.msgs <- m
		}
	}()
	if err := errors.Join(h.up.admit(ps.c, link.Hello{}), h.up.attach(ps.c, make(chan struct{}), link.Hello{}, 1)); err != nil {
		ps.close()
		t.Fatalf("attach: %v", err)
	}
	if err := h.up.syncServer(ps.c, h, link.Message{Op: link.OpPortalSync}); err != nil {
		ps.close() // a synctest bubble must not end with the pipe's goroutines blocked
		t.Fatalf("syncServer: %v", err)
	}
	return ps, ps.next(t)
}

func (ps *pipeServer) next(t *testing.T) link.Message {
	t.Helper()
	select {
	case m, ok := <-ps.msgs:
		if !ok {
			t.Fatal("link closed")
		}
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("no message from the portal")
	}
	return link.Message{}
}

// none checks that nothing more arrived (call after synctest.Wait).
func (ps *pipeServer) none(t *testing.T) {
	t.Helper()
	select {
	case m := <-ps.msgs:
		t.Fatalf("unexpected %v:%d", m.Op, m.Sessid)
	default:
	}
}

func (ps *pipeServer) close() {
	ps.c.Close()
	ps.srv.Close()
}

// width is a message's SCREENWIDTH, whether it went through JSON or not.
func width(m link.Message) string { return fmt.Sprint(m.Session.ProtocolFlags["SCREENWIDTH"]) }

// Item 1: while no server is linked, a session has at most one PCONNSYNC
// waiting, with its latest data, however often it syncs.
func TestSyncHeldOncePerSession(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h := newTestHandler(t, noThrottle())
		s := h.Connect(&fakeProto{})
		for i := range 50 { // spaced out: the rate limit lets each one go
			s.SetFlags(map[string]any{"SCREENWIDTH": i})
			h.Sync(s)
			time.Sleep(2 * syncInterval)
		}
		for i := range 1000 { // a burst
			s.SetFlags(map[string]any{"SCREENWIDTH": 1000 + i})
			h.Sync(s)
		}
		time.Sleep(2 * syncInterval)
		synctest.Wait()
		ms := sent(h)
		if got := ops(ms); got != "PCONN:1 PCONNSYNC:1" {
			t.Fatalf("held %d messages (%.60s...), want PCONN:1 PCONNSYNC:1", len(ms), got)
		}
		if w := width(ms[1]); w != "1999" {
			t.Fatalf("held PCONNSYNC has SCREENWIDTH %v, want the latest, 1999", w)
		}
		// Merged: 49 spaced ones and the first of the burst into the held
		// one, 998 into the deferred one, which merged into the held one too.
		if st := h.Stats(); st.Held != 2 || st.SyncDeferred != 1 || st.SyncMerged != 49+1+998+1 {
			t.Fatalf("Held %d SyncDeferred %d SyncMerged %d, want 2, 1, %d", st.Held, st.SyncDeferred, st.SyncMerged, 49+1+998+1)
		}
		s.Close(ReasonClientQuit, "")
	})
}

// Item 1: while a server is live, a session sends at most one PCONNSYNC
// per syncInterval; a burst ends with one deferred PCONNSYNC carrying the
// latest data.
func TestSyncRateLimitedWhileLive(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h := newTestHandler(t, noThrottle())
		ps, _ := goLive(t, h)
		defer ps.close()
		s := h.Connect(&fakeProto{})
		if m := ps.next(t); m.Op != link.OpPortalConnect {
			t.Fatalf("got %v, want PCONN", m.Op)
		}
		for i := range 20 {
			s.SetFlags(map[string]any{"SCREENWIDTH": 80 + i})
			h.Sync(s)
		}
		if m := ps.next(t); m.Op != link.OpPortalConnSync || width(m) != "80" {
			t.Fatalf("got %v width %v, want PCONNSYNC width 80 at once", m.Op, width(m))
		}
		synctest.Wait()
		ps.none(t)
		time.Sleep(syncInterval)
		synctest.Wait()
		if m := ps.next(t); m.Op != link.OpPortalConnSync || width(m) != "99" {
			t.Fatalf("got %v width %v, want the deferred PCONNSYNC with width 99", m.Op, width(m))
		}
		ps.none(t)
		if st := h.Stats(); st.SyncDeferred != 1 || st.SyncMerged != 18 {
			t.Fatalf("SyncDeferred %d SyncMerged %d, want 1 and 18", st.SyncDeferred, st.SyncMerged)
		}
		// A session closed with a PCONNSYNC deferred sends only its PDISCONN.
		s.SetFlags(map[string]any{"SCREENWIDTH": 1})
		h.Sync(s)
		h.Sync(s)
		s.Close(ReasonClientQuit, "")
		time.Sleep(2 * syncInterval)
		synctest.Wait()
		if m := ps.next(t); m.Op != link.OpPortalDisconnect {
			t.Fatalf("got %v, want PDISCONN", m.Op)
		}
		ps.none(t)
	})
}

// Item 3: a session the throttle popped and is releasing while
// DisconnectAll (or ServerDisconnectAll) runs does not escape: it is
// announced before the PDISCONNALL and closed.
func TestDisconnectAllCatchesReleaseInProgress(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"DisconnectAll", "ServerDisconnectAll"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newTestHandler(t, Config{MaxConnectionRate: 20})
			entered, proceed := make(chan struct{}), make(chan struct{})
			h.throttle.release = func(s *Session) {
				if s.sessid == 2 {
					close(entered)
					<-proceed
				}
				h.release(s)
			}
			h.Connect(&fakeProto{}) // released at once
			p2 := &fakeProto{}
			s2 := h.Connect(p2) // queued: the timer releases it
			<-entered
			done := make(chan struct{})
			go func() {
				defer close(done)
				if name == "DisconnectAll" {
					h.DisconnectAll()
				} else {
					h.ServerDisconnectAll("bye")
				}
			}()
			select {
			case <-done:
				t.Error(name + " returned while a release was in progress")
			case <-time.After(100 * time.Millisecond):
			}
			close(proceed)
			<-done
			if s2.State() != StateClosed || p2.closes != 1 {
				t.Fatalf("released session escaped: state %v, protocol closes %d", s2.State(), p2.closes)
			}
			want := "PCONN:1 PCONN:2 PDISCONNALL:0"
			if name == "ServerDisconnectAll" {
				want = "PCONN:1 PCONN:2 PDISCONN:1 PDISCONN:2"
				if got := ops(sent(h)); got != want && got != "PCONN:1 PCONN:2 PDISCONN:2 PDISCONN:1" {
					t.Fatalf("sent %s, want %s", got, want)
				}
				h.throttle.Stop()
				return
			}
			if got := ops(sent(h)); got != want {
				t.Fatalf("sent %s, want %s", got, want)
			}
		})
	}
}

// Item 3: a connection accepted while the portal shuts down (throttle
// stopped) is closed at once instead of waiting in limbo.
func TestConnectAfterDisconnectAllIsClosed(t *testing.T) {
	t.Parallel()
	h := newTestHandler(t, Config{MaxConnectionRate: 1})
	var reasons []CloseReason
	h.cfg.OnSessionClosed = func(_ uint64, st SessionState, r CloseReason) {
		if st != StateQueued {
			t.Errorf("closed in state %v, want queued", st)
		}
		reasons = append(reasons, r)
	}
	h.DisconnectAll()
	p := &fakeProto{}
	s := h.Connect(p)
	if s.State() != StateClosed || s.CloseReason() != ReasonPortalShutdown || p.closes != 1 {
		t.Fatalf("state %v reason %v protocol closes %d; want closed for portal-shutdown", s.State(), s.CloseReason(), p.closes)
	}
	if len(reasons) != 1 || reasons[0] != ReasonPortalShutdown {
		t.Fatalf("hook saw %v", reasons)
	}
	if got := ops(sent(h)); got != "PDISCONNALL:0" {
		t.Fatalf("sent %s, want only PDISCONNALL", got)
	}
}

// Item 6: a message that cannot be encoded is dropped and counted, not
// held (where later messages of its session would overtake it), and a
// sync skips such a message, and such a session in its snapshot, instead
// of never going live.
func TestEncodeErrorDroppedNotHeld(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h := newTestHandler(t, noThrottle())
		ps, _ := goLive(t, h)
		defer ps.close() // also closed below; Close is idempotent
		a := h.Connect(&fakeProto{})
		a.SetFlags(map[string]any{"BAD": math.NaN()})
		h.Sync(a) // cannot be encoded
		a.DataIn(link.Text("look"))
		synctest.Wait()
		if m := ps.next(t); m.Op != link.OpPortalConnect {
			t.Fatalf("got %v, want PCONN", m.Op)
		}
		if m := ps.next(t); m.Op != link.OpDataIn {
			t.Fatalf("got %v, want DATAIN", m.Op)
		}
		if st := h.Stats(); st.Held != 0 || st.EncodeDropped != 1 {
			t.Fatalf("Held %d EncodeDropped %d; want the PCONNSYNC dropped, not held", st.Held, st.EncodeDropped)
		}
		if !h.up.connected() {
			t.Fatal("the link is no longer live")
		}
		h.up.ack(ps.c, 3) // PSYNC, PCONN, DATAIN
		h.up.detach(ps.c, errors.New("test: link lost"))
		ps.close()

		// While no server is linked: b's PCONN and its unencodable PCONNSYNC are held.
		b := h.Connect(&fakeProto{})
		b.SetFlags(map[string]any{"BAD": math.Inf(1)})
		h.Sync(b)
		if st := h.Stats(); st.Held != 2 {
			t.Fatalf("Held %d, want 2", st.Held)
		}
		ps2, psync := goLive(t, h)
		defer ps2.close()
		if !h.up.connected() {
			t.Fatal("the new link did not go live")
		}
		if len(psync.Sessions) != 0 {
			t.Fatalf("snapshot has %d sessions, want none (a cannot be encoded)", len(psync.Sessions))
		}
		if m := ps2.next(t); m.Op != link.OpPortalConnect || m.Sessid != b.Sessid() {
			t.Fatalf("got %v:%d, want PCONN:%d", m.Op, m.Sessid, b.Sessid())
		}
		b.DataIn(link.Text("hi"))
		if m := ps2.next(t); m.Op != link.OpDataIn {
			t.Fatalf("got %v, want DATAIN", m.Op)
		}
		if st := h.Stats(); st.Held != 0 || st.EncodeDropped != 3 {
			t.Fatalf("Held %d EncodeDropped %d, want 0 and 3", st.Held, st.EncodeDropped)
		}
	})
}
