package portal

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/portalsim/portalsim/internal/link"
)

// fakeProto is a Protocol that records what the handler does to it.
type fakeProto struct {
	mu       sync.Mutex
	texts    []string
	prompts  []string
	defaults []string
	closes   int
	closeMsg string
	panicOn  string
	addr     string // "" means 127.0.0.9
}

var _ Protocol = (*fakeProto)(nil)

func (f *fakeProto) Key() string { return "fake" }
func (f *fakeProto) Address() string {
	if f.addr == "" {
		return "127.0.0.9"
	}
	return f.addr
}
func (f *fakeProto) Output(cmd string) OutputFunc {
	switch cmd {
	case "text":
		return func(args []any, _ map[string]any) {
			if f.panicOn == "text" {
				panic("boom")
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			f.texts = append(f.texts, argString(args))
		}
	case "prompt":
		return func(args []any, _ map[string]any) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.prompts = append(f.prompts, argString(args))
		}
	}
	return nil
}
func (f *fakeProto) SendDefault(c link.Command) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.defaults = append(f.defaults, c.Name)
}
func (f *fakeProto) Close(msg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closes++
	f.closeMsg = msg
}
func (f *fakeProto) Texts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.texts...)
}

// newTestHandler returns a handler whose uplink has no server, so every
// message it sends lands in the hold buffer, where tests read it.
func newTestHandler(t *testing.T, cfg Config) *Handler {
	t.Helper()
	cfg = cfg.withDefaults()
	return newHandler(cfg, newUplink(cfg.Logger, cfg.HoldLimit, cfg.HoldBytes))
}

// sent returns the messages the handler sent toward the server so far.
func sent(h *Handler) []link.Message {
	h.up.mu.Lock()
	defer h.up.mu.Unlock()
	var out []link.Message
	h.up.out.Each(func(e *link.Entry[*Session]) { out = append(out, e.Msg) })
	return out
}

func ops(ms []link.Message) string {
	var b []string
	for _, m := range ms {
		b = append(b, fmt.Sprintf("%v:%d", m.Op, m.Sessid))
	}
	return strings.Join(b, " ")
}

func noThrottle() Config { return Config{MaxConnectionRate: -1} }

func TestSessidsUniqueAndIncreasing(t *testing.T) {
	t.Parallel()
	h := newTestHandler(t, noThrottle())
	const n = 2000
	ids := make(chan uint64, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { ids <- h.Connect(&fakeProto{}).Sessid() })
	}
	wg.Wait()
	close(ids)
	seen := map[uint64]bool{}
	for id := range ids {
		if id == 0 || seen[id] {
			t.Fatalf("sessid %d is zero or duplicated", id)
		}
		seen[id] = true
	}
	if next := h.GenerateSessid(); next != n+1 {
		t.Fatalf("next sessid = %d, want %d: ids must only grow", next, n+1)
	}
}

// A run given a first sessid starts there; a run started later with a
// time-based first sessid starts above every sessid of the earlier one
// (a stock Evennia Server keeps its sessions across a portal restart).
func TestFirstSessid(t *testing.T) {
	t.Parallel()
	cfg := noThrottle()
	start := time.Date(2026, 12, 7, 18, 0, 0, 0, time.UTC)
	cfg.FirstSessid = TimeSessidBase(start)
	h := newTestHandler(t, cfg)
	if id := h.Connect(&fakeProto{}).Sessid(); id != cfg.FirstSessid {
		t.Fatalf("first sessid %d, want %d", id, cfg.FirstSessid)
	}
	for range 1000 {
		h.GenerateSessid()
	}
	last := h.GenerateSessid()
	if next := TimeSessidBase(start.Add(time.Millisecond)); next <= last {
		t.Fatalf("a run 1 ms later starts at %d, at or below %d of the earlier run's 1,002nd session", next, last)
	}
	if base := TimeSessidBase(time.Date(2248, 1, 1, 0, 0, 0, 0, time.UTC)); base >= 1<<53 {
		t.Fatalf("TimeSessidBase in 2248 = %d, past 2^53", base)
	}
}

