package sim_test

// Tests of the game server's side of the link, with the test playing the
// portal by hand: every frame the server sends is read and checked, every
// frame it receives is written here.

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/sim"
)

// testSecret is the link secret of the fake portal and its server.
var testSecret = testutil.LinkSecret

// portalWait bounds every wait for the server in these tests.
const portalWait = 5 * time.Second

// loginScreenMark is a line of the login screen.
const loginScreenMark = "connect <username> <password>"

// fakePortal is a listener the server under test dials, and that server.
type fakePortal struct {
	t     *testing.T
	ln    *net.TCPListener
	world *sim.World
	srv   *sim.Server
	links []*portalLink
	done  chan struct{} // closed when Run has returned
	err   error         // Run's result; read it only after done is closed
}

// newFakePortal listens on a loopback port and runs a server dialling it.
// tweak, if not nil, adjusts the server's config.
func newFakePortal(t *testing.T, tweak func(*sim.Config)) *fakePortal {
	t.Helper()
	w, err := sim.NewWorld(sim.WorldConfig{Store: sim.NewMemoryStore(), InsecurePasswordCost: true, NewAccountPerm: sim.PermBuilder})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := sim.Config{
		PortalAddr: ln.Addr().String(), LinkSecret: testSecret, World: w, LoginScreenDelay: -1,
		RedialMin: 5 * time.Millisecond, RedialMax: 20 * time.Millisecond,
	}
	if tweak != nil {
		tweak(&cfg)
	}
	srv, err := sim.New(cfg)
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &fakePortal{t: t, ln: ln.(*net.TCPListener), world: w, srv: srv, done: make(chan struct{})}
	go func() {
		p.err = srv.Run(ctx)
		close(p.done)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-p.done:
		case <-time.After(2 * portalWait):
			t.Errorf("Run did not return %v after its context was cancelled", 2*portalWait)
		}
		for _, l := range p.links {
			l.close()
		}
		ln.Close()
	})
	return p
}

// portalLink is the portal's end of one link to the server.
type portalLink struct {
	t     *testing.T
	p     *fakePortal
	num   uint64 // its Hello.Link number
	c     *link.Conn
	in    chan link.Message // every message from the server; closed when the link fails
	quit  chan struct{}     // closed by close, to stop the reader
	req   link.Message      // the server's PSYNC
	recvd atomic.Uint64     // messages read from the server, counted as processed
}

// accept accepts the server's next link, handshakes as the portal of run
// runID and reads the server's PSYNC, which must be its first message.
func (p *fakePortal) accept(runID string) *portalLink {
	p.t.Helper()
	if err := p.ln.SetDeadline(time.Now().Add(portalWait)); err != nil {
		p.t.Fatal(err)
	}
	nc, err := p.ln.Accept()
	if err != nil {
		p.t.Fatalf("accepting the server's link: %v", err)
	}
	l := &portalLink{t: p.t, p: p, num: uint64(len(p.links) + 1), c: link.NewConn(nc, link.Config{}), in: make(chan link.Message, 256), quit: make(chan struct{})}
	p.links = append(p.links, l)
	ctx, cancel := context.WithTimeout(context.Background(), portalWait)
	defer cancel()
	if _, err := l.c.PortalHandshake(ctx, testSecret, link.Hello{RunID: runID, Link: l.num}, func(link.Hello) error { return nil }); err != nil {
		p.t.Fatalf("Handshake: %v", err)
	}
	go l.read()
	m, err := l.recv(portalWait)
	if err != nil {
		p.t.Fatalf("waiting for the server's PSYNC: %v", err)
	}
	if m.Op != link.OpPortalSync {
		p.t.Fatalf("first message from the server is %v (%+v), want PSYNC", m.Op, m)
	}
	l.req = m
	return l
}

// start accepts the first link (run "run-1") and answers its PSYNC with no sessions.
func (p *fakePortal) start() *portalLink {
	p.t.Helper()
	l := p.accept("run-1")
	l.sync(link.ModeShutdown)
	return l
}

func (l *portalLink) read() {
	defer close(l.in)
	for {
		m, err := l.c.Recv()
		if err != nil {
			return
		}
		l.recvd.Add(1)
		select {
		case l.in <- m:
		case <-l.quit:
			return
		}
	}
}

func (l *portalLink) close() {
	select {
	case <-l.quit:
	default:
		close(l.quit)
	}
	l.c.Close()
}

// recv returns the next message from the server, whatever it is.
func (l *portalLink) recv(timeout time.Duration) (link.Message, error) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case m, ok := <-l.in:
		if !ok {
			return link.Message{}, fmt.Errorf("link closed (%v)", l.c.Err())
		}
		return m, nil
	case <-timer.C:
		return link.Message{}, fmt.Errorf("nothing from the server for %v", timeout)
	}
}

// next returns the next message that is not an ACK.
func (l *portalLink) next() link.Message {
	l.t.Helper()
	deadline := time.Now().Add(portalWait)
	for {
		m, err := l.recv(time.Until(deadline))
		if err != nil {
			l.t.Fatalf("waiting for a message: %v", err)
		}
		if m.Op != link.OpAck {
			return m
		}
	}
}

// expect returns the next message that is not an ACK, which must be an op.
func (l *portalLink) expect(op link.Op) link.Message {
	l.t.Helper()
	m := l.next()
	if m.Op != op {
		l.t.Fatalf("got %v %s, want %v", m.Op, describe(m), op)
	}
	return m
}

// waitFor reads messages until one with op arrives, skipping the others;
// it fails after portalWait, or at an ERROR (unless op is ERROR).
func (l *portalLink) waitFor(op link.Op) link.Message {
	l.t.Helper()
	deadline := time.Now().Add(portalWait)
	for {
		m, err := l.recv(time.Until(deadline))
		if err != nil {
			l.t.Fatalf("waiting for %v: %v", op, err)
		}
		if m.Op == op {
			return m
		}
		if m.Op == link.OpError {
			l.t.Fatalf("waiting for %v: server sent ERROR %q", op, m.Err)
		}
	}
}

// drain reads until the server closes the link and returns what came, ACKs included.
func (l *portalLink) drain() []link.Message {
	l.t.Helper()
	deadline := time.Now().Add(portalWait)
	var out []link.Message
	for {
		timer := time.NewTimer(time.Until(deadline))
		select {
		case m, ok := <-l.in:
			timer.Stop()
			if !ok {
				return out
			}
			out = append(out, m)
		case <-timer.C:
			l.t.Fatalf("the server did not close the link within %v", portalWait)
		}
	}
}

