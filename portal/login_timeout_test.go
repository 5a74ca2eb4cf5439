package portal

import (
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/portalsim/portalsim/internal/link"
)

// A session that does not log in within the login timeout (5 minutes by
// default) is told and closed; one that logged in stays, until the
// server logs it out again: then its time starts anew.
func TestLoginTimeoutClosesSessionsNotLoggedIn(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h := newTestHandler(t, noThrottle()) // LoginTimeout 0: the default
		pa, pb := &fakeProto{}, &fakeProto{}
		a, b := h.Connect(pa), h.Connect(pb)
		time.Sleep(time.Minute)
		if err := h.ServerLoggedIn(a.Sessid(), link.SessionData{Sessid: a.Sessid(), Uid: 1, LoggedIn: true}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(4*time.Minute - time.Nanosecond)
		synctest.Wait()
		if b.State() == StateClosed {
			t.Fatal("closed before the 5 minutes were up")
		}
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		if b.State() != StateClosed || b.CloseReason() != ReasonLoginTimeout {
			t.Fatalf("after 5 minutes not logged in: state %v, reason %v; want closed, login-timeout", b.State(), b.CloseReason())
		}
		if want := "Timed out waiting for login after 5m0s. Disconnecting."; pb.closeMsg != want {
			t.Fatalf("told %q, want %q", pb.closeMsg, want)
		}
		if a.State() != StateLoggedIn {
			t.Fatalf("the logged-in session is %v", a.State())
		}
		ms := sent(h)
		if last := ms[len(ms)-1]; last.Op != link.OpPortalDisconnect || last.Sessid != b.Sessid() || last.Reason != "login-timeout" {
			t.Fatalf("last message to the server %v:%d %q, want PDISCONN for %d with reason login-timeout", last.Op, last.Sessid, last.Reason, b.Sessid())
		}

		// The server logs a out (an SSYNC saying so): it has 5 minutes from now.
		h.ServerSessionSync([]link.SessionData{{Sessid: a.Sessid()}}, false, 0)
		time.Sleep(5*time.Minute - time.Nanosecond)
		synctest.Wait()
		if a.State() != StateConnected {
			t.Fatalf("logged out for less than 5 minutes: %v", a.State())
		}
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		if a.CloseReason() != ReasonLoginTimeout {
			t.Fatalf("logged out for 5 minutes: reason %v, want login-timeout", a.CloseReason())
		}
		if got := h.Stats().LoginTimeouts; got != 2 {
			t.Fatalf("LoginTimeouts = %d, want 2", got)
		}
	})
}

// A session still waiting in the connect queue is not logged in either:
// it times out there, and the server never hears of it.
func TestLoginTimeoutCountsTimeQueued(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h := newTestHandler(t, Config{MaxConnectionRate: 1.0 / 3600, LoginTimeout: time.Minute})
		first := h.Connect(&fakeProto{}) // released at once, and logged in
		if err := h.ServerLoggedIn(first.Sessid(), link.SessionData{Sessid: first.Sessid(), Uid: 1, LoggedIn: true}); err != nil {
			t.Fatal(err)
		}
		p := &fakeProto{}
		s := h.Connect(p)
		time.Sleep(time.Minute)
		synctest.Wait()
		if s.CloseReason() != ReasonLoginTimeout || p.closeMsg != fmt.Sprintf(LoginTimeoutFormat, time.Minute) {
			t.Fatalf("queued for the timeout: reason %v, told %q", s.CloseReason(), p.closeMsg)
		}
		if got := ops(sent(h)); got != "PCONN:1" {
			t.Fatalf("sent %s, want only the first PCONN: the server never heard of the queued one", got)
		}
		if st := h.Stats(); st.LoginTimeouts != 1 || st.Throttle.Abandoned != 1 || st.Throttle.Waiting != 0 {
			t.Fatalf("stats: %d login timeouts, throttle %+v", st.LoginTimeouts, st.Throttle)
		}
		h.throttle.Stop()
	})
}

// A negative login timeout is off.
func TestLoginTimeoutOff(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h := newTestHandler(t, Config{MaxConnectionRate: -1, LoginTimeout: -1})
		s := h.Connect(&fakeProto{})
		time.Sleep(24 * time.Hour)
		synctest.Wait()
		if s.State() != StateConnected {
			t.Fatalf("with the login timeout off, a session not logged in for a day is %v", s.State())
		}
	})
}

// botProto is a protocol logged in from the start (LoggedInProtocol), as
// the IRC bot is.
type botProto struct {
	fakeProto
	uid int64
}

func (b *botProto) AccountUID() int64 { return b.uid }

var _ LoggedInProtocol = (*botProto)(nil)

// A session logged in from the start (an outbound bot) announces itself
// logged in with its account's uid, is logged in at once, and never
// times out waiting for a login; with a uid of 0 it starts as any other.
func TestLoggedInProtocolStartsLoggedIn(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h := newTestHandler(t, noThrottle())
		bot := h.Connect(&botProto{uid: 7})
		plain := h.Connect(&botProto{})
		if bot.State() != StateLoggedIn || plain.State() != StateConnected {
			t.Fatalf("states %v and %v, want logged-in and connected", bot.State(), plain.State())
		}
		ms := sent(h)
		if len(ms) < 2 || ms[0].Op != link.OpPortalConnect || ms[0].Session == nil {
			t.Fatalf("first message %v, want the bot's PCONN", ops(ms))
		}
		if d := ms[0].Session; d.Uid != 7 || !d.LoggedIn || d.ProtocolKey != "fake" {
			t.Fatalf("PCONN data uid %d, logged_in %v, key %q; want 7, true, fake", d.Uid, d.LoggedIn, d.ProtocolKey)
		}
		if d := ms[1].Session; d == nil || d.Uid != 0 || d.LoggedIn {
			t.Fatalf("the uid-0 session's PCONN says logged in: %+v", d)
		}
		time.Sleep(DefaultLoginTimeout + time.Minute)
		synctest.Wait()
		if bot.State() != StateLoggedIn || plain.CloseReason() != ReasonLoginTimeout {
			t.Fatalf("after the login timeout: bot %v, plain closed for %v", bot.State(), plain.CloseReason())
		}
	})
}

// A session logged in from the start that waits in the connect queue is
// logged in when released, and is not timed out while it waits.
func TestLoggedInProtocolQueued(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h := newTestHandler(t, Config{MaxConnectionRate: 1, MaxCommandRate: -1, LoginTimeout: time.Second})
		defer h.Throttle().Stop()
		first := h.Connect(&fakeProto{})
		bot := h.Connect(&botProto{uid: 3})
		if bot.State() != StateQueued {
			t.Fatalf("bot %v, want queued behind the first session", bot.State())
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if bot.State() != StateLoggedIn || first.CloseReason() != ReasonLoginTimeout {
			t.Fatalf("bot %v (want logged-in); first closed for %v (want login-timeout)", bot.State(), first.CloseReason())
		}
	})
}