func TestConnectSendsPCONNWithSyncData(t *testing.T) {
	t.Parallel()
	h := newTestHandler(t, noThrottle())
	s := h.Connect(&fakeProto{})
	ms := sent(h)
	if len(ms) != 1 || ms[0].Op != link.OpPortalConnect || ms[0].Sessid != s.Sessid() {
		t.Fatalf("sent %s, want one PCONN", ops(ms))
	}
	d := ms[0].Session
	if d.ProtocolKey != "fake" || d.Address != "127.0.0.9" || d.Seq != 1 || d.ProtocolFlags["ENCODING"] != "utf-8" {
		t.Fatalf("PCONN data = %+v", d)
	}
	if s.State() != StateConnected || h.Get(s.Sessid()) != s {
		t.Fatalf("state %v, registered %v", s.State(), h.Get(s.Sessid()) != nil)
	}
}

// The DoS message goes only to a session that joins a non-empty queue.
func TestDoSMessageOnlyWhenQueueNonEmpty(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h := newTestHandler(t, Config{MaxConnectionRate: 2})
		p1, p2, p3 := &fakeProto{}, &fakeProto{}, &fakeProto{}
		h.Connect(p1) // released at once
		h.Connect(p2) // queued behind nobody: released in 500ms, no message
		h.Connect(p3) // joins a non-empty queue
		if got := p1.Texts(); len(got) != 0 {
			t.Fatalf("first session got %q", got)
		}
		if got := p2.Texts(); len(got) != 0 {
			t.Fatalf("session queued behind an empty queue got %q", got)
		}
		got := p3.Texts()
		want := "portalsim DoS protection is active. You are queued to connect in 1.0 seconds ..."
		if len(got) != 1 || got[0] != want {
			t.Fatalf("third session got %q, want %q", got, want)
		}
		h.throttle.Stop()
	})
}

// Bug 5.6: input typed while queued is kept and delivered after PCONN, in order.
func TestInputWhileQueuedDeliveredAfterRelease(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h := newTestHandler(t, Config{MaxConnectionRate: 1})
		h.Connect(&fakeProto{})
		s := h.Connect(&fakeProto{})
		s.DataIn(link.Text("look"))
		s.DataIn(link.Text("say hi"))
		if ms := sent(h); len(ms) != 1 {
			t.Fatalf("sent %s while queued, want only the first PCONN", ops(ms))
		}
		time.Sleep(time.Second)
		synctest.Wait()
		ms := sent(h)
		want := fmt.Sprintf("PCONN:1 PCONN:%d DATAIN:%[1]d DATAIN:%[1]d", s.Sessid())
		if got := ops(ms); got != want {
			t.Fatalf("sent %s, want %s", got, want)
		}
		if txt, _ := ms[3].Data[0].FirstString(); txt != "say hi" {
			t.Fatalf("second input = %q", txt)
		}
		if st := h.Stats(); st.QueuedInput != 2 {
			t.Fatalf("QueuedInput = %d, want 2", st.QueuedInput)
		}
	})
}

// Bug 5.18: a session closed while queued sends nothing to the server and leaves the queue.
func TestCloseWhileQueued(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h := newTestHandler(t, Config{MaxConnectionRate: 1})
		h.Connect(&fakeProto{})
		p := &fakeProto{}
		s := h.Connect(p)
		s.DataIn(link.Text("look"))
		s.Close(ReasonClientQuit, "")
		time.Sleep(5 * time.Second)
		synctest.Wait()
		if got := ops(sent(h)); got != "PCONN:1" {
			t.Fatalf("sent %s, want only PCONN:1", got)
		}
		if p.closes != 1 || s.CloseReason() != ReasonClientQuit {
			t.Fatalf("closes=%d reason=%v", p.closes, s.CloseReason())
		}
		if st := h.throttle.Stats(); st.Abandoned != 1 || st.Waiting != 0 {
			t.Fatalf("throttle stats %+v", st)
		}
	})
}