func (l *portalLink) send(m link.Message) {
	l.t.Helper()
	if err := l.c.Send(m); err != nil {
		l.t.Fatalf("Send(%v): %v", m.Op, err)
	}
}

// sync answers the server's PSYNC. Like the portal, it says how many
// messages it read on the earlier link the server's PSYNC names, so that
// the server resends only the rest.
func (l *portalLink) sync(mode string, sessions ...link.SessionData) {
	l.t.Helper()
	m := link.Message{Op: link.OpPortalSync, Mode: mode, Sessions: sessions}
	if n := l.req.Link; n > 0 && n < l.num && l.p.links[n-1] != nil {
		m.Link, m.Seen = n, l.p.links[n-1].recvd.Load()
	}
	l.send(m)
}

// input sends lines as one DATAIN for sessid.
func (l *portalLink) input(sessid uint64, lines ...string) {
	l.t.Helper()
	cmds := make([]link.Command, len(lines))
	for i, s := range lines {
		cmds[i] = link.Text(s)
	}
	l.send(link.Message{Op: link.OpDataIn, Sessid: sessid, Data: cmds})
}

// output returns the next non-ACK message, which must be a DATAOUT for
// sessid, and its text.
func (l *portalLink) output(sessid uint64) (link.Message, string) {
	l.t.Helper()
	m := l.expect(link.OpDataOut)
	if m.Sessid != sessid {
		l.t.Fatalf("DATAOUT for sessid %d %s, want sessid %d", m.Sessid, describe(m), sessid)
	}
	return m, outText(m)
}

// answer sends one line for sessid and returns the text of the answer,
// which must be the next non-ACK message and end with the prompt.
func (l *portalLink) answer(sessid uint64, line string) string {
	l.t.Helper()
	l.input(sessid, line)
	m, text := l.output(sessid)
	if !endsWithPrompt(m) {
		l.t.Fatalf("answer to %q has no prompt: %s", line, describe(m))
	}
	return text
}

// connect sends a PCONN for d and reads the login screen it gets.
func (l *portalLink) connect(d link.SessionData) {
	l.t.Helper()
	l.send(link.Message{Op: link.OpPortalConnect, Sessid: d.Sessid, Session: &d})
	if _, text := l.output(d.Sessid); !strings.Contains(text, loginScreenMark) {
		l.t.Fatalf("sessid %d got %q after PCONN, want the login screen", d.Sessid, text)
	}
}

// login connects sessid to an existing account and returns its SLOGIN.
func (l *portalLink) login(sessid uint64, name, password string) link.Message {
	l.t.Helper()
	l.input(sessid, "connect "+name+" "+password)
	m := l.expect(link.OpServerLogin)
	if m.Sessid != sessid || m.Session == nil || !m.Session.LoggedIn {
		l.t.Fatalf("SLOGIN %s, want sessid %d logged in", describe(m), sessid)
	}
	if _, text := l.output(sessid); !strings.Contains(text, "Limbo") {
		l.t.Fatalf("sessid %d got %q after login, want the room", sessid, text)
	}
	return m
}

// awaitUnlinked waits until the server has noticed that its link is gone.
func (p *fakePortal) awaitUnlinked() {
	p.t.Helper()
	if err := testutil.Await(portalWait, 2*time.Millisecond, func() error {
		if p.srv.Linked() {
			return errors.New("server still linked")
		}
		return nil
	}); err != nil {
		p.t.Fatal(err)
	}
}

// createAccount makes an account in the world, as a fixture.
func (p *fakePortal) createAccount(name, password string) *sim.Account {
	p.t.Helper()
	a, err := p.world.CreateAccount(name, password)
	if err != nil {
		p.t.Fatalf("CreateAccount(%q): %v", name, err)
	}
	return a
}

// sessions returns the server's session table by sessid.
func (p *fakePortal) sessions() map[uint64]link.SessionData {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), portalWait)
	defer cancel()
	list := p.srv.Sessions(ctx)
	if list == nil && ctx.Err() != nil {
		p.t.Fatalf("Sessions: %v", ctx.Err())
	}
	out := make(map[uint64]link.SessionData, len(list))
	for _, d := range list {
		out[d.Sessid] = d
	}
	return out
}

// awaitSessions polls the server's session table until check accepts it.
func (p *fakePortal) awaitSessions(check func(map[uint64]link.SessionData) error) map[uint64]link.SessionData {
	p.t.Helper()
	var last map[uint64]link.SessionData
	err := testutil.Await(portalWait, 2*time.Millisecond, func() error {
		last = p.sessions()
		return check(last)
	})
	if err != nil {
		p.t.Fatalf("server sessions %+v: %v", last, err)
	}
	return last
}

// wantSessids is an awaitSessions check: exactly these sessids.
func wantSessids(ids ...uint64) func(map[uint64]link.SessionData) error {
	return func(got map[uint64]link.SessionData) error {
		if len(got) != len(ids) {
			return fmt.Errorf("%d sessions, want %v", len(got), ids)
		}
		for _, id := range ids {
			if _, ok := got[id]; !ok {
				return fmt.Errorf("sessid %d missing, want %v", id, ids)
			}
		}
		return nil
	}
}

// runResult waits for Run to return.
func (p *fakePortal) runResult() error {
	p.t.Helper()
	select {
	case <-p.done:
		return p.err
	case <-time.After(portalWait):
		p.t.Fatalf("Run did not return within %v", portalWait)
		return nil
	}
}

// running reports whether Run has not returned yet.
func (p *fakePortal) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// outText joins the text commands of a DATAOUT.
func outText(m link.Message) string {
	var parts []string
	for _, c := range m.Data {
		if s, ok := c.FirstString(); ok && c.Name == "text" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "\n")
}

func endsWithPrompt(m link.Message) bool {
	if len(m.Data) == 0 {
		return false
	}
	c := m.Data[len(m.Data)-1]
	s, _ := c.FirstString()
	return c.Name == "prompt" && s == sim.DefaultPrompt
}

