package ampportal_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/amp"
	"github.com/portalsim/portalsim/internal/ampbridge"
	"github.com/portalsim/portalsim/internal/ampportal"
	"github.com/portalsim/portalsim/internal/link"
)

// wait bounds every await of these tests: a hang guard, not a timing.
const wait = 10 * time.Second

var secret = link.Secret("0123456789abcdef0123456789abcdef")

// fakePortal is our portal's side of the link, scripted by a test.
type fakePortal struct {
	t     testing.TB
	ln    net.Listener
	links chan *portalLink
	// autoSync answers every link's PSYNC (set before a bridge links).
	autoSync bool
}

// portalLink is one link a bridge made to the fake portal.
type portalLink struct {
	c    *link.Conn
	peer link.Hello
	msgs chan link.Message
}

func newFakePortal(t testing.TB) *fakePortal {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &fakePortal{t: t, ln: ln, links: make(chan *portalLink, 8)}
	var mu sync.Mutex
	var conns []*link.Conn
	done := make(chan struct{})
	t.Cleanup(func() {
		ln.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		defer close(done)
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			c := link.NewConn(nc, link.Config{})
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			peer, err := c.PortalHandshake(ctx, secret, link.Hello{RunID: "run", Started: time.Unix(1700000000, 0), Link: 1},
				func(link.Hello) error { return nil })
			cancel()
			if err != nil {
				c.Close()
				continue
			}
			pl := &portalLink{c: c, peer: peer, msgs: make(chan link.Message, 1024)}
			go p.receive(pl)
			select {
			case p.links <- pl:
			default: // nobody takes links (a fuzz run): it only answers
			}
		}
	}()
	return p
}

// receive reads a link's messages for the test, answering a PSYNC if
// autoSync; one the test does not read is dropped rather than blocking.
func (p *fakePortal) receive(pl *portalLink) {
	defer close(pl.msgs)
	for {
		m, err := pl.c.Recv()
		if err != nil {
			return
		}
		if p.autoSync && m.Op == link.OpPortalSync {
			_ = pl.c.Send(link.Message{Op: link.OpPortalSync, Mode: link.ModeShutdown})
		}
		select {
		case pl.msgs <- m:
		default:
		}
	}
}

// next returns the next link a bridge made.
func (p *fakePortal) next() *portalLink {
	p.t.Helper()
	select {
	case l := <-p.links:
		return l
	case <-time.After(wait):
		p.t.Fatal("no link to the portal")
		return nil
	}
}

// recv returns the next message on the link that is not a bare ACK.
func (l *portalLink) recv(t testing.TB) link.Message {
	t.Helper()
	for {
		select {
		case m, ok := <-l.msgs:
			if !ok {
				t.Fatal("the link closed")
			}
			if m.Op == link.OpAck {
				continue
			}
			return m
		case <-time.After(wait):
			t.Fatal("nothing on the link")
		}
	}
}

// ackedTo waits for an acknowledgement (an ACK or a message's Ack) of
// at least n messages.
func (l *portalLink) ackedTo(t testing.TB, n uint64) {
	t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case m, ok := <-l.msgs:
			if !ok {
				t.Fatalf("the link closed before an acknowledgement of %d", n)
			}
			if acked(m) >= n {
				return
			}
		case <-deadline:
			t.Fatalf("no acknowledgement of %d messages", n)
		}
	}
}

// closed waits for the link to close.
func (l *portalLink) closed(t testing.TB) {
	t.Helper()
	l.drain(t, func(link.Message) {})
}

// acked is how many messages m acknowledges (an ACK's Seen, any
// message's Ack).
func acked(m link.Message) uint64 {
	if m.Op == link.OpAck {
		return max(m.Seen, m.Ack)
	}
	return m.Ack
}

// mostAcked reads the link until it closes and returns the most any of
// its messages acknowledged.
func (l *portalLink) mostAcked(t testing.TB) uint64 {
	t.Helper()
	var most uint64
	l.drain(t, func(m link.Message) { most = max(most, acked(m)) })
	return most
}