// Bug 5.7: exactly one PDISCONN, whoever closes first, however often.
func TestExactlyOnePDISCONN(t *testing.T) {
	t.Parallel()
	h := newTestHandler(t, noThrottle())
	var closed []CloseReason
	var mu sync.Mutex
	h.cfg.OnSessionClosed = func(_ uint64, _ SessionState, r CloseReason) {
		mu.Lock()
		closed = append(closed, r)
		mu.Unlock()
	}
	p := &fakeProto{}
	s := h.Connect(p)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if i%2 == 0 {
				h.Disconnect(s, ReasonClientQuit)
			} else {
				_ = h.ServerDisconnect(s.Sessid(), "bye")
			}
		})
	}
	wg.Wait()
	n := 0
	for _, m := range sent(h) {
		if m.Op == link.OpPortalDisconnect {
			n++
		}
	}
	if n != 1 || len(closed) != 1 || p.closes != 1 {
		t.Fatalf("PDISCONN %d, hooks %d, protocol closes %d; want 1 each", n, len(closed), p.closes)
	}
	if h.Get(s.Sessid()) != nil {
		t.Fatal("closed session still registered")
	}
}

func TestServerDisconnectSendsReason(t *testing.T) {
	t.Parallel()
	h := newTestHandler(t, noThrottle())
	p := &fakeProto{}
	s := h.Connect(p)
	if err := h.ServerDisconnect(s.Sessid(), "Good bye!"); err != nil {
		t.Fatal(err)
	}
	if p.closeMsg != "Good bye!" || s.CloseReason() != ReasonServerDisconnect {
		t.Fatalf("close message %q, reason %v", p.closeMsg, s.CloseReason())
	}
	if err := h.ServerDisconnect(s.Sessid(), "again"); !errors.Is(err, ErrUnknownSession) {
		t.Fatalf("second ServerDisconnect = %v, want ErrUnknownSession", err)
	}
}

func TestCharLimit(t *testing.T) {
	t.Parallel()
	h := newTestHandler(t, noThrottle())
	p := &fakeProto{}
	s := h.Connect(p)
	s.DataIn(link.Text(strings.Repeat("é", 6000))) // 6000 characters, 12000 bytes: allowed
	s.DataIn(link.Text(strings.Repeat("a", 6001)))
	if got := ops(sent(h)); got != fmt.Sprintf("PCONN:%d DATAIN:%[1]d", s.Sessid()) {
		t.Fatalf("sent %s", got)
	}
	if got := p.Texts(); len(got) != 1 || got[0] != CharLimitWarning {
		t.Fatalf("client got %q, want the char limit warning", got)
	}
	if st := h.Stats(); st.CharDropped != 1 || st.Inputs != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestCharLimitDisabled(t *testing.T) {
	t.Parallel()
	h := newTestHandler(t, Config{MaxConnectionRate: -1, MaxCharLimit: -1})
	s := h.Connect(&fakeProto{})
	s.DataIn(link.Text(strings.Repeat("a", 100_000)))
	if st := h.Stats(); st.Inputs != 1 || st.CharDropped != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestCommandRate(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h := newTestHandler(t, noThrottle())
		p := &fakeProto{}
		s := h.Connect(p)
		for range 81 {
			s.DataIn(link.Text("look"))
		}
		if st := h.Stats(); st.Inputs != 80 || st.RateDropped != 1 {
			t.Fatalf("after 81 inputs in one window: %+v", st)
		}
		if got := p.Texts(); len(got) != 1 || got[0] != CommandRateWarning {
			t.Fatalf("client got %q", got)
		}
		time.Sleep(1100 * time.Millisecond)
		s.DataIn(link.Text("look"))
		if st := h.Stats(); st.Inputs != 81 {
			t.Fatalf("a new window did not admit input: %+v", st)
		}
	})
}