// describe shows a message compactly in failures.
func describe(m link.Message) string {
	s := fmt.Sprintf("{sessid:%d", m.Sessid)
	if m.Session != nil {
		s += fmt.Sprintf(" session:%+v", *m.Session)
	}
	if len(m.Sessions) > 0 {
		s += fmt.Sprintf(" sessions:%+v", m.Sessions)
	}
	if len(m.Data) > 0 {
		s += fmt.Sprintf(" data:%q", m.Data)
	}
	for _, kv := range [][2]string{{"mode", m.Mode}, {"reason", m.Reason}, {"err", m.Err}} {
		if kv[1] != "" {
			s += " " + kv[0] + ":" + kv[1]
		}
	}
	if m.Clean || m.Seen != 0 || m.ConnSeq != 0 {
		s += fmt.Sprintf(" clean:%v seen:%d conn_seq:%d", m.Clean, m.Seen, m.ConnSeq)
	}
	return s + "}"
}

// 1. A PCONN creates a session; its login screen follows at once (delay -1).
func TestServerLinkPortalConnectShowsLoginScreen(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		d    link.SessionData
	}{
		{"telnet", link.SessionData{Sessid: 1, ProtocolKey: "telnet", Address: "127.0.0.1", Seq: 1}},
		{"large sessid", link.SessionData{Sessid: 1 << 40, ProtocolKey: "websocket", Seq: 9}},
		{"claims a login it cannot have", link.SessionData{Sessid: 3, ProtocolKey: "ssh", LoggedIn: true, Uid: 424242, Uname: "ghost"}},
		{"claims a login with a puid", link.SessionData{Sessid: 3, ProtocolKey: "ssh", LoggedIn: true, Uid: 424242, Uname: "ghost", Puid: 77}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newFakePortal(t, nil)
			l := p.start()
			l.send(link.Message{Op: link.OpPortalConnect, Sessid: tt.d.Sessid, Session: &tt.d})
			m := l.expect(link.OpDataOut)
			want := []link.Command{
				{Name: "text", Args: []any{p.world.LoginScreen()}},
				{Name: "prompt", Args: []any{"> "}},
			}
			if m.Sessid != tt.d.Sessid {
				t.Fatalf("login screen went to sessid %d, want %d", m.Sessid, tt.d.Sessid)
			}
			if d := cmp.Diff(want, m.Data); d != "" {
				t.Fatalf("login screen DATAOUT (-want +got):\n%s", d)
			}
			got := p.sessions()[tt.d.Sessid]
			if got.Sessid != tt.d.Sessid || got.ProtocolKey != tt.d.ProtocolKey || got.LoggedIn || got.Uid != 0 || got.Uname != "" || got.Puid != 0 {
				t.Fatalf("server session = %+v, want sessid %d, protocol %q, not logged in", got, tt.d.Sessid, tt.d.ProtocolKey)
			}
			if n := p.srv.Stats().LoginScreens; n != 1 {
				t.Fatalf("Stats().LoginScreens = %d, want 1", n)
			}
		})
	}
}

// 2. create + connect over DATAIN: SLOGIN, then the room.
// (The account rules need 3+ characters, so the account is "xan", not "x".)
func TestServerLinkLoginSendsServerLogin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		oneLine bool // both commands in one DATAIN
	}{
		{"two DATAINs", false},
		{"one DATAIN with two commands", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newFakePortal(t, nil)
			l := p.start()
			l.connect(link.SessionData{Sessid: 5, ProtocolKey: "telnet"})
			if tt.oneLine {
				l.input(5, "create xan pw1", "connect xan pw1")
			} else {
				l.input(5, "create xan pw1")
			}
			if _, text := l.output(5); !strings.Contains(text, "A new account 'xan' was created") {
				t.Fatalf("create answered %q", text)
			}
			if !tt.oneLine {
				l.input(5, "connect xan pw1")
			}
			m := l.expect(link.OpServerLogin)
			if m.Session == nil {
				t.Fatalf("SLOGIN without session data: %s", describe(m))
			}
			if m.Sessid != 5 || m.Session.Sessid != 5 || m.Session.Uid == 0 || m.Session.Uname != "xan" || !m.Session.LoggedIn || m.Session.Puid == 0 {
				t.Fatalf("SLOGIN = %s, want sessid 5, uid != 0, uname xan, logged in, puid != 0", describe(m))
			}
			a, ok := p.world.AccountByName("xan")
			if !ok || a.ID != m.Session.Uid || int64(a.Character) != m.Session.Puid {
				t.Fatalf("SLOGIN uid %d puid %d, world account %+v", m.Session.Uid, m.Session.Puid, a)
			}
			out, text := l.output(5)
			if !strings.Contains(text, "You become xan.") || !strings.Contains(text, "Limbo") || !endsWithPrompt(out) {
				t.Fatalf("after login got %s, want the room (Limbo) and the prompt", describe(out))
			}
			got := p.sessions()[5]
			if !got.LoggedIn || got.Uid != a.ID || got.Uname != "xan" {
				t.Fatalf("server session = %+v, want logged in as xan", got)
			}
			if st := p.srv.Stats(); st.Logins != 1 || st.Commands != 2 {
				t.Fatalf("Stats() = %+v, want 1 login, 2 commands", st)
			}
		})
	}
}

// 3. PDISCONN: a no-op for an unknown sessid; for a known one, the session
// is gone and its later input is counted, not answered.
func TestServerLinkPortalDisconnect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		disconnect  uint64
		wantSessids []uint64
	}{
		{"unknown sessid", 99, []uint64{1, 2}},
		{"known sessid", 1, []uint64{2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newFakePortal(t, nil)
			l := p.start()
			l.connect(link.SessionData{Sessid: 1})
			l.connect(link.SessionData{Sessid: 2})
			l.send(link.Message{Op: link.OpPortalDisconnect, Sessid: tt.disconnect})
			// Input for the disconnected sessid first, then for a live session:
			// the live one's answer must be the very next thing back (no ERROR, no output for the first).
			l.input(tt.disconnect, "look")
			if text := l.answer(2, "look"); !strings.Contains(text, loginScreenMark) {
				t.Fatalf("live session's look answered %q, want the login screen", text)
			}
			if got := sortedKeys(p.sessions()); !slices.Equal(got, tt.wantSessids) {
				t.Fatalf("server sessids after PDISCONN %d = %v, want %v", tt.disconnect, got, tt.wantSessids)
			}
			if got := p.srv.Stats().UnknownInput; got != 1 {
				t.Fatalf("Stats().UnknownInput = %d, want 1", got)
			}
			if got := p.srv.Stats().Commands; got != 1 {
				t.Fatalf("Stats().Commands = %d, want 1 (only the live session's look)", got)
			}
		})
	}
}

func sortedKeys(m map[uint64]link.SessionData) []uint64 {
	return slices.Sorted(maps.Keys(m))
}

