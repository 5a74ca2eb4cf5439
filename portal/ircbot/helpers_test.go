package ircbot_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
	"github.com/portalsim/portalsim/portal/ircbot"
)

// wait bounds every wait of these tests; nothing sleeps for it.
const wait = 20 * time.Second

// stack is a portal with the IRC bot factory and a fake game server on its link.
type stack struct {
	p    *portal.Portal
	f    *ircbot.Factory
	game *testutil.FakeServer
}

// testConfig is a factory config for tests: quick retries, no pacing to speak of.
func testConfig() ircbot.Config {
	return ircbot.Config{MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, LineInterval: time.Millisecond}
}

// startStack starts a portal whose Protocols has the factory made of
// cfg, and links a fake game server to it.
func startStack(t testing.TB, cfg ircbot.Config) *stack {
	t.Helper()
	f, err := ircbot.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p, err := portal.New(portal.Config{
		MaxConnectionRate: -1, MaxCommandRate: -1,
		Protocols: map[string]portal.ProtocolFactory{ircbot.Name: f.Start},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	game, err := testutil.DialFakeServer(ctx, p.LinkAddr().String(), testutil.FakeServerConfig{Secret: p.LinkSecret(), AutoAck: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { game.Close() })
	return &stack{p: p, f: f, game: game}
}

// sconn asks the portal for a bot, as Evennia's IRCBot.start does.
func (s *stack) sconn(t testing.TB, config map[string]any) {
	t.Helper()
	if err := s.game.Send(link.Message{Op: link.OpServerConnect, Protocol: ircbot.Name, Config: config}); err != nil {
		t.Fatal(err)
	}
}

// botConfig is an SCONN config for a bot on the IRC server at addr.
func botConfig(addr net.Addr, channel string, ssl any) map[string]any {
	host, port, _ := net.SplitHostPort(addr.String())
	return map[string]any{"uid": 7, "botname": "evbot", "channel": channel, "network": host, "port": port, "ssl": ssl}
}

// await waits until cond holds of what the game server received.
func (s *stack) await(t testing.TB, what string, cond func([]testutil.FakeMessage) bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := s.game.Await(ctx, cond); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// pconns returns the PCONNs of ircbot sessions the game received.
func pconns(log []testutil.FakeMessage) []link.SessionData {
	var out []link.SessionData
	for _, m := range log {
		if m.Op == link.OpPortalConnect && m.Session != nil && m.Session.ProtocolKey == ircbot.Key {
			out = append(out, *m.Session)
		}
	}
	return out
}

// awaitPCONN waits for the n-th ircbot PCONN (1-based) and returns it.
func (s *stack) awaitPCONN(t testing.TB, n int) link.SessionData {
	t.Helper()
	s.await(t, fmt.Sprintf("PCONN %d", n), func(log []testutil.FakeMessage) bool { return len(pconns(log)) >= n })
	return pconns(s.game.Messages())[n-1]
}

// inputs returns the bot_data_in inputs the game received.
func inputs(log []testutil.FakeMessage) []link.Command {
	var out []link.Command
	for _, m := range log {
		if m.Op != link.OpDataIn {
			continue
		}
		for _, c := range m.Data {
			if c.Name == "bot_data_in" {
				out = append(out, c)
			}
		}
	}
	return out
}

// awaitInput waits for a bot_data_in of the given type and returns it.
func (s *stack) awaitInput(t testing.TB, typ string) link.Command {
	t.Helper()
	find := func(log []testutil.FakeMessage) (link.Command, bool) {
		for _, c := range inputs(log) {
			if c.Kwargs["type"] == typ {
				return c, true
			}
		}
		return link.Command{}, false
	}
	s.await(t, "bot_data_in of type "+typ, func(log []testutil.FakeMessage) bool { _, ok := find(log); return ok })
	c, _ := find(s.game.Messages())
	return c
}

// out sends output commands to a session, as the game server does.
func (s *stack) out(t testing.TB, sessid uint64, cmds ...link.Command) {
	t.Helper()
	if err := s.game.Send(link.Message{Op: link.OpDataOut, Sessid: sessid, Data: cmds}); err != nil {
		t.Fatal(err)
	}
}

// disconnects returns the sessids of the PDISCONNs the game received.
func disconnects(log []testutil.FakeMessage) []uint64 {
	var out []uint64
	for _, m := range log {
		if m.Op == link.OpPortalDisconnect {
			out = append(out, m.Sessid)
		}
	}
	return out
}

// ircServer is a tiny IRC server for tests: it accepts connections and
// hands each to the test, which plays the server's side of the talk.
type ircServer struct {
	ln    net.Listener
	conns chan *testutil.IRCConn
}

// startIRCServer listens on a random loopback port; with tlsCfg, over TLS.
func startIRCServer(t testing.TB, tlsCfg *tls.Config) *ircServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if tlsCfg != nil {
		ln = tls.NewListener(ln, tlsCfg)
	}
	s := &ircServer{ln: ln, conns: make(chan *testutil.IRCConn, 16)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			s.conns <- testutil.NewIRCConn(nc)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		for {
			select {
			case c := <-s.conns:
				c.Close()
			default:
				return
			}
		}
	})
	return s
}

// accept returns the next connection the bot made.
func (s *ircServer) accept(t testing.TB) *testutil.IRCConn {
	t.Helper()
	select {
	case c := <-s.conns:
		t.Cleanup(c.Close)
		return c
	case <-time.After(wait):
		t.Fatal("no connection from the bot")
		return nil
	}
}

// register plays the server's side of registration and join: it returns
// once the bot's JOIN is answered.
func register(t testing.TB, c *testutil.IRCConn, nick, channel string) {
	t.Helper()
	if l := c.Next(t); l != "NICK "+nick {
		t.Fatalf("first line %q, want NICK %s", l, nick)
	}
	if l := c.Next(t); !strings.HasPrefix(l, "USER ") {
		t.Fatalf("second line %q, want USER", l)
	}
	c.Send(t, ":irc.test 001 "+nick+" :Welcome "+nick, ":irc.test 376 "+nick+" :End of MOTD")
	c.Expect(t, "JOIN "+channel)
	c.Send(t, ":"+nick+"!~"+nick+"@127.0.0.1 JOIN :"+channel)
}

// awaitCond polls cond until it holds (for state that no message announces).
func awaitCond(t testing.TB, what string, cond func() bool) {
	t.Helper()
	if err := testutil.Await(wait, time.Millisecond, func() error {
		if cond() {
			return nil
		}
		return fmt.Errorf("not yet: %s", what)
	}); err != nil {
		t.Fatal(err)
	}
}

// joinedBot starts a portal with the bot factory, a fake IRC server and a
// bot on it (ssl as the game's config says), registered and joined to
// #ev: the bot's session is connected to the game.
func joinedBot(t testing.TB, ssl any) (irc *ircServer, s *stack, c *testutil.IRCConn, sessid uint64) {
	t.Helper()
	irc = startIRCServer(t, nil)
	s = startStack(t, testConfig())
	s.sconn(t, botConfig(irc.ln.Addr(), "#ev", ssl))
	c = irc.accept(t)
	register(t, c, "evbot", "#ev")
	return irc, s, c, s.awaitPCONN(t, 1).Sessid
}

// reconnectLog is a slog handler that records the delays of the bots'
// "ircbot.reconnect" log lines (attribute "in").
type reconnectLog struct {
	mu     *sync.Mutex
	delays *[]time.Duration
}

func newReconnectLog() reconnectLog {
	return reconnectLog{mu: new(sync.Mutex), delays: new([]time.Duration)}
}

func (reconnectLog) Enabled(context.Context, slog.Level) bool { return true }
func (h reconnectLog) WithAttrs([]slog.Attr) slog.Handler     { return h }
func (h reconnectLog) WithGroup(string) slog.Handler          { return h }

func (h reconnectLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "ircbot.reconnect" {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "in" {
			h.mu.Lock()
			*h.delays = append(*h.delays, a.Value.Duration())
			h.mu.Unlock()
		}
		return true
	})
	return nil
}

// got returns the delays logged so far.
func (h reconnectLog) got() []time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]time.Duration(nil), *h.delays...)
}