func TestSyncOnlyForReleasedSessions(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h := newTestHandler(t, Config{MaxConnectionRate: 1})
		a := h.Connect(&fakeProto{})
		b := h.Connect(&fakeProto{})
		// Bug 5.9: a resize while queued must neither crash nor send.
		b.SetFlags(map[string]any{"SCREENWIDTH": 100})
		h.Sync(b)
		a.SetFlags(map[string]any{"SCREENWIDTH": 120})
		h.Sync(a)
		if got := ops(sent(h)); got != "PCONN:1 PCONNSYNC:1" {
			t.Fatalf("sent %s", got)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		ms := sent(h)
		last := ms[len(ms)-1]
		if last.Op != link.OpPortalConnect || last.Session.ProtocolFlags["SCREENWIDTH"] != 100 {
			t.Fatalf("PCONN of the queued session = %+v: it must carry the size set while queued", last)
		}
	})
}

func TestServerLoggedIn(t *testing.T) {
	t.Parallel()
	h := newTestHandler(t, noThrottle())
	s := h.Connect(&fakeProto{})
	if err := h.ServerLoggedIn(s.Sessid(), link.SessionData{Uid: 7, Uname: "bob", Puid: 12}); err != nil {
		t.Fatal(err)
	}
	if d := s.Data(); s.State() != StateLoggedIn || d.Uid != 7 || d.Uname != "bob" || !d.LoggedIn || d.Puid != 12 {
		t.Fatalf("state %v data %+v", s.State(), d)
	}
	if h.CountLoggedIn(false) != 1 || h.CountLoggedIn(true) != 1 {
		t.Fatalf("counts %d %d", h.CountLoggedIn(false), h.CountLoggedIn(true))
	}
	h.Connect(&fakeProto{})
	if h.CountLoggedIn(false) != 1 || h.CountLoggedIn(true) != 2 {
		t.Fatalf("counts %d %d", h.CountLoggedIn(false), h.CountLoggedIn(true))
	}
	// Bug 5.37: SLOGIN for a dropped session is ignored and counted.
	s.Close(ReasonClientQuit, "")
	if err := h.ServerLoggedIn(s.Sessid(), link.SessionData{Uid: 7}); !errors.Is(err, ErrUnknownSession) {
		t.Fatalf("SLOGIN after close = %v", err)
	}
	if st := h.Stats(); st.LoginUnknown != 1 {
		t.Fatalf("LoginUnknown = %d", st.LoginUnknown)
	}
}

// Bug 5.1: a clean sync must not drop a session whose PCONN is newer than the snapshot.
func TestServerSessionSyncClean(t *testing.T) {
	t.Parallel()
	h := newTestHandler(t, noThrottle())
	old := h.Connect(&fakeProto{})   // seq 1: the server knew it, then dropped it
	kept := h.Connect(&fakeProto{})  // seq 2: in the snapshot
	fresh := h.Connect(&fakeProto{}) // seq 3: PCONN still in flight when the snapshot was taken
	snap := []link.SessionData{{Sessid: kept.Sessid(), Uid: 4, Uname: "amy", LoggedIn: true, ProtocolFlags: map[string]any{"NOCOLOR": true}}}
	h.ServerSessionSync(snap, true, 2)
	if old.State() != StateClosed || old.CloseReason() != ReasonServerSync {
		t.Fatalf("stale session: %v %v", old.State(), old.CloseReason())
	}
	if fresh.State() != StateConnected {
		t.Fatalf("session newer than the snapshot was %v", fresh.State())
	}
	d := kept.Data()
	if kept.State() != StateLoggedIn || d.Uname != "amy" || d.ProtocolFlags["NOCOLOR"] != true || d.ProtocolFlags["ENCODING"] != "utf-8" {
		t.Fatalf("synced session %v %+v", kept.State(), d)
	}
	if st := h.Stats(); st.SyncCleaned != 1 || st.SyncKept != 1 {
		t.Fatalf("stats %+v", st)
	}
	// Not clean: nothing is closed.
	h.ServerSessionSync(nil, false, 100)
	if fresh.State() == StateClosed {
		t.Fatal("a sync without clean closed a session")
	}
}