// 4. PDISCONNALL removes every session, logged in or not.
func TestServerLinkPortalDisconnectAll(t *testing.T) {
	t.Parallel()
	p := newFakePortal(t, nil)
	p.createAccount("alice", "pw1")
	l := p.start()
	for id := uint64(1); id <= 3; id++ {
		l.connect(link.SessionData{Sessid: id, Seq: id})
	}
	l.login(2, "alice", "pw1")
	p.awaitSessions(wantSessids(1, 2, 3))
	l.send(link.Message{Op: link.OpPortalDisconnectAll})
	p.awaitSessions(wantSessids())
	// The server still works, and answers no input of the old sessions.
	l.input(2, "look")
	l.connect(link.SessionData{Sessid: 4, Seq: 4})
	if got := p.srv.Stats().UnknownInput; got != 1 {
		t.Fatalf("Stats().UnknownInput = %d, want 1", got)
	}
	p.awaitSessions(wantSessids(4))
}

// 5. PCONNSYNC merges the portal's fields and leaves the server's alone.
func TestServerLinkPortalConnSync(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		login bool
	}{
		{"logged in", true},
		{"not logged in", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newFakePortal(t, nil)
			acct := p.createAccount("bob", "pw1")
			other := p.createAccount("mallory", "pw1")
			l := p.start()
			l.connect(link.SessionData{Sessid: 7, ProtocolKey: "telnet", Address: "10.0.0.1",
				ProtocolFlags: map[string]any{"ANSI": true, "SCREENWIDTH": 80}})
			if tt.login {
				l.login(7, "bob", "pw1")
			}
			before := p.sessions()[7]
			// The portal's view of the server-owned fields is wrong on purpose.
			l.send(link.Message{Op: link.OpPortalConnSync, Sessid: 7, Session: &link.SessionData{
				Sessid: 7, ProtocolKey: "telnet", Address: "10.0.0.1",
				ProtocolFlags: map[string]any{"SCREENWIDTH": 132, "MXP": true},
				Uid:           other.ID, Uname: other.Name, LoggedIn: !tt.login, Puid: 12345,
			}})
			// And one for a sessid the server does not have: ignored.
			l.send(link.Message{Op: link.OpPortalConnSync, Sessid: 8, Session: &link.SessionData{Sessid: 8}})
			wantFlags := map[string]any{"ANSI": true, "SCREENWIDTH": float64(132), "MXP": true}
			got := p.awaitSessions(func(m map[uint64]link.SessionData) error {
				if d := cmp.Diff(wantFlags, m[7].ProtocolFlags); d != "" {
					return fmt.Errorf("protocol flags (-want +got):\n%s", d)
				}
				return nil
			})
			if ids := sortedKeys(got); !slices.Equal(ids, []uint64{7}) {
				t.Fatalf("sessids after PCONNSYNC = %v, want [7]", ids)
			}
			after := got[7]
			if after.Uid != before.Uid || after.LoggedIn != before.LoggedIn || after.Uname != before.Uname || after.Puid != before.Puid {
				t.Fatalf("PCONNSYNC changed server fields: before %+v, after %+v", before, after)
			}
			if tt.login && (after.Uid != acct.ID || !after.LoggedIn) {
				t.Fatalf("session = %+v, want logged in as bob (uid %d)", after, acct.ID)
			}
			// The session really is still what the server says it is.
			text := l.answer(7, "look")
			if wantRoom := tt.login; strings.Contains(text, "Limbo") != wantRoom {
				t.Fatalf("look after PCONNSYNC answered %q, logged in %v", text, tt.login)
			}
		})
	}
}

// 6. ACK: the server acknowledges every processed message, the PSYNC reply included.
func TestServerLinkAck(t *testing.T) {
	t.Parallel()
	unknownInput := func(n int) []link.Message {
		out := make([]link.Message, n)
		for i := range out {
			out[i] = link.Message{Op: link.OpDataIn, Sessid: 999, Data: []link.Command{link.Text("look")}}
		}
		return out
	}
	tests := []struct {
		name string
		msgs []link.Message // after the PSYNC reply
	}{
		{"only the PSYNC reply", nil},
		{"connect and input", []link.Message{
			{Op: link.OpPortalConnect, Sessid: 1, Session: &link.SessionData{Sessid: 1}},
			{Op: link.OpDataIn, Sessid: 1, Data: []link.Command{link.Text("look")}},
			{Op: link.OpPortalConnSync, Sessid: 1, Session: &link.SessionData{Sessid: 1}},
			{Op: link.OpPortalDisconnect, Sessid: 1},
		}},
		{"more than one ack batch", unknownInput(1500)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newFakePortal(t, nil)
			l := p.accept("run-1")
			l.sync(link.ModeShutdown)
			for _, m := range tt.msgs {
				l.send(m)
			}
			want := uint64(1 + len(tt.msgs))
			var last uint64
			deadline := time.Now().Add(portalWait)
			for last != want {
				m, err := l.recv(time.Until(deadline))
				if err != nil {
					t.Fatalf("waiting for ACK seen=%d (last seen=%d): %v", want, last, err)
				}
				switch m.Op {
				case link.OpAck:
					if m.Seen < last || m.Seen > want {
						t.Fatalf("ACK seen=%d after seen=%d, want a count up to %d", m.Seen, last, want)
					}
					last = m.Seen
				case link.OpError:
					t.Fatalf("server sent ERROR %q", m.Err)
				}
			}
		})
	}
}