// drain hands f every message until the link closes.
func (l *portalLink) drain(t testing.TB, f func(link.Message)) {
	t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case m, ok := <-l.msgs:
			if !ok {
				return
			}
			f(m)
		case <-deadline:
			t.Fatal("the link stays open")
		}
	}
}

func (l *portalLink) send(t testing.TB, m link.Message) {
	t.Helper()
	if err := l.c.Send(m); err != nil {
		t.Fatal(err)
	}
}

// startBridge starts a bridge in front of p with cfg's zero fields
// filled.
func startBridge(t testing.TB, p *fakePortal, cfg ampportal.Config) *ampportal.Bridge {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	cfg.PortalLink = p.ln.Addr().String()
	cfg.LinkSecret = secret
	if cfg.GameDir == "" {
		cfg.GameDir = t.TempDir()
	}
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	b, err := ampportal.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// peer is an Evennia process on the AMP port: a Server or the launcher.
type peer struct {
	t    testing.TB
	nc   net.Conn
	r    *amp.Reader
	w    *amp.Writer
	tags uint64
	tr   ampbridge.Translator // speaks as Evennia's Server
	comp amp.Compressor
	dec  amp.Decompressor
	// boxes are read by a goroutine, cloned.
	boxes chan amp.Box
}

func dialPeer(t testing.TB, b *ampportal.Bridge) *peer {
	t.Helper()
	nc, err := net.Dial("tcp", b.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	p := &peer{t: t, nc: nc, r: amp.NewReader(nc, amp.Limits{}), w: amp.NewWriter(nc), boxes: make(chan amp.Box, 256)}
	go func() {
		defer close(p.boxes)
		for {
			box, err := p.r.ReadBox()
			if err != nil {
				return
			}
			p.boxes <- box.Clone()
		}
	}()
	return p
}

// ask sends a command and returns its tag.
func (p *peer) ask(name string, args ...amp.Field) []byte {
	p.t.Helper()
	p.tags++
	tag := amp.AppendTag(nil, p.tags)
	if err := p.w.WriteBox(amp.NewCommand(name, tag, args...)); err != nil {
		p.t.Fatal(err)
	}
	return tag
}

// say sends what a game server says on the link as Evennia's Server
// says it (AdminServer2Portal, MsgServer2Portal), one command per
// payload, and returns the last tag.
func (p *peer) say(m link.Message) []byte {
	p.t.Helper()
	payloads, err := p.tr.ToPortal(&m)
	if err != nil {
		p.t.Fatal(err)
	}
	var tag []byte
	for _, pl := range payloads {
		var data []byte
		name := amp.CommandAdminServer2Portal
		if pl.Admin != nil {
			data, err = amp.AppendAdmin(nil, pl.Admin)
		} else {
			name = amp.CommandMsgServer2Portal
			data, err = amp.AppendMsg(nil, pl.Msg)
		}
		if err != nil {
			p.t.Fatal(err)
		}
		args, err := p.comp.AppendArgument(nil, amp.ArgPackedData, data)
		if err != nil {
			p.t.Fatal(err)
		}
		tag = p.ask(name, args...)
	}
	return tag
}

// next returns the next box the bridge wrote.
func (p *peer) next() amp.Box {
	p.t.Helper()
	select {
	case b, ok := <-p.boxes:
		if !ok {
			p.t.Fatal("the bridge closed the connection")
		}
		return b
	case <-time.After(wait):
		p.t.Fatal("nothing from the bridge")
		return nil
	}
}

// answerOf waits for the answer (or error) to tag and returns it.
func (p *peer) answerOf(tag []byte) amp.Box {
	p.t.Helper()
	b := p.next()
	if got := string(b.Tag()); got != string(tag) || b.Has(amp.KeyCommand) {
		p.t.Fatalf("got %v, want the answer to %s", b, tag)
	}
	return b
}

// command waits for a command of the bridge and decodes it as our
// portal's link message (the fake Evennia Server's view), answering it
// unless hold.
func (p *peer) command(hold bool) (link.Message, []byte) {
	p.t.Helper()
	b := p.next()
	if !b.Has(amp.KeyCommand) {
		p.t.Fatalf("got %v, want a command", b)
	}
	data, err := p.dec.Argument(b, amp.ArgPackedData)
	if err != nil {
		p.t.Fatal(err)
	}
	var pl ampbridge.Payload
	switch string(b.Command()) {
	case amp.CommandAdminPortal2Server:
		a, err := amp.DecodeAdmin(data, amp.Limits{})
		if err != nil {
			p.t.Fatal(err)
		}
		pl.Admin = &a
	case amp.CommandMsgPortal2Server:
		m, err := amp.DecodeMsg(data, amp.Limits{})
		if err != nil {
			p.t.Fatal(err)
		}
		pl.Msg = &m
	default:
		p.t.Fatalf("command %s", b.Command())
	}
	m, err := p.tr.FromPortal(pl)
	if err != nil {
		p.t.Fatal(err)
	}
	tag := b.Tag()
	if !hold {
		p.answer(tag)
	}
	return m, tag
}

// answer answers the bridge's command tagged tag.
func (p *peer) answer(tag []byte) {
	p.t.Helper()
	if err := p.w.WriteBox(amp.NewAnswer(tag)); err != nil {
		p.t.Fatal(err)
	}
}

// closedByBridge waits for the bridge to close the connection.
func (p *peer) closedByBridge() {
	p.t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case _, ok := <-p.boxes:
			if !ok {
				return
			}
		case <-deadline:
			p.t.Fatal("the bridge keeps the connection open")
		}
	}
}