// Bug 5.15: an SSYNC flag older than the portal's own change of it is
// ignored, and a PCONNSYNC carries only the flags the portal changed, so
// it cannot undo a server's change to another one.
func TestServerSessionSyncOrdersFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		setLocally map[string]any // flags the portal sets, then syncs (rev 1), before the SSYNC
		dirty      map[string]any // flags set after that, not yet synced
		ssync      link.SessionData
		want       map[string]any // the portal's flags after the SSYNC
	}{
		{"server up to date: its values apply", map[string]any{"SCREENWIDTH": 120}, nil,
			link.SessionData{SyncRev: 1, ProtocolFlags: map[string]any{"SCREENWIDTH": 90.0, "NOCOLOR": true}},
			map[string]any{"SCREENWIDTH": 90.0, "NOCOLOR": true}},
		{"server behind: the portal's newer flag stays, the others apply", map[string]any{"SCREENWIDTH": 120}, nil,
			link.SessionData{SyncRev: 0, ProtocolFlags: map[string]any{"SCREENWIDTH": 80.0, "NOCOLOR": true}},
			map[string]any{"SCREENWIDTH": 120, "NOCOLOR": true}},
		{"a flag set and not yet synced stays", nil, map[string]any{"SCREENWIDTH": 130},
			link.SessionData{SyncRev: 0, ProtocolFlags: map[string]any{"SCREENWIDTH": 80.0}},
			map[string]any{"SCREENWIDTH": 130}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newTestHandler(t, noThrottle())
			s := h.Connect(&fakeProto{})
			if tt.setLocally != nil {
				s.SetFlags(tt.setLocally)
				h.Sync(s)
			}
			if tt.dirty != nil {
				s.SetFlags(tt.dirty)
			}
			tt.ssync.Sessid = s.Sessid()
			h.ServerSessionSync([]link.SessionData{tt.ssync}, false, 0)
			if d := cmp.Diff(tt.want, s.Data().ProtocolFlags, cmpopts.IgnoreMapEntries(func(k string, _ any) bool { return k == "ENCODING" })); d != "" {
				t.Errorf("flags after the SSYNC (-want +got):\n%s", d)
			}
		})
	}
}

// A PCONNSYNC carries the flags changed since the previous one; while it
// waits in the hold, a later one is merged into it.
func TestConnSyncCarriesChangedFlags(t *testing.T) {
	t.Parallel()
	h := newTestHandler(t, noThrottle())
	s := h.Connect(&fakeProto{})
	s.SetFlags(map[string]any{"SCREENWIDTH": 100, "SCREENHEIGHT": 30})
	h.Sync(s)
	var syncs []link.Message
	for _, m := range sent(h) {
		if m.Op == link.OpPortalConnSync {
			syncs = append(syncs, m)
		}
	}
	if len(syncs) != 1 {
		t.Fatalf("sent %s, want one PCONNSYNC", ops(sent(h)))
	}
	want := map[string]any{"SCREENWIDTH": 100, "SCREENHEIGHT": 30}
	if d := cmp.Diff(want, syncs[0].Session.ProtocolFlags); d != "" {
		t.Fatalf("PCONNSYNC flags (-want +got):\n%s", d)
	}
	if syncs[0].Session.SyncRev != 1 {
		t.Fatalf("first PCONNSYNC has SyncRev %d, want 1", syncs[0].Session.SyncRev)
	}
	// A newer one while it is held (no server linked): merged into it.
	next := link.SessionData{Sessid: s.Sessid(), SyncRev: 2, ProtocolFlags: map[string]any{"SCREENWIDTH": 110}}
	if !h.up.sendSync(link.Message{Op: link.OpPortalConnSync, Sessid: s.Sessid(), Session: &next}) {
		t.Fatal("the second PCONNSYNC was not merged into the held one")
	}
	held := syncs[0].Session // the hold's message shares its data
	want = map[string]any{"SCREENWIDTH": 110, "SCREENHEIGHT": 30}
	if d := cmp.Diff(want, held.ProtocolFlags); d != "" || held.SyncRev != 2 {
		t.Fatalf("held PCONNSYNC SyncRev %d, flags (-want +got):\n%s", held.SyncRev, d)
	}
}

