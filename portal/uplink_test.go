package portal_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
)

// fakeServer is a hand-driven game server on the link.
type fakeServer struct {
	t     *testing.T
	c     *link.Conn
	hello link.Hello // the portal's
	recvd uint64     // messages read from the portal, its ACKs included
}

func dialServer(t *testing.T, p *portal.Portal) *fakeServer {
	t.Helper()
	return dialServerResuming(t, p, link.Message{Op: link.OpPortalSync})
}

// dialServerResuming links a fake server whose PSYNC is psync. A server
// closed just before may not be detached yet: a refusal is retried.
func dialServerResuming(t *testing.T, p *portal.Portal, psync link.Message) *fakeServer {
	t.Helper()
	var f *fakeServer
	if err := testutil.Await(wait, time.Millisecond, func() error {
		var err error
		f, err = dialServerAs(t, p, link.Hello{}, psync)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return f
}

// reloadingServer links a fake server that announces a reload, and
// returns it with the portal's acknowledgement (its takeover token).
func reloadingServer(t *testing.T, p *portal.Portal) (*fakeServer, link.Message) {
	t.Helper()
	s := dialServer(t, p)
	s.expectOps(link.OpPortalSync)
	if err := s.c.Send(link.Message{Op: link.OpServerReload}); err != nil {
		t.Fatal(err)
	}
	return s, s.expectOps(link.OpServerReload)[0]
}

// dialServerAs links a fake server that says mine about itself and
// sends psync, or returns why the portal would not take it. Safe to call
// from another goroutine.
func dialServerAs(t *testing.T, p *portal.Portal, mine link.Hello, psync link.Message) (*fakeServer, error) {
	nc, err := net.Dial("tcp", p.LinkAddr().String())
	if err != nil {
		return nil, err
	}
	c := link.NewConn(nc, link.Config{})
	t.Cleanup(func() { c.Close() })
	hello, err := c.ServerHandshake(context.Background(), p.LinkSecret(), mine)
	if err != nil {
		return nil, err
	}
	if hello.RunID != p.RunID() {
		return nil, fmt.Errorf("hello run id %q, want %q", hello.RunID, p.RunID())
	}
	if err := c.Send(psync); err != nil {
		return nil, err
	}
	return &fakeServer{t: t, c: c, hello: hello}, nil
}

// next returns the next message, skipping the portal's ACKs.
func (f *fakeServer) next() link.Message {
	f.t.Helper()
	type res struct {
		m   link.Message
		err error
	}
	deadline := time.After(wait)
	for {
		ch := make(chan res, 1)
		go func() {
			m, err := f.c.Recv()
			ch <- res{m, err}
		}()
		select {
		case r := <-ch:
			if r.err != nil {
				f.t.Fatalf("recv: %v", r.err)
			}
			f.recvd++
			if r.m.Op == link.OpAck {
				continue // the portal acknowledging our messages
			}
			return r.m
		case <-deadline:
			f.t.Fatal("no message from the portal")
		}
		return link.Message{}
	}
}

// expectOps reads len(want) messages and checks their ops, returning them.
func (f *fakeServer) expectOps(want ...link.Op) []link.Message {
	f.t.Helper()
	var got []link.Message
	var names []string
	for range want {
		m := f.next()
		got = append(got, m)
		names = append(names, m.Op.String())
	}
	for i, op := range want {
		if got[i].Op != op {
			f.t.Fatalf("got %s, want %v", strings.Join(names, " "), want)
		}
	}
	return got
}

func text(m link.Message) string {
	if len(m.Data) == 0 {
		return ""
	}
	s, _ := m.Data[0].FirstString()
	return s
}

// A server killed before acknowledging loses nothing: the next server gets
// the unacknowledged PCONN and input again, in order.
func TestUnackedMessagesReplayedToNextServer(t *testing.T) {
	t.Parallel()
	p := startPortal(t, portal.Config{})
	s1 := dialServer(t, p)
	s1.expectOps(link.OpPortalSync)
	c := dial(t, p.TelnetAddr().String())
	pconn := s1.expectOps(link.OpPortalConnect)[0]
	if err := c.Send("first"); err != nil {
		t.Fatal(err)
	}
	if got := text(s1.expectOps(link.OpDataIn)[0]); got != "first" {
		t.Fatalf("input %q", got)
	}
	s1.c.Close() // killed: nothing acknowledged
	if err := c.Send("second"); err != nil {
		t.Fatal(err)
	}

	s2 := dialServer(t, p)
	ms := s2.expectOps(link.OpPortalSync, link.OpPortalConnect, link.OpDataIn, link.OpDataIn)
	if len(ms[0].Sessions) != 0 {
		t.Fatalf("snapshot has %d sessions; the unacknowledged PCONN must announce it instead", len(ms[0].Sessions))
	}
	if ms[0].Mode != portal.ModeReconnect {
		t.Fatalf("mode %q, want %q", ms[0].Mode, portal.ModeReconnect)
	}
	if ms[1].Sessid != pconn.Sessid || text(ms[2]) != "first" || text(ms[3]) != "second" {
		t.Fatalf("replayed %v %q %q", ms[1].Sessid, text(ms[2]), text(ms[3]))
	}
	// Acknowledge everything: the next server gets the session in the snapshot and no replay.
	if err := s2.c.Send(link.Message{Op: link.OpAck, Seen: s2.recvd}); err != nil {
		t.Fatal(err)
	}
	if err := s2.c.Send(link.Message{Op: link.OpDataOut, Sessid: pconn.Sessid, Data: []link.Command{link.Text("ack-barrier")}}); err != nil {
		t.Fatal(err)
	}
	expect(t, c, "ack-barrier")
	s2.c.Close()
	s3 := dialServer(t, p)
	m := s3.expectOps(link.OpPortalSync)[0]
	if len(m.Sessions) != 1 || m.Sessions[0].Sessid != pconn.Sessid {
		t.Fatalf("snapshot %+v, want the one session", m.Sessions)
	}
	if err := c.Send("third"); err != nil {
		t.Fatal(err)
	}
	if got := text(s3.expectOps(link.OpDataIn)[0]); got != "third" {
		t.Fatalf("after the snapshot got %q, want the new input only", got)
	}
}

// The same server process linking again after a cut (bug 5.20) names the
// lost link and how many of its messages it processed: those are not
// replayed (they would run twice), the rest is, and the portal's reply
// says how many of the server's messages it processed on that link.
func TestRelinkOfSameServerResumes(t *testing.T) {
	t.Parallel()
	p := startPortal(t, portal.Config{})
	s1 := dialServer(t, p)
	// The portal's own ACKs take numbers too, so the counts below come
	// from what the fake server read (fakeServer.recvd).
	s1.expectOps(link.OpPortalSync)
	c := dial(t, p.TelnetAddr().String())
	pconn := s1.expectOps(link.OpPortalConnect)[0]
	acked := s1.recvd // up to the PCONN
	for _, line := range []string{"first", "second"} {
		if err := c.Send(line); err != nil {
			t.Fatal(err)
		}
	}
	if m := s1.expectOps(link.OpDataIn)[0]; text(m) != "first" {
		t.Fatalf("input %q", text(m))
	}
	processed := s1.recvd // up to "first"
	if m := s1.expectOps(link.OpDataIn)[0]; text(m) != "second" {
		t.Fatalf("input %q", text(m))
	}
	// The server processed "first" but acknowledged only up to the PCONN;
	// it sent two messages after its PSYNC, which the portal processes: 3 in all.
	for _, m := range []link.Message{
		{Op: link.OpAck, Seen: acked},
		{Op: link.OpDataOut, Sessid: pconn.Sessid, Data: []link.Command{link.Text("answer-1")}},
	} {
		if err := s1.c.Send(m); err != nil {
			t.Fatal(err)
		}
	}
	expect(t, c, "answer-1")
	s1.c.Close()
	awaitNoServer(t, p)
	if err := c.Send("third"); err != nil {
		t.Fatal(err)
	}

	s2 := dialServerResuming(t, p, link.Message{Op: link.OpPortalSync, Link: s1.hello.Link, Seen: processed})
	if s2.hello.Link == s1.hello.Link || s2.hello.Link == 0 {
		t.Fatalf("link numbers %d then %d, want distinct and non-zero", s1.hello.Link, s2.hello.Link)
	}
	ms := s2.expectOps(link.OpPortalSync, link.OpDataIn, link.OpDataIn)
	if ms[0].Link != s1.hello.Link || ms[0].Seen != 3 {
		t.Fatalf("PSYNC reply says link %d seen %d, want link %d seen 3", ms[0].Link, ms[0].Seen, s1.hello.Link)
	}
	if len(ms[0].Sessions) != 1 || ms[0].Sessions[0].Sessid != pconn.Sessid {
		t.Fatalf("snapshot %+v, want the session whose PCONN the server processed", ms[0].Sessions)
	}
	if text(ms[1]) != "second" || text(ms[2]) != "third" {
		t.Fatalf("replayed %q %q, want second and third only", text(ms[1]), text(ms[2]))
	}
}

// A server naming a link the portal does not know (another portal run's,
// or one long gone) gets everything unacknowledged again and no count.
func TestRelinkNamingUnknownLinkReplaysAll(t *testing.T) {
	t.Parallel()
	p := startPortal(t, portal.Config{})
	s1 := dialServer(t, p)
	s1.expectOps(link.OpPortalSync)
	dial(t, p.TelnetAddr().String())
	s1.expectOps(link.OpPortalConnect)
	s1.c.Close()
	awaitNoServer(t, p)
	s2 := dialServerResuming(t, p, link.Message{Op: link.OpPortalSync, Link: s1.hello.Link + 100, Seen: 2})
	ms := s2.expectOps(link.OpPortalSync, link.OpPortalConnect)
	if ms[0].Link != 0 || ms[0].Seen != 0 {
		t.Fatalf("PSYNC reply says link %d seen %d for an unknown link, want none", ms[0].Link, ms[0].Seen)
	}
}

func awaitNoServer(t *testing.T, p *portal.Portal) {
	t.Helper()
	if err := testutil.Await(wait, time.Millisecond, func() error {
		if p.ServerConnected() {
			return errWaiting
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// A server that announces a reload gets an acknowledgement and then
// nothing more; what players type meanwhile goes to the next server.
func TestReloadHoldsUntilNextServer(t *testing.T) {
	t.Parallel()
	p := startPortal(t, portal.Config{})
	s1 := dialServer(t, p)
	s1.expectOps(link.OpPortalSync)
	c := dial(t, p.TelnetAddr().String())
	s1.expectOps(link.OpPortalConnect)
	if err := s1.c.Send(link.Message{Op: link.OpServerReload, Reason: "Server restart initiated ..."}); err != nil {
		t.Fatal(err)
	}
	ack := s1.expectOps(link.OpServerReload)[0]
	if ack.Mode != link.ModeReload {
		t.Fatalf("ack mode %q", ack.Mode)
	}
	expect(t, c, "Server restart initiated")
	if err := c.Send("during"); err != nil {
		t.Fatal(err)
	}
	if err := s1.c.Send(link.Message{Op: link.OpAck, Seen: s1.recvd}); err != nil {
		t.Fatal(err)
	}
	if err := s1.c.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	s1.c.Close()
	s2 := dialServer(t, p)
	ms := s2.expectOps(link.OpPortalSync, link.OpDataIn)
	if ms[0].Mode != link.ModeReload || len(ms[0].Sessions) != 1 || text(ms[1]) != "during" {
		t.Fatalf("mode %q, %d sessions, input %q", ms[0].Mode, len(ms[0].Sessions), text(ms[1]))
	}
}

// Unknown operations and bad payloads get an error back; the link stays up.
func TestServerErrorsAnswered(t *testing.T) {
	t.Parallel()
	p := startPortal(t, portal.Config{})
	s := dialServer(t, p)
	s.expectOps(link.OpPortalSync)
	for _, m := range []link.Message{
		{Op: link.OpServerLogin, Sessid: 5},
		{Op: link.OpServerConnect, Protocol: "irc"},
		{Op: link.OpDataIn, Sessid: 1},
	} {
		if err := s.c.Send(m); err != nil {
			t.Fatal(err)
		}
		e := s.expectOps(link.OpError)[0]
		if e.Err == "" {
			t.Fatalf("empty error for %v", m.Op)
		}
	}
	// Output for a sessid nobody has is counted, and the link still works.
	if err := s.c.Send(link.Message{Op: link.OpDataOut, Sessid: 999, Data: []link.Command{link.Text("x")}}); err != nil {
		t.Fatal(err)
	}
	if err := testutil.Await(wait, time.Millisecond, func() error {
		if got := p.Handler().Stats().OutputUnknown; got != 1 {
			return fmt.Errorf("OutputUnknown = %d, want 1", got)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	dial(t, p.TelnetAddr().String())
	s.expectOps(link.OpPortalConnect)
}

// A second server is refused while one is linked, and told why; the
// first keeps its link. Once the first is gone, the second gets in.
func TestSecondServerRefused(t *testing.T) {
	t.Parallel()
	p := startPortal(t, portal.Config{})
	s1 := dialServer(t, p)
	s1.expectOps(link.OpPortalSync)
	for _, tok := range []string{"", "a guessed token"} {
		_, err := dialServerAs(t, p, link.Hello{Takeover: tok}, link.Message{Op: link.OpPortalSync})
		if !errors.Is(err, link.ErrRefused) || !strings.Contains(err.Error(), "another game server is linked") {
			t.Fatalf("second server with token %q: %v, want refused", tok, err)
		}
	}
	if n := p.Handler().Stats().LinkBusy; n != 2 {
		t.Fatalf("LinkBusy = %d, want 2", n)
	}
	dial(t, p.TelnetAddr().String())
	if m := s1.next(); m.Op != link.OpPortalConnect {
		t.Fatalf("the first server got %v, want the PCONN", m.Op)
	}
	s1.c.Close()
	dialServer(t, p) // refused until the first is detached, then taken
}

// The successor of a reloading server presents the token the portal gave
// with its acknowledgement and gets in while the old link is still
// open; any other server is refused meanwhile.
func TestReloadSuccessorTakesOver(t *testing.T) {
	t.Parallel()
	p := startPortal(t, portal.Config{})
	s1, ack := reloadingServer(t, p)
	if len(ack.Takeover) < 16 {
		t.Fatalf("the reload acknowledgement carries token %q", ack.Takeover)
	}
	if _, err := dialServerAs(t, p, link.Hello{}, link.Message{Op: link.OpPortalSync}); !errors.Is(err, link.ErrRefused) {
		t.Fatalf("a server without the token during the reload: %v, want refused", err)
	}
	s2, err := dialServerAs(t, p, link.Hello{Takeover: ack.Takeover}, link.Message{Op: link.OpPortalSync})
	if err != nil {
		t.Fatalf("the successor: %v", err)
	}
	s1.c.Close() // the old server exits
	s2.expectOps(link.OpPortalSync)
	if _, err := dialServerAs(t, p, link.Hello{Takeover: ack.Takeover}, link.Message{Op: link.OpPortalSync}); !errors.Is(err, link.ErrRefused) {
		t.Fatalf("the token used twice: %v, want refused", err)
	}
}

// A DATAOUT naming several sessions (Sessids) reaches each of them.
func TestDataOutToSeveralSessions(t *testing.T) {
	t.Parallel()
	p := startPortal(t, portal.Config{MaxConnectionRate: -1})
	s := dialServer(t, p)
	s.expectOps(link.OpPortalSync)
	a := dial(t, p.TelnetAddr().String())
	ida := s.expectOps(link.OpPortalConnect)[0].Sessid
	b := dial(t, p.TelnetAddr().String())
	idb := s.expectOps(link.OpPortalConnect)[0].Sessid
	if err := s.c.Send(link.Message{Op: link.OpDataOut, Sessids: []uint64{ida, idb}, Data: []link.Command{link.Text("to both")}}); err != nil {
		t.Fatal(err)
	}
	expect(t, a, "to both")
	expect(t, b, "to both")
}

// A server's output carries its acknowledgement (Message.Ack): the
// input that caused the answer is acknowledged and would not be
// replayed to the next server. (The portal takes the acknowledgement
// just after it has dispatched the answer, so the client may see the
// answer a moment before.)
func TestPiggybackedAck(t *testing.T) {
	t.Parallel()
	p := startPortal(t, portal.Config{})
	s := dialServer(t, p)
	s.expectOps(link.OpPortalSync)
	c := dial(t, p.TelnetAddr().String())
	id := s.expectOps(link.OpPortalConnect)[0].Sessid
	if err := c.Send("look"); err != nil {
		t.Fatal(err)
	}
	s.expectOps(link.OpDataIn)
	if n := p.Handler().Stats().Unacked; n != 2 {
		t.Fatalf("Unacked = %d before the answer, want 2 (PCONN, DATAIN)", n)
	}
	// Everything read so far, the portal's own ACKs included, is processed.
	if err := s.c.Send(link.Message{Op: link.OpDataOut, Sessid: id, Ack: s.recvd, Data: []link.Command{link.Text("the answer")}}); err != nil {
		t.Fatal(err)
	}
	expect(t, c, "the answer")
	if err := testutil.Await(wait, time.Millisecond, func() error {
		if n := p.Handler().Stats().Unacked; n != 0 {
			return fmt.Errorf("Unacked = %d after the answer, want 0", n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