// 7. A reload the portal asks for: ack, ACK, clean SSYNC, ErrReload.
func TestServerLinkPortalReload(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		op       link.Op
		mode     string
		wantMode string
	}{
		{"SRELOAD", link.OpServerReload, link.ModeReload, link.ModeReload},
		{"SRELOAD without mode", link.OpServerReload, "", link.ModeReload},
		{"SRESET", link.OpServerReset, link.ModeReset, link.ModeReset},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newFakePortal(t, nil)
			p.createAccount("carol", "pw1")
			l := p.start()
			for _, d := range []link.SessionData{{Sessid: 1, Seq: 3}, {Sessid: 2, Seq: 7}, {Sessid: 3, Seq: 5}} {
				l.connect(d)
			}
			l.login(3, "carol", "pw1") // one more message: a DATAIN
			l.send(link.Message{Op: tt.op, Mode: tt.mode})
			ack := l.waitFor(tt.op)
			if ack.Mode != tt.wantMode {
				t.Fatalf("server acknowledged %v with mode %q, want %q", tt.op, ack.Mode, tt.wantMode)
			}
			// Everything processed is acknowledged (piggybacked on the
			// restart op's answer, or by an ACK right after it), then SSYNC:
			// nothing in between.
			const processed = 1 + 3 + 1 + 1 // PSYNC reply, 3 PCONN, DATAIN, the restart op
			m, err := l.recv(portalWait)
			if err != nil {
				t.Fatalf("waiting for the SSYNC: %v", err)
			}
			if ack.Ack != processed {
				if m.Op != link.OpAck || m.Seen != processed {
					t.Fatalf("the %v answer acknowledges %d, then came %v %s; want %d acknowledged before the SSYNC", tt.op, ack.Ack, m.Op, describe(m), processed)
				}
				if m, err = l.recv(portalWait); err != nil {
					t.Fatalf("waiting for the SSYNC: %v", err)
				}
			}
			if m.Op != link.OpServerSync || !m.Clean || m.ConnSeq != 7 {
				t.Fatalf("got %v %s, want SSYNC clean seen=7", m.Op, describe(m))
			}
			got := map[uint64]link.SessionData{}
			for _, d := range m.Sessions {
				got[d.Sessid] = d
			}
			if ids := sortedKeys(got); !slices.Equal(ids, []uint64{1, 2, 3}) {
				t.Fatalf("SSYNC sessids = %v, want [1 2 3]", ids)
			}
			if s := got[3]; !s.LoggedIn || s.Uname != "carol" || s.Seq != 5 {
				t.Fatalf("SSYNC session 3 = %+v, want carol logged in, seq 5", s)
			}
			if err := p.runResult(); !errors.Is(err, sim.ErrReload) {
				t.Fatalf("Run = %v, want ErrReload", err)
			}
			for _, m := range l.drain() {
				if m.Op != link.OpAck {
					t.Fatalf("after the SSYNC the server sent %v %s", m.Op, describe(m))
				}
			}
		})
	}
}

// 8. A reload the game asks for (in game, or Server.Reload): SRELOAD to
// the portal, which answers; then a clean SSYNC and ErrReload.
func TestServerLinkGameReload(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		inGame  bool
		wantMsg string // the answer to the reload command
	}{
		{"in game", true, " Server restart initiated ..."},
		{"Server.Reload", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newFakePortal(t, nil)
			p.createAccount("dave", "pw1")
			l := p.start()
			l.connect(link.SessionData{Sessid: 1, Seq: 1})
			l.connect(link.SessionData{Sessid: 2, Seq: 2})
			l.login(1, "dave", "pw1")
			if tt.inGame {
				l.input(1, "reload")
			} else {
				p.srv.Reload("reload", "x")
			}
			req := l.expect(link.OpServerReload)
			if req.Mode != link.ModeReload {
				t.Fatalf("SRELOAD mode = %q, want %q", req.Mode, link.ModeReload)
			}
			if tt.inGame {
				out, text := l.output(1)
				if text != tt.wantMsg || !endsWithPrompt(out) {
					t.Fatalf("reload answered %s, want %q and the prompt", describe(out), tt.wantMsg)
				}
			}
			if !p.running() {
				t.Fatalf("Run returned (%v) before the portal answered SRELOAD", p.err)
			}
			// The portal holds everything and answers.
			l.send(link.Message{Op: link.OpServerReload, Mode: link.ModeReload})
			m := l.expect(link.OpServerSync) // not a second SRELOAD
			if !m.Clean || m.ConnSeq != 2 || len(m.Sessions) != 2 {
				t.Fatalf("SSYNC %s, want clean, conn_seq=2, 2 sessions", describe(m))
			}
			for _, d := range m.Sessions {
				if d.Sessid == 1 && (!d.LoggedIn || d.Uname != "dave") {
					t.Fatalf("SSYNC session 1 = %+v, want dave logged in", d)
				}
			}
			if err := p.runResult(); !errors.Is(err, sim.ErrReload) {
				t.Fatalf("Run = %v, want ErrReload", err)
			}
		})
	}
}

// The portal never answers a reload request: AckTimeout bounds the wait.
func TestServerLinkReloadAckTimeout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		inGame bool
	}{
		{"Server.Reload", false},
		{"in game", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newFakePortal(t, func(c *sim.Config) { c.AckTimeout = 50 * time.Millisecond })
			p.createAccount("erin", "pw1")
			l := p.start()
			l.connect(link.SessionData{Sessid: 1})
			l.login(1, "erin", "pw1")
			if tt.inGame {
				l.input(1, "reload")
			} else {
				p.srv.Reload("", "")
			}
			if m := l.waitFor(link.OpServerReload); m.Mode != link.ModeReload {
				t.Fatalf("SRELOAD mode = %q, want %q", m.Mode, link.ModeReload)
			}
			// No answer from the portal.
			if m := l.waitFor(link.OpServerSync); !m.Clean || len(m.Sessions) != 1 {
				t.Fatalf("SSYNC %s, want clean with 1 session", describe(m))
			}
			if err := p.runResult(); !errors.Is(err, sim.ErrReload) {
				t.Fatalf("Run = %v, want ErrReload", err)
			}
		})
	}
}

// A reload asked for just before the link died still ends in a restart:
// Run returns ErrReload and the next server syncs from the portal.
func TestServerLinkReloadSurvivesLinkLoss(t *testing.T) {
	t.Parallel()
	p := newFakePortal(t, nil)
	p.createAccount("fred", "pw1")
	l := p.start()
	l.connect(link.SessionData{Sessid: 1})
	l.login(1, "fred", "pw1")
	p.srv.Reload("", "first")
	l.expect(link.OpServerReload)
	l.close() // the portal dies before answering
	if err := p.runResult(); !errors.Is(err, sim.ErrReload) {
		t.Fatalf("Run = %v, want ErrReload", err)
	}
}

// 9. SSHUTD from the portal: Run returns nil, without a sync.
func TestServerLinkPortalShutdown(t *testing.T) {
	t.Parallel()
	p := newFakePortal(t, nil)
	p.createAccount("gina", "pw1")
	l := p.start()
	l.connect(link.SessionData{Sessid: 1, Seq: 1})
	l.login(1, "gina", "pw1")
	l.send(link.Message{Op: link.OpServerShutdown, Mode: link.ModeShutdown})
	if err := p.runResult(); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	for _, m := range l.drain() {
		if m.Op != link.OpAck {
			t.Fatalf("after SSHUTD the server sent %v %s, want nothing but ACKs", m.Op, describe(m))
		}
	}
}