func TestDataOutDispatch(t *testing.T) {
	t.Parallel()
	h := newTestHandler(t, noThrottle())
	p := &fakeProto{}
	s := h.Connect(p)
	h.DataOut(s.Sessid(), []link.Command{link.Text("hello"), {Name: " Prompt "}, {Name: "gmcp_thing", Args: []any{1}}})
	if got := p.Texts(); len(got) != 1 || got[0] != "hello" {
		t.Fatalf("texts %q", got)
	}
	if len(p.prompts) != 1 || len(p.defaults) != 1 || p.defaults[0] != "gmcp_thing" {
		t.Fatalf("prompts %q defaults %q", p.prompts, p.defaults)
	}
	h.DataOut(9999, []link.Command{link.Text("lost")})
	p.panicOn = "text"
	h.DataOut(s.Sessid(), []link.Command{link.Text("boom")})
	if st := h.Stats(); st.OutputUnknown != 1 || st.OutputPanics != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestDisconnectAllIncludesQueued(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h := newTestHandler(t, Config{MaxConnectionRate: 1})
		var ps []*fakeProto
		for range 4 {
			p := &fakeProto{}
			ps = append(ps, p)
			h.Connect(p)
		}
		h.DisconnectAll()
		for i, p := range ps {
			if p.closes != 1 {
				t.Fatalf("session %d closed %d times", i+1, p.closes)
			}
		}
		if got := ops(sent(h)); got != "PCONN:1 PDISCONNALL:0" {
			t.Fatalf("sent %s, want PCONN:1 PDISCONNALL:0", got)
		}
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if h.CountLoggedIn(true) != 0 {
			t.Fatal("sessions left after DisconnectAll")
		}
	})
}

func TestServerDisconnectAllIncludesQueued(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h := newTestHandler(t, Config{MaxConnectionRate: 1})
		var ps []*fakeProto
		for range 3 {
			p := &fakeProto{}
			ps = append(ps, p)
			h.Connect(p)
		}
		h.ServerDisconnectAll("Server is going down.")
		for i, p := range ps {
			if p.closes != 1 || p.closeMsg != "Server is going down." {
				t.Fatalf("session %d: closes %d message %q", i+1, p.closes, p.closeMsg)
			}
		}
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if got := ops(sent(h)); got != "PCONN:1 PDISCONN:1" {
			t.Fatalf("sent %s", got)
		}
		h.throttle.Stop()
	})
}

func TestQueriesAndAnnounce(t *testing.T) {
	t.Parallel()
	h := newTestHandler(t, noThrottle())
	p1, p2 := &fakeProto{}, &fakeProto{}
	a := h.Connect(p1)
	h.Connect(p2)
	a.mu.Lock()
	a.data.Csessid = "browser-1"
	a.mu.Unlock()
	if got := h.SessionsFromCsessid("browser-1"); len(got) != 1 || got[0] != a {
		t.Fatalf("SessionsFromCsessid = %v", got)
	}
	if got := h.SessionsFromCsessid(""); got != nil {
		t.Fatalf("empty csessid matched %v", got)
	}
	h.AnnounceAll("Hear ye")
	if p1.Texts()[0] != "Hear ye" || p2.Texts()[0] != "Hear ye" {
		t.Fatal("AnnounceAll missed a session")
	}
	h.AtServerConnection()
	if h.ServerConnectedAt().IsZero() {
		t.Fatal("AtServerConnection not recorded")
	}
}

func TestServerConnect(t *testing.T) {
	t.Parallel()
	var got map[string]any
	cfg := noThrottle()
	cfg.Protocols = map[string]ProtocolFactory{
		"bot": func(_ context.Context, h *Handler, config map[string]any) error {
			got = config
			h.Connect(&fakeProto{})
			return nil
		},
	}
	h := newTestHandler(t, cfg)
	if err := h.ServerConnect(context.Background(), "irc", nil); !errors.Is(err, ErrUnknownProtocol) {
		t.Fatalf("unknown protocol: %v", err)
	}
	if err := h.ServerConnect(context.Background(), "bot", map[string]any{"channel": "#x"}); err != nil {
		t.Fatal(err)
	}
	if got["channel"] != "#x" || h.CountLoggedIn(true) != 1 {
		t.Fatalf("factory config %v, sessions %d", got, h.CountLoggedIn(true))
	}
}