// status asks MsgStatus and decodes the answer.
func (p *peer) status() amp.Status {
	p.t.Helper()
	tag := p.ask(amp.CommandMsgStatus, amp.StringField(amp.ArgStatus, ""))
	return decodeStatus(p.t, p.answerOf(tag))
}

func decodeStatus(t testing.TB, b amp.Box) amp.Status {
	t.Helper()
	raw, ok := b.Get(amp.ArgStatus)
	if !ok {
		t.Fatalf("no status in %v", b)
	}
	st, err := amp.DecodeStatus(raw, amp.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// launch sends a launcher instruction with its pickled arguments.
func (p *peer) launch(op amp.Operation, args any) []byte {
	p.t.Helper()
	raw, err := amp.AppendPickle(nil, args)
	if err != nil {
		p.t.Fatal(err)
	}
	return p.ask(amp.CommandMsgLauncher2Portal, amp.Field{Key: []byte(amp.ArgOperation), Value: []byte{byte(op)}},
		amp.Field{Key: []byte(amp.ArgArguments), Value: raw})
}

// connectServer connects a fake Evennia Server with pid spid and links
// it: its PSYNC reaches the portal, whose answer (mode, sessions) comes
// back before the answer to the PSYNC.
func connectServer(t testing.TB, b *ampportal.Bridge, p *fakePortal, spid int64, mode string, sessions ...link.SessionData) (*peer, *portalLink) {
	t.Helper()
	srv := dialPeer(t, b)
	srv.tr.ServerPID = spid
	tag := srv.say(link.Message{Op: link.OpPortalSync})
	pl := p.next()
	if m := pl.recv(t); m.Op != link.OpPortalSync {
		t.Fatalf("first on the link: %v, want PSYNC", m.Op)
	}
	pl.send(t, link.Message{Op: link.OpPortalSync, Mode: mode, Sessions: sessions})
	m, _ := srv.command(false)
	if m.Op != link.OpPortalSync || m.Mode != mode || len(m.Sessions) != len(sessions) {
		t.Fatalf("the Server got %v mode %q with %d sessions, want PSYNC %q with %d", m.Op, m.Mode, len(m.Sessions), mode, len(sessions))
	}
	srv.answerOf(tag)
	return srv, pl
}

// starter returns a Server command line that reports each start on
// the channel (a line written to a FIFO the test reads).
func starter(t testing.TB) ([]string, <-chan struct{}) {
	t.Helper()
	fifo := filepath.Join(t.TempDir(), "starts")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(fifo, os.O_RDWR, 0) // read-write: never EOF, never blocks the writer's open
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	ch := make(chan struct{}, 16)
	go func() {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			ch <- struct{}{}
		}
	}()
	return []string{"/bin/sh", "-c", "echo started > " + fifo}, ch
}

// gatedStarter is starter whose command then waits, before it exits,
// until release is called.
func gatedStarter(t testing.TB) (cmd []string, starts <-chan struct{}, release func()) {
	t.Helper()
	cmd, starts = starter(t)
	gate := filepath.Join(t.TempDir(), "gate")
	if err := syscall.Mkfifo(gate, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd[len(cmd)-1] += "; read x < " + gate
	var once sync.Once
	release = func() {
		once.Do(func() {
			f, err := os.OpenFile(gate, os.O_WRONLY, 0) // blocks until the command reads
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = f.WriteString("go\n")
			f.Close()
		})
	}
	return cmd, starts, release
}

// started waits for one start reported on ch.
func started(t testing.TB, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(wait):
		t.Fatal("the Server was not started")
	}
}

func gameDir(t testing.TB) string {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "server", "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// inGameReload plays an in-game reload: the Server asks for it, the
// portal acknowledges, and the Server is told by the bridge.
func inGameReload(t testing.TB, srv *peer, pl *portalLink) {
	t.Helper()
	srv.answerOf(srv.say(link.Message{Op: link.OpServerReload}))
	if m := pl.recv(t); m.Op != link.OpServerReload || m.Mode != link.ModeReload {
		t.Fatalf("on the link: %v %q, want SRELOAD reload", m.Op, m.Mode)
	}
	pl.send(t, link.Message{Op: link.OpServerReload, Mode: link.ModeReload})
	if m, _ := srv.command(false); m.Op != link.OpServerReload || m.Mode != link.ModeReload {
		t.Fatalf("the Server got %v %q, want SRELOAD reload", m.Op, m.Mode)
	}
}

// startedServer starts a bridge that starts a Server (a starter command)
// and links a fake Evennia Server (pid 10) to a fake portal; starts
// reports each later start.
func startedServer(t testing.TB) (b *ampportal.Bridge, srv *peer, pl *portalLink, starts <-chan struct{}) {
	t.Helper()
	p := newFakePortal(t)
	cmd, starts := starter(t)
	b = startBridge(t, p, ampportal.Config{GameDir: gameDir(t), ServerCommand: cmd})
	started(t, starts)
	srv, pl = connectServer(t, b, p, 10, link.ModeShutdown)
	return b, srv, pl, starts
}

// serverShutdown plays a stop the bridge asked for: SSHUTD on the link,
// the portal's acknowledgement, and the Server told.
func serverShutdown(t testing.TB, srv *peer, pl *portalLink) {
	t.Helper()
	if m := pl.recv(t); m.Op != link.OpServerShutdown {
		t.Fatalf("on the link: %v, want SSHUTD", m.Op)
	}
	pl.send(t, link.Message{Op: link.OpServerShutdown, Mode: link.ModeShutdown})
	if m, _ := srv.command(false); m.Op != link.OpServerShutdown {
		t.Fatalf("the Server got %v", m.Op)
	}
}

// awaitShutdown waits for the bridge to ask its owner to stop the portal.
func awaitShutdown(t testing.TB, b *ampportal.Bridge, why string) {
	t.Helper()
	select {
	case <-b.ShutdownRequested():
	case <-time.After(wait):
		t.Fatal(why)
	}
}