// 10. The in-game shutdown asks the portal to stop everything (PSHUTD);
// the server itself stops when the portal then sends SSHUTD.
func TestServerLinkGameShutdown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		line, wantReason, wantText string
	}{
		{"shutdown", "", "Server is being SHUT DOWN!"},
		{"shutdown back soon", "back soon", "Server is being SHUT DOWN!\nback soon"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			t.Parallel()
			p := newFakePortal(t, nil)
			p.createAccount("hank", "pw1")
			l := p.start()
			l.connect(link.SessionData{Sessid: 1})
			l.login(1, "hank", "pw1")
			l.input(1, tt.line)
			m := l.expect(link.OpPortalShutdown)
			if m.Reason != tt.wantReason {
				t.Fatalf("PSHUTD reason = %q, want %q", m.Reason, tt.wantReason)
			}
			if _, text := l.output(1); text != tt.wantText {
				t.Fatalf("shutdown answered %q, want %q", text, tt.wantText)
			}
			if !p.running() {
				t.Fatalf("Run returned (%v) before the portal's SSHUTD", p.err)
			}
			l.send(link.Message{Op: link.OpServerShutdown, Mode: link.ModeShutdown})
			if err := p.runResult(); err != nil {
				t.Fatalf("Run = %v, want nil", err)
			}
		})
	}
}

// 11. MULTISESSION_MODE 0: the second login of an account kicks the first session.
func TestServerLinkSecondLoginKicksFirst(t *testing.T) {
	t.Parallel()
	p := newFakePortal(t, nil)
	acct := p.createAccount("ivy", "pw1")
	l := p.start()
	l.connect(link.SessionData{Sessid: 1})
	l.connect(link.SessionData{Sessid: 2})
	l.login(1, "ivy", "pw1")
	l.input(2, "connect ivy pw1")
	kick := l.expect(link.OpServerDisconnect)
	if kick.Sessid != 1 || !strings.Contains(kick.Reason, "Logged in from elsewhere") {
		t.Fatalf("SDISCONN %s, want sessid 1 with \"Logged in from elsewhere\"", describe(kick))
	}
	if m := l.expect(link.OpServerLogin); m.Sessid != 2 || m.Session == nil || m.Session.Uid != acct.ID {
		t.Fatalf("SLOGIN %s, want sessid 2 uid %d", describe(m), acct.ID)
	}
	if _, text := l.output(2); !strings.Contains(text, "Limbo") {
		t.Fatalf("second login answered %q, want the room", text)
	}
	got := p.sessions()
	if ids := sortedKeys(got); !slices.Equal(ids, []uint64{2}) {
		t.Fatalf("sessids after the second login = %v, want [2]", ids)
	}
	if !got[2].LoggedIn || got[2].Uid != acct.ID {
		t.Fatalf("session 2 = %+v, want logged in as ivy", got[2])
	}
	if st := p.srv.Stats(); st.Kicked != 1 || st.Logins != 2 {
		t.Fatalf("Stats() = %+v, want 1 kicked, 2 logins", st)
	}
}

// 12. The PSYNC reply's sessions: logged-in ones with a known account are
// attached, others kept but logged out; a restart mode announces the restart.
func TestServerLinkPortalSyncReply(t *testing.T) {
	t.Parallel()
	const restarted = " ... Server restarted."
	tests := []struct {
		name         string
		mode         string
		uid          int64 // 0: no uid; -1: the test account's
		loggedIn     bool
		wantLoggedIn bool
	}{
		{"known uid, reload", link.ModeReload, -1, true, true},
		{"known uid, reset", link.ModeReset, -1, true, true},
		{"known uid, reconnect", "reconnect", -1, true, true},
		{"known uid, cold start", link.ModeShutdown, -1, true, true},
		{"unknown uid, reload", link.ModeReload, 9999, true, false},
		{"not logged in, reload", link.ModeReload, 0, false, false},
		{"logged in without uid", link.ModeReload, 0, true, false},
		{"uid but not logged in", link.ModeReload, -1, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newFakePortal(t, nil)
			acct := p.createAccount("jill", "pw1")
			d := link.SessionData{Sessid: 4, Seq: 4, ProtocolKey: "telnet", LoggedIn: tt.loggedIn, Uid: tt.uid}
			if tt.uid == -1 {
				d.Uid, d.Uname, d.Puid = acct.ID, acct.Name, int64(acct.Character)
			}
			l := p.accept("run-1")
			l.sync(tt.mode, d)
			if tt.mode != link.ModeShutdown {
				m, text := l.output(4)
				if text != restarted || endsWithPrompt(m) {
					t.Fatalf("after the PSYNC reply got %s, want %q without a prompt", describe(m), restarted)
				}
			}
			// Then the answer to look, and nothing before it.
			text := l.answer(4, "look")
			if tt.wantLoggedIn && !strings.Contains(text, "Limbo") {
				t.Fatalf("look answered %q, want the room", text)
			}
			if !tt.wantLoggedIn && !strings.Contains(text, loginScreenMark) {
				t.Fatalf("look answered %q, want the login screen", text)
			}
			got := p.sessions()
			if ids := sortedKeys(got); !slices.Equal(ids, []uint64{4}) {
				t.Fatalf("sessids = %v, want [4]", ids)
			}
			s := got[4]
			if tt.wantLoggedIn {
				if !s.LoggedIn || s.Uid != acct.ID || s.Uname != "jill" || s.Puid != int64(acct.Character) {
					t.Fatalf("session = %+v, want jill logged in (uid %d)", s, acct.ID)
				}
			} else if s.LoggedIn || s.Uid != 0 || s.Uname != "" || s.Puid != 0 {
				t.Fatalf("session = %+v, want it kept but not logged in", s)
			}
			if !p.srv.Linked() {
				t.Fatal("Linked() = false after the PSYNC reply")
			}
		})
	}
}