func TestHoldLimitRefusesInputWithWarning(t *testing.T) {
	t.Parallel()
	h := newTestHandler(t, Config{MaxConnectionRate: -1, HoldLimit: 2, MaxCommandRate: -1})
	p := &fakeProto{}
	s := h.Connect(p)
	for range 3 {
		s.DataIn(link.Text("look"))
	}
	if st := h.Stats(); st.Inputs != 2 || st.HoldDropped != 1 {
		t.Fatalf("stats %+v", st)
	}
	if got := p.Texts(); len(got) != 1 || got[0] != ServerGoneWarning {
		t.Fatalf("client got %q", got)
	}
}

// The hold is bounded in bytes too: 20 sessions that never logged in,
// typing long lines while no server is linked, hold at most HoldBytes;
// the rest is refused, each player told, and counted.
func TestHoldBytesBoundHeldInput(t *testing.T) {
	t.Parallel()
	const limit = 1 << 20
	h := newTestHandler(t, Config{MaxConnectionRate: -1, MaxCommandRate: -1, HoldBytes: limit})
	line := strings.Repeat("x", 5900)
	var protos []*fakeProto
	for range 20 {
		p := &fakeProto{}
		protos = append(protos, p)
		s := h.Connect(p)
		for range 100 {
			s.DataIn(link.Text(line))
		}
	}
	st := h.Stats()
	if st.HeldInputBytes > limit || st.HeldInputBytes < limit-2*len(line) {
		t.Fatalf("held %d bytes of input, want just under %d", st.HeldInputBytes, limit)
	}
	if st.Inputs+st.HoldDropped != 2000 || st.HoldDropped < 1500 {
		t.Fatalf("inputs %d, dropped %d: want every line accounted for and most dropped", st.Inputs, st.HoldDropped)
	}
	told := 0
	for _, p := range protos {
		for _, m := range p.Texts() {
			if m == ServerGoneWarning {
				told++
			}
		}
	}
	if told != int(st.HoldDropped) {
		t.Fatalf("%d warnings for %d dropped lines", told, st.HoldDropped)
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	err := Config{MaxLineLength: -1, OutboundLimit: -2, Protocols: map[string]ProtocolFactory{"x": nil}}.Validate()
	if !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("Validate = %v", err)
	}
	for _, want := range []string{"MaxLineLength", "OutboundLimit", `protocol "x"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
	if err := (Config{}).Validate(); err != nil {
		t.Fatalf("zero Config invalid: %v", err)
	}
}

// heldBot is a LoggedInProtocol that negotiates before its PCONN
// (Session.HoldConnect from Bind, as a protocol with a handshake does).
type heldBot struct{ fakeProto }

func (*heldBot) AccountUID() int64 { return 7 }
func (*heldBot) Bind(s *Session)   { s.HoldConnect() }

// heldPlain is the same protocol without LoggedInProtocol.
type heldPlain struct{ fakeProto }

func (*heldPlain) Bind(s *Session) { s.HoldConnect() }

// A session whose PCONN was held gets it at HandshakeDone, whether it
// was released as connected or as logged in from the start
// (LoggedInProtocol): otherwise the server never hears of it.
func TestHeldSessionAnnounced(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		proto Protocol
		state SessionState
	}{
		{"plain", &heldPlain{}, StateConnected},
		{"logged in", &heldBot{}, StateLoggedIn},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newTestHandler(t, noThrottle())
			s := h.Connect(tc.proto)
			if st := s.State(); st != tc.state {
				t.Fatalf("state %v, want %v", st, tc.state)
			}
			if got := ops(sent(h)); strings.Contains(got, "PCONN") {
				t.Fatalf("PCONN before HandshakeDone: %q", got)
			}
			h.HandshakeDone(s)
			if got := ops(sent(h)); !strings.Contains(got, "PCONN") {
				t.Fatalf("after HandshakeDone the server was sent %q: no PCONN", got)
			}
		})
	}
}
