package portal_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/telnet"
	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
)

func nawsFrame(w, h int) []byte {
	b := []byte{telnet.IAC, telnet.SB, byte(telnet.OptNAWS)}
	for _, v := range []byte{byte(w >> 8), byte(w), byte(h >> 8), byte(h)} {
		b = append(b, v)
		if v == telnet.IAC {
			b = append(b, telnet.IAC) // doubled inside a subnegotiation
		}
	}
	return append(b, telnet.IAC, telnet.SE)
}

// awaitStats waits until ok accepts the handler's stats.
func awaitStats(t *testing.T, p *portal.Portal, ok func(portal.HandlerStats) bool) portal.HandlerStats {
	t.Helper()
	var st portal.HandlerStats
	err := testutil.Await(wait, 5*time.Millisecond, func() error {
		if st = p.Handler().Stats(); ok(st) {
			return nil
		}
		return errWaiting
	})
	if err != nil {
		t.Fatalf("%v: %+v", err, st)
	}
	return st
}

// Item 1: a client flooding window sizes while no server is linked holds
// one PCONNSYNC, not one per NAWS; the same size again is not even synced.
func TestTelnetNAWSFloodBoundedInHold(t *testing.T) {
	t.Parallel()
	p := startPortal(t, portal.Config{MaxCommandRate: -1})
	nc, err := net.Dial("tcp", p.TelnetAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	var b []byte
	b = telnet.AppendNegotiation(b, telnet.Verb(telnet.WILL), telnet.OptNAWS)
	for range 10 {
		b = append(b, nawsFrame(80, 24)...) // the same size: one sync
	}
	b = append(b, "one\r\n"...)
	if _, err := nc.Write(b); err != nil {
		t.Fatal(err)
	}
	st := awaitStats(t, p, func(st portal.HandlerStats) bool { return st.Inputs == 1 })
	// The size rides in the PCONN, held until the handshake ended (at
	// the first line of input, bug 5.14): no PCONNSYNC at all.
	if st.Held != 2 || st.SyncDeferred != 0 || st.SyncMerged != 0 {
		t.Fatalf("after one size sent 10 times: Held %d SyncDeferred %d SyncMerged %d, want 2 (PCONN, DATAIN), 0, 0",
			st.Held, st.SyncDeferred, st.SyncMerged)
	}
	b = b[:0]
	for i := range 2000 {
		b = append(b, nawsFrame(81+i, 24)...)
	}
	b = append(b, "two\r\n"...)
	if _, err := nc.Write(b); err != nil {
		t.Fatal(err)
	}
	st = awaitStats(t, p, func(st portal.HandlerStats) bool { return st.Inputs == 2 })
	if st.Held != 4 {
		t.Fatalf("after 2000 window sizes: %d messages held, want 4 (PCONN, DATAIN, PCONNSYNC, DATAIN)", st.Held)
	}
	if st.SyncMerged+st.SyncDeferred < 1999 {
		t.Fatalf("SyncDeferred %d + SyncMerged %d, want at least 1999", st.SyncDeferred, st.SyncMerged)
	}
	// The server that links gets the latest size.
	srv := dialServer(t, p)
	ms := srv.expectOps(link.OpPortalSync, link.OpPortalConnect, link.OpDataIn, link.OpPortalConnSync, link.OpDataIn)
	err = testutil.Await(wait, 5*time.Millisecond, func() error {
		if w, _ := p.Handler().Sessions()[0].Flag("SCREENWIDTH"); w == 81+1999 {
			return nil
		}
		return errWaiting
	})
	if err != nil {
		t.Fatal(err)
	}
	if w := ms[3].Session.ProtocolFlags["SCREENWIDTH"]; w != float64(81+1999) {
		// The deferred sync may still be on its way: it is sent live then.
		m := srv.expectOps(link.OpPortalConnSync)[0]
		if w = m.Session.ProtocolFlags["SCREENWIDTH"]; w != float64(81+1999) {
			t.Fatalf("server got SCREENWIDTH %v, want %d", w, 81+1999)
		}
	}
}

// Item 2: the protocol has its session before the session is admitted: a
// DoS message that overflows the outbox (in Connect itself) closes the
// session as a slow consumer instead of finding no session.
func TestTelnetSessionBoundBeforeAdmit(t *testing.T) {
	t.Parallel()
	closed := make(chan portal.CloseReason, 3)
	p := startPortal(t, portal.Config{
		MaxConnectionRate: 0.1, // one per 10 s: the third connection joins a non-empty queue
		OutboundLimit:     32,  // room for the option offers, not for the DoS message
		Keepalive:         -1,
		OnSessionClosed:   func(_ uint64, _ portal.SessionState, r portal.CloseReason) { closed <- r },
	})
	for range 3 {
		nc, err := net.Dial("tcp", p.TelnetAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
	}
	select {
	case r := <-closed:
		if r != portal.ReasonSlowConsumer {
			t.Fatalf("closed for %v, want slow-consumer", r)
		}
	case <-time.After(wait):
		t.Fatal("the session whose DoS message overflowed its outbox was not closed")
	}
}

// Minor: an idle-timed-out connection ends as soon as its writer has
// delivered the message and closed the socket, not a second later.
func TestTelnetIdleTimeoutEndsPromptly(t *testing.T) {
	t.Parallel()
	p := startPortal(t, portal.Config{IdleTimeout: 100 * time.Millisecond})
	c := dial(t, p.TelnetAddr().String())
	expect(t, c, "Idle timeout")
	if err := c.WaitClosed(wait); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if err := p.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v: the idle connection's reader is still waiting", err)
	}
}

// Item 4: a shutdown during a server takeover keeps holdFor's promise (the
// reloading server gets nothing after its acknowledgement) and delivers
// PDISCONNALL and SSHUTD to the server taking over, once it syncs.
func TestShutdownDuringTakeover(t *testing.T) {
	t.Parallel()
	p := startPortal(t, portal.Config{})
	s1, ack := reloadingServer(t, p)
	if p.StopServer(link.ModeShutdown) {
		t.Fatal("StopServer sent to a server that announced a reload")
	}
	// s1 stays open: s2, its successor, waits for it (takeoverWait).
	s2, err := dialServerAs(t, p, link.Hello{Takeover: ack.Takeover}, link.Message{Op: link.OpPortalSync})
	if err != nil {
		t.Fatal(err)
	}
	err = testutil.Await(wait, time.Millisecond, func() error {
		if p.TakeoverInProgress() {
			return nil
		}
		return errWaiting
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- p.Shutdown(ctx) }()
	if m, err := s1.c.Recv(); err == nil {
		t.Fatalf("the reloading server got %v after its acknowledgement", m.Op)
	}
	s2.expectOps(link.OpPortalSync, link.OpPortalDisconnectAll, link.OpServerShutdown)
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

// Item 5: a panic while applying a server message is answered with an
// error; the link stays up and live.
func TestServerMessagePanicKeepsLink(t *testing.T) {
	t.Parallel()
	p := startPortal(t, portal.Config{Protocols: map[string]portal.ProtocolFactory{
		"boom": func(context.Context, *portal.Handler, map[string]any) error { panic("factory bug") },
	}})
	s := dialServer(t, p)
	s.expectOps(link.OpPortalSync)
	if err := s.c.Send(link.Message{Op: link.OpServerConnect, Protocol: "boom"}); err != nil {
		t.Fatal(err)
	}
	if e := s.expectOps(link.OpError)[0]; !strings.Contains(e.Err, "factory bug") {
		t.Fatalf("error %q", e.Err)
	}
	if !p.ServerConnected() {
		t.Fatal("server no longer connected")
	}
	dial(t, p.TelnetAddr().String())
	s.expectOps(link.OpPortalConnect)
}

// Minor: what is still held when the portal closes is dropped with one
// log line saying how much.
func TestCloseLogsDroppedHold(t *testing.T) {
	t.Parallel()
	var logs testutil.SyncBuffer
	p := startPortal(t, portal.Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	c := dial(t, p.TelnetAddr().String())
	if err := c.Send("look"); err != nil {
		t.Fatal(err)
	}
	awaitStats(t, p, func(st portal.HandlerStats) bool { return st.Inputs == 1 })
	p.Close()
	if out := logs.String(); !regexp.MustCompile(`msg=link.held.dropped .*messages=\d+ input=1 `).MatchString(out) {
		t.Fatalf("no link.held.dropped line counting the held input in:\n%s", out)
	}
}

// A protocol factory's goroutines, started with Handler.Go, are the
// portal's: Close cancels the factory's context and waits for them, and
// Go refuses once the portal is closing.
func TestFactoryGoroutinesEndWithClose(t *testing.T) {
	t.Parallel()
	started, ended := make(chan struct{}), make(chan struct{})
	p := startPortal(t, portal.Config{Protocols: map[string]portal.ProtocolFactory{
		"bot": func(ctx context.Context, h *portal.Handler, _ map[string]any) error {
			if !h.Go(func() {
				close(started)
				<-ctx.Done()
				close(ended)
			}) {
				return errors.New("refused")
			}
			return nil
		},
	}})
	s := dialServer(t, p)
	s.expectOps(link.OpPortalSync)
	if err := s.c.Send(link.Message{Op: link.OpServerConnect, Protocol: "bot"}); err != nil {
		t.Fatal(err)
	}
	<-started
	p.Close()
	select {
	case <-ended:
	default:
		t.Fatal("Close returned before the factory's goroutine ended")
	}
	if p.Handler().Go(func() {}) {
		t.Fatal("Go ran a goroutine after Close")
	}
}