// 13. Redial: a lost link is redialled; the same portal run keeps the
// server's sessions, a new run's sessions replace them (bug 5.2).
func TestServerLinkRedial(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		runID        string
		reply        []link.SessionData
		wantBefore   []uint64 // sessids before the reply is applied
		wantAfter    []uint64
		wantLoggedIn bool // of sessid 1, after
	}{
		{"same run keeps the session", "run-1",
			[]link.SessionData{{Sessid: 1, ProtocolKey: "telnet", ProtocolFlags: map[string]any{"SCREENWIDTH": 100}}},
			[]uint64{1}, []uint64{1}, true},
		{"same run, session gone from the portal", "run-1", nil, []uint64{1}, nil, false},
		{"new run drops the old sessions", "run-2",
			[]link.SessionData{{Sessid: 1, ProtocolKey: "telnet", ProtocolFlags: map[string]any{"SCREENWIDTH": 100}}},
			nil, []uint64{1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newFakePortal(t, nil)
			acct := p.createAccount("kate", "pw1")
			l := p.start()
			l.connect(link.SessionData{Sessid: 1, Seq: 1, ProtocolKey: "telnet", ProtocolFlags: map[string]any{"ANSI": true}})
			l.login(1, "kate", "pw1")
			l.close()
			p.awaitUnlinked()

			l2 := p.accept(tt.runID)
			if ids := sortedKeys(p.sessions()); !slices.Equal(ids, tt.wantBefore) {
				t.Fatalf("sessids on the new link before the PSYNC reply = %v, want %v", ids, tt.wantBefore)
			}
			// The same server process relinked: it restarted nothing, so it
			// announces nothing (bug 5.20).
			l2.sync("reconnect", tt.reply...)
			var lookText string
			if len(tt.reply) > 0 {
				lookText = l2.answer(1, "look") // also a barrier: the reply has been applied
			}
			got := p.awaitSessions(wantSessids(tt.wantAfter...))
			if len(tt.wantAfter) == 0 {
				l2.input(1, "look")
				l2.connect(link.SessionData{Sessid: 2}) // a barrier: its login screen is the next thing back
				if n := p.srv.Stats().UnknownInput; n != 1 {
					t.Fatalf("Stats().UnknownInput = %d, want 1", n)
				}
				return
			}
			s := got[1]
			if tt.wantLoggedIn {
				if !s.LoggedIn || s.Uid != acct.ID || s.Uname != "kate" {
					t.Fatalf("session 1 = %+v, want kate still logged in", s)
				}
				wantFlags := map[string]any{"ANSI": true, "SCREENWIDTH": float64(100)}
				if d := cmp.Diff(wantFlags, s.ProtocolFlags); d != "" {
					t.Fatalf("session 1 protocol flags (-want +got):\n%s", d)
				}
				if !strings.Contains(lookText, "Limbo") {
					t.Fatalf("look answered %q, want the room", lookText)
				}
				return
			}
			if s.LoggedIn || s.Uid != 0 || s.Uname != "" {
				t.Fatalf("session 1 = %+v: the new portal's sessid 1 got the old portal's login", s)
			}
			if _, ok := s.ProtocolFlags["ANSI"]; ok {
				t.Fatalf("session 1 flags %v: the old session's flags leaked into the new one", s.ProtocolFlags)
			}
			if text := l2.answer(1, "look"); !strings.Contains(text, loginScreenMark) {
				t.Fatalf("look answered %q, want the login screen", text)
			}
		})
	}
}

// 14. A link cut while this process keeps running (bug 5.20): the
// portal's PSYNC reply says how many messages of the lost link it
// processed, and the server sends the rest again, in order, once.
func TestServerLinkResendsWhatThePortalMissed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// seen picks the reply's count from the messages read before
		// the last command (before) and after its answer (after); ok
		// false sends a reply naming no link.
		seen       func(before, after uint64) (uint64, bool)
		wantFirst  string // what the first DATAOUT after the reply holds
		wantResent bool
	}{
		{"portal processed everything", func(_, after uint64) (uint64, bool) { return after, true }, "", false},
		{"the last answer was lost", func(before, _ uint64) (uint64, bool) { return before, true }, "You say, \"hello\"", true},
		{"portal names no link", func(_, _ uint64) (uint64, bool) { return 0, false }, loginScreenMark, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newFakePortal(t, nil)
			p.createAccount("kate", "pw1")
			l := p.start()
			d := link.SessionData{Sessid: 1, Seq: 1, ProtocolKey: "telnet"}
			l.connect(d)
			l.login(1, "kate", "pw1")
			before := l.recvd.Load()
			l.answer(1, "say hello")
			after := l.recvd.Load()
			l.close()
			p.awaitUnlinked()

			l2 := p.accept("run-1")
			if l2.req.Link != l.num {
				t.Fatalf("the server's PSYNC names link %d, want %d (the one it lost)", l2.req.Link, l.num)
			}
			reply := link.Message{Op: link.OpPortalSync, Mode: portal520Mode, Sessions: []link.SessionData{d}}
			if n, ok := tt.seen(before, after); ok {
				reply.Link, reply.Seen = l.num, n
			}
			l2.send(reply)
			if tt.wantFirst == "" {
				l2.input(1, "look")
				if _, got := l2.output(1); !strings.Contains(got, "Limbo") {
					t.Fatalf("first output after the reply %q, want the answer to the new look (nothing resent)", got)
				}
			} else if _, got := l2.output(1); !strings.Contains(got, tt.wantFirst) {
				t.Fatalf("first output after the reply %q, want it to hold %q", got, tt.wantFirst)
			}
			// The count is added once the resend is over, after the first
			// resent message may have arrived: read it after a round trip
			// through the server's loop.
			s := p.awaitSessions(wantSessids(1))[1]
			if n := p.srv.Stats().Resent; (n > 0) != tt.wantResent {
				t.Fatalf("Stats().Resent = %d, want resent %v", n, tt.wantResent)
			}
			if !s.LoggedIn {
				t.Fatalf("session 1 = %+v, want kate still logged in", s)
			}
		})
	}
}

// portal520Mode is what a portal reports to a server that relinked without a restart.
const portal520Mode = "reconnect"

// 15. A login screen still due when the server stopped is shown by the
// next one (bug 5.5): the reload's snapshot says so in the server data,
// and a PSYNC carrying that data starts the screen again.
func TestServerLinkLoginScreenSurvivesReload(t *testing.T) {
	t.Parallel()
	t.Run("the reload snapshot marks a screen still due", func(t *testing.T) {
		t.Parallel()
		p := newFakePortal(t, func(c *sim.Config) { c.LoginScreenDelay = time.Hour })
		l := p.start()
		l.send(link.Message{Op: link.OpPortalConnect, Sessid: 1, Session: &link.SessionData{Sessid: 1, Seq: 1}})
		p.awaitSessions(wantSessids(1))
		p.srv.Reload(link.ModeReload, "")
		l.expect(link.OpServerReload)
		l.send(link.Message{Op: link.OpServerReload, Mode: link.ModeReload})
		m := l.waitFor(link.OpServerSync)
		if len(m.Sessions) != 1 || m.Sessions[0].ServerData["login_screen"] != "pending" {
			t.Fatalf("reload SSYNC %s, want sessid 1 with its login screen pending", describe(m))
		}
	})
	tests := []struct {
		name       string
		serverData map[string]any
		wantScreen bool
	}{
		{"screen pending", map[string]any{"login_screen": "pending"}, true},
		{"screen shown", map[string]any{"login_screen": "shown"}, false},
		{"no record (a portal that never heard from a server)", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newFakePortal(t, nil)
			l := p.accept("run-1")
			l.sync(link.ModeReload, link.SessionData{Sessid: 1, Seq: 1, ServerData: tt.serverData})
			if m := l.expect(link.OpDataOut); !strings.Contains(outText(m), "Server restarted") {
				t.Fatalf("first output %s, want the restart notice", describe(m))
			}
			l.input(1, "idle") // a barrier: its answer is the prompt alone
			_, text := l.output(1)
			if got := strings.Contains(text, loginScreenMark); got != tt.wantScreen {
				t.Fatalf("next output %q: login screen %v, want %v", text, got, tt.wantScreen)
			}
			if tt.wantScreen {
				// The portal hears that it was shown, so that a later server
				// (after a crash, with no reload sync) does not show it again.
				m := l.expect(link.OpServerSync)
				if len(m.Sessions) != 1 || m.Sessions[0].ServerData["login_screen"] != "shown" || m.Clean {
					t.Fatalf("after the carried screen %s, want an SSYNC of sessid 1 with the screen shown", describe(m))
				}
			}
		})
	}
}

// 16. A reload while the server waits for the portal's answer to its
// relink (the portal slow to take the new link over): what the server
// kept for the portal, and its final sync, still go out before it stops.
func TestServerLinkReloadWhileResuming(t *testing.T) {
	t.Parallel()
	p := newFakePortal(t, func(c *sim.Config) { c.AckTimeout = 50 * time.Millisecond })
	p.createAccount("erin", "pw1")
	l := p.start()
	l.connect(link.SessionData{Sessid: 1, Seq: 1})
	l.login(1, "erin", "pw1")
	l.close()
	p.awaitUnlinked()
	l2 := p.accept("run-1") // and never answer its PSYNC
	p.srv.Reload("", "")
	l2.expect(link.OpServerReload)
	var resent int
	for {
		m := l2.next()
		if m.Op == link.OpServerSync {
			if !m.Clean || len(m.Sessions) != 1 || !m.Sessions[0].LoggedIn {
				t.Fatalf("final SSYNC %s, want a clean one with erin logged in", describe(m))
			}
			break
		}
		resent++ // what the lost link may not have delivered, at least once
	}
	if resent == 0 {
		t.Fatal("nothing kept from the lost link was sent before the final sync")
	}
	select {
	case <-p.done:
		if !errors.Is(p.err, sim.ErrReload) {
			t.Fatalf("Run = %v, want ErrReload", p.err)
		}
	case <-time.After(portalWait):
		t.Fatal("the server did not stop for its reload")
	}
}

// 17. A server that stops while its event queue is full leaves no
// goroutine behind: its link reader (and any login timer) gives up once
// Run has returned. Not parallel, so that goleak sees only this test.
func TestServerStopsWithFullQueueLeavesNoGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	w, err := sim.NewWorld(sim.WorldConfig{Store: sim.NewMemoryStore(), InsecurePasswordCost: true, NewAccountPerm: sim.PermBuilder})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	srv, err := sim.New(sim.Config{PortalAddr: ln.Addr().String(), LinkSecret: testSecret, World: w, LoginScreenDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	nc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	c := link.NewConn(nc, link.Config{})
	defer c.Close()
	hctx, hcancel := context.WithTimeout(context.Background(), portalWait)
	defer hcancel()
	if _, err := c.PortalHandshake(hctx, testSecret, link.Hello{RunID: "run-1", Link: 1}, func(link.Hello) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if err := c.Send(link.Message{Op: link.OpPortalSync, Mode: link.ModeShutdown}); err != nil {
		t.Fatal(err)
	}
	go func() { // drain what the server sends, so its writes never block
		for {
			if _, err := c.Recv(); err != nil {
				return
			}
		}
	}()
	if err := testutil.Await(portalWait, time.Millisecond, func() error {
		if !srv.Linked() {
			return errors.New("not synced")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	srv.Stall(300 * time.Millisecond) // the loop sleeps; the reader fills the queue meanwhile
	for range 3000 {
		if err := c.Send(link.Message{Op: link.OpDataIn, Sessid: 99, Data: []link.Command{link.Text("idle")}}); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(portalWait):
		t.Fatal("Run did not return")
	}
}

// 18. Output for several sessions (a channel, a room) is one DATAOUT
// naming them all, in sessid order; the speaker's own copy included.
func TestServerLinkBroadcastIsOneMessage(t *testing.T) {
	t.Parallel()
	p := newFakePortal(t, nil)
	l := p.start()
	for i, name := range []string{"ann", "bob", "cid"} {
		p.createAccount(name, "pw1")
		id := uint64(i + 1)
		l.connect(link.SessionData{Sessid: id, Seq: id})
		l.input(id, "connect "+name+" pw1")
		for { // an SLOGIN and the others' arrival notices come first
			m := l.next()
			if m.Op == link.OpDataOut && m.Sessid == id && strings.Contains(outText(m), "Limbo") {
				break
			}
		}
	}
	l.input(1, "pub hello all")
	for {
		m := l.expect(link.OpDataOut)
		if !strings.Contains(outText(m), "[Public] ann: hello all") {
			continue // an arrival notice
		}
		if m.Sessid != 0 || !slices.Equal(m.Sessids, []uint64{1, 2, 3}) {
			t.Fatalf("channel message %s, want one DATAOUT for sessids [1 2 3]", describe(m))
		}
		break
	}
}

// 19. A server runs once: a second Run is refused, not a panic.
func TestServerRunsOnce(t *testing.T) {
	t.Parallel()
	w, err := sim.NewWorld(sim.WorldConfig{Store: sim.NewMemoryStore(), InsecurePasswordCost: true, NewAccountPerm: sim.PermBuilder})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sim.New(sim.Config{PortalAddr: "127.0.0.1:1", LinkSecret: testSecret, World: w})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := srv.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("first Run = %v, want context.Canceled", err)
	}
	if err := srv.Run(context.Background()); !errors.Is(err, sim.ErrRunTwice) {
		t.Fatalf("second Run = %v, want ErrRunTwice", err)
	}
}
