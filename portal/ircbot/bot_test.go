package ircbot_test

import (
	"context"
	"crypto/tls"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal/ircbot"
)

// A bot registers, joins its channel, and only then becomes a session
// logged in to its account, as Evennia's does at signedOn.
func TestBotRegistersAndJoins(t *testing.T) {
	t.Parallel()
	_, s, _, _ := joinedBot(t, false)
	d := s.awaitPCONN(t, 1)
	if d.ProtocolKey != "ircbot" || d.Address != "#ev@127.0.0.1" || d.Uid != 7 || !d.LoggedIn {
		t.Fatalf("PCONN key %q, address %q, uid %d, logged_in %v; want ircbot, #ev@127.0.0.1, 7, true",
			d.ProtocolKey, d.Address, d.Uid, d.LoggedIn)
	}
	if st := s.f.Stats(); st.Started != 1 || st.Connects != 1 || st.Sessions != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// IRC to the game and back: channel messages, private messages, actions,
// the nick list and a ping reach the game as bot_data_in; the game's
// channel and privmsg output reach IRC; its text output does not.
func TestBotBothDirections(t *testing.T) {
	t.Parallel()
	_, s, c, sessid := joinedBot(t, "0")

	c.Send(t, ":alice!a@h PRIVMSG #ev :hello \x0304world", ":bob!b@h PRIVMSG evbot :who",
		":alice!a@h PRIVMSG #ev :\x01ACTION waves\x01")
	checkInput(t, s.awaitInput(t, "msg"), "hello |rworld|n", map[string]any{"user": "alice", "channel": "#ev"})
	checkInput(t, s.awaitInput(t, "privmsg"), "who", map[string]any{"user": "bob", "channel": "evbot"})
	checkInput(t, s.awaitInput(t, "action"), "waves", map[string]any{"user": "alice", "channel": "#ev"})

	s.out(t, sessid, link.Command{Name: "text", Args: []any{"ignored"}},
		link.Command{Name: "channel", Args: []any{"|rBob|n says hi"}},
		link.Command{Name: "privmsg", Args: []any{"Who list: bob"}, Kwargs: map[string]any{"user": "bob"}},
		link.Command{Name: "request_nicklist", Args: []any{""}},
		link.Command{Name: "ping", Args: []any{""}})
	if before := c.Expect(t, "PRIVMSG #ev :\x0304,99Bob\x0f says hi"); len(before) != 0 {
		t.Fatalf("the bot sent %q before the channel message (text must be ignored)", before)
	}
	c.Expect(t, "PRIVMSG bob :Who list: bob")
	c.Expect(t, "NAMES #ev")
	c.Send(t, ":irc.test 353 evbot = #ev :@alice bob", ":irc.test 366 evbot #ev :End of NAMES list")
	nl := s.awaitInput(t, "nicklist")
	if got := nl.Kwargs["nicklist"]; !slices.Equal(anyStrings(got), []string{"@alice", "bob"}) {
		t.Fatalf("nicklist %v", got)
	}
	ping := c.Next(t)
	token, ok := strings.CutPrefix(ping, "PING :")
	if !ok {
		t.Fatalf("line %q, want the game's PING", ping)
	}
	c.Send(t, ":irc.test PONG irc.test :"+token)
	if timing, ok := s.awaitInput(t, "ping").Kwargs["timing"].(float64); !ok || timing < 0 {
		t.Fatalf("ping timing %v", timing)
	}
	if st := s.f.Stats(); st.Ignored != 1 || st.Inputs != 5 {
		t.Fatalf("stats %+v, want 1 ignored, 5 inputs", st)
	}
}

func anyStrings(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, e := range l {
		s, _ := e.(string)
		out = append(out, s)
	}
	return out
}

// checkInput checks one bot_data_in: its text and some of its kwargs.
func checkInput(t *testing.T, c link.Command, text string, kw map[string]any) {
	t.Helper()
	if len(c.Args) != 1 || c.Args[0] != text {
		t.Fatalf("input args %q, want [%q]", c.Args, text)
	}
	for k, v := range kw {
		if c.Kwargs[k] != v {
			t.Fatalf("input kwarg %s = %v, want %v (all: %v)", k, c.Kwargs[k], v, c.Kwargs)
		}
	}
}

// Game output can never become an IRC command of its own: CR, LF and
// NUL split or vanish, long text is cut to IRC's 512 bytes, a private
// message goes only to a nick.
// The nick list goes to the game only when it asked for it (as
// Evennia's game uses it): the NAMES reply that comes with a JOIN, or
// any the server sends unasked, makes no input.
func TestBotNicklistOnlyOnRequest(t *testing.T) {
	t.Parallel()
	_, s, c, sessid := joinedBot(t, "0")
	c.Send(t, ":irc.test 353 evbot = #ev :@alice evbot", ":irc.test 366 evbot #ev :End of NAMES list",
		":alice!a@h PRIVMSG #ev :after the names")
	s.awaitInput(t, "msg") // the reader handled the 366 before it
	for _, in := range inputs(s.game.Messages()) {
		if in.Kwargs["type"] == "nicklist" {
			t.Fatalf("unasked nick list reached the game: %+v", in)
		}
	}
	s.out(t, sessid, link.Command{Name: "request_nicklist", Args: []any{""}})
	c.Expect(t, "NAMES #ev")
	c.Send(t, ":irc.test 353 evbot = #ev :@alice evbot", ":irc.test 366 evbot #ev :End of NAMES list",
		":irc.test 353 evbot = #ev :carol", ":irc.test 366 evbot #ev :End of NAMES list",
		":alice!a@h PRIVMSG #ev :after the second")
	s.await(t, "the second msg", func(log []testutil.FakeMessage) bool {
		n := 0
		for _, in := range inputs(log) {
			if in.Kwargs["type"] == "msg" {
				n++
			}
		}
		return n == 2
	})
	var lists [][]string
	for _, in := range inputs(s.game.Messages()) {
		if in.Kwargs["type"] == "nicklist" {
			lists = append(lists, anyStrings(in.Kwargs["nicklist"]))
		}
	}
	if len(lists) != 1 || !slices.Equal(lists[0], []string{"@alice", "evbot"}) {
		t.Fatalf("nick lists %v, want the one asked for", lists)
	}
}

func TestBotOutputCannotInject(t *testing.T) {
	t.Parallel()
	_, s, c, sessid := joinedBot(t, nil)

	long := strings.Repeat("0123456789 ", 150)
	s.out(t, sessid,
		link.Command{Name: "channel", Args: []any{"hi\r\nQUIT :pwned\rJOIN #evil\n\x00KICK #ev alice|/\x01DCC SEND x\x01"}},
		link.Command{Name: "privmsg", Args: []any{"x"}, Kwargs: map[string]any{"user": "alice,#other"}},
		link.Command{Name: "privmsg", Args: []any{"x"}, Kwargs: map[string]any{"user": "bob\r\nQUIT"}},
		link.Command{Name: "channel", Args: []any{long}},
		link.Command{Name: "channel", Args: []any{"end"}})
	var got []string
	for _, l := range append(c.Expect(t, "PRIVMSG #ev :end"), "PRIVMSG #ev :end") {
		if len(l)+2 > 512 {
			t.Fatalf("line of %d bytes", len(l)+2)
		}
		if strings.ContainsAny(l, "\r\n\x00\x01") || !strings.HasPrefix(l, "PRIVMSG #ev :") {
			t.Fatalf("line %q", l)
		}
		got = append(got, strings.TrimPrefix(l, "PRIVMSG #ev :"))
	}
	want := []string{"hi", "QUIT :pwned", "JOIN #evil", "KICK #ev alice", "DCC SEND x"}
	if !slices.Equal(got[:5], want) {
		t.Fatalf("lines %q, want %q first", got, want)
	}
	if rest := strings.Join(got[5:len(got)-1], " "); strings.Join(strings.Fields(rest), " ") != strings.TrimSpace(long) {
		t.Fatalf("the long text came as %d lines that do not join back", len(got)-6)
	}
	if st := s.f.Stats(); st.Refused != 2 {
		t.Fatalf("refused %d, want 2", st.Refused)
	}
}

// A second SCONN for a bot that runs (a game server's reload) starts
// nothing; one with other settings replaces the bot.
func TestBotDeduplicated(t *testing.T) {
	t.Parallel()
	irc := startIRCServer(t, nil)
	s := startStack(t, testConfig())
	cfg := botConfig(irc.ln.Addr(), "#ev", false)
	s.sconn(t, cfg)
	c := irc.accept(t)
	register(t, c, "evbot", "#ev")
	first := s.awaitPCONN(t, 1)

	cfg = botConfig(irc.ln.Addr(), "#ev", false) // the same settings, a new map: as after a reload
	s.sconn(t, cfg)
	awaitCond(t, "the duplicate counted", func() bool { return s.f.Stats().Duplicates == 1 })
	if n := s.f.Running(); n != 1 {
		t.Fatalf("%d bots run, want 1", n)
	}

	cfg["channel"] = "#other"
	s.sconn(t, cfg)
	if got := c.Closed(t); len(got) == 0 || !strings.HasPrefix(got[len(got)-1], "QUIT") {
		t.Fatalf("the replaced bot sent %q, want a QUIT last", got)
	}
	s.await(t, "the replaced session's PDISCONN", func(log []testutil.FakeMessage) bool {
		return slices.Contains(disconnects(log), first.Sessid)
	})
	c2 := irc.accept(t)
	register(t, c2, "evbot", "#other")
	if d := s.awaitPCONN(t, 2); d.Address != "#other@127.0.0.1" || d.Sessid == first.Sessid {
		t.Fatalf("new PCONN %+v", d)
	}
	if st := s.f.Stats(); st.Started != 2 || st.Replaced != 1 || s.f.Running() != 1 {
		t.Fatalf("stats %+v, running %d", st, s.f.Running())
	}
}

// A connection the IRC server drops ends its session (PDISCONN) and is
// made anew; so is one the game asks to reconnect.
func TestBotReconnects(t *testing.T) {
	t.Parallel()
	irc, s, c, _ := joinedBot(t, false)
	first := s.awaitPCONN(t, 1)

	c.Send(t, "ERROR :Closing link (server restarting)")
	c.Close()
	s.await(t, "PDISCONN after the drop", func(log []testutil.FakeMessage) bool {
		return slices.Contains(disconnects(log), first.Sessid)
	})
	c2 := irc.accept(t)
	register(t, c2, "evbot", "#ev")
	second := s.awaitPCONN(t, 2)
	if second.Sessid == first.Sessid {
		t.Fatal("the new session has the old sessid")
	}

	s.out(t, second.Sessid, link.Command{Name: "reconnect"})
	c2.Expect(t, "QUIT :Reconnecting")
	c3 := irc.accept(t)
	register(t, c3, "evbot", "#ev")
	s.awaitPCONN(t, 3)
	var reasons []string
	for _, m := range s.game.Ops(link.OpPortalDisconnect) {
		reasons = append(reasons, m.Reason)
	}
	if !slices.Equal(reasons, []string{"connection-lost", "client-quit"}) {
		t.Fatalf("PDISCONN reasons %q", reasons)
	}
}

// A bot that cannot reach its network keeps trying, with backoff, until
// the game disconnects it; one the game disconnects quits and stays away.
// A server that drops the bot right after it joins gets the growing
// backoff, as Evennia's (whose factory never resets its delay): only a
// connection that stayed joined for Config.BackoffReset starts the
// delay again at MinBackoff.
func TestBotBackoffGrowsForFlappingServer(t *testing.T) {
	t.Parallel()
	const flaps = 5
	for _, tc := range []struct {
		name  string
		reset time.Duration
		grows bool
	}{
		{"dropped at once", time.Hour, true},
		{"stayed joined", time.Nanosecond, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			irc := startIRCServer(t, nil)
			rec := newReconnectLog()
			cfg := testConfig()
			cfg.MinBackoff, cfg.MaxBackoff, cfg.BackoffReset = time.Millisecond, time.Second, tc.reset
			cfg.Logger = slog.New(rec)
			s := startStack(t, cfg)
			s.sconn(t, botConfig(irc.ln.Addr(), "#ev", false))
			for range flaps {
				c := irc.accept(t)
				register(t, c, "evbot", "#ev")
				c.Close() // dropped right after the join
			}
			irc.accept(t) // the bot logged its reconnect before it dialled
			var want []time.Duration
			for i := range flaps {
				d := cfg.MinBackoff
				if tc.grows {
					d = ircbot.Backoff(i, cfg.MinBackoff, cfg.MaxBackoff)
				}
				want = append(want, d)
			}
			if got := rec.got(); !slices.Equal(got, want) {
				t.Fatalf("reconnect delays %v, want %v", got, want)
			}
		})
	}
}

// After a KICK the bot joins again; if that JOIN is refused (474
// banned) the connection ends (its session closes, the game hears of it)
// and is made anew with backoff, rather than staying outside its channel
// with a live session. An accepted rejoin keeps the session.
func TestBotKicked(t *testing.T) {
	t.Parallel()
	t.Run("rejoin refused", func(t *testing.T) {
		t.Parallel()
		irc, s, c, sessid := joinedBot(t, false)
		c.Send(t, ":op!o@h KICK #ev evbot :go away")
		c.Expect(t, "JOIN #ev")
		c.Send(t, ":irc.test 474 evbot #ev :Cannot join channel (+b)")
		s.await(t, "PDISCONN of the kicked bot", func(log []testutil.FakeMessage) bool {
			return slices.Contains(disconnects(log), sessid)
		})
		register(t, irc.accept(t), "evbot", "#ev") // reconnected
		s.awaitPCONN(t, 2)
	})
	t.Run("rejoin accepted", func(t *testing.T) {
		t.Parallel()
		_, s, c, sessid := joinedBot(t, false)
		c.Send(t, ":op!o@h KICK #ev evbot :go away")
		c.Expect(t, "JOIN #ev")
		c.Send(t, ":evbot!~evbot@127.0.0.1 JOIN :#ev", ":irc.test 474 evbot #other :Cannot join channel (+b)",
			":alice!a@h PRIVMSG #ev :welcome back")
		s.awaitInput(t, "msg") // the reader handled the lines before it
		log := s.game.Messages()
		if d := disconnects(log); len(d) != 0 || len(pconns(log)) != 1 {
			t.Fatalf("PDISCONNs %v, %d PCONNs: an accepted rejoin must keep session %d", d, len(pconns(log)), sessid)
		}
	})
}

func TestBotStopsOnServerDisconnect(t *testing.T) {
	t.Parallel()
	irc, s, c, sessid := joinedBot(t, false)

	if err := s.game.Send(link.Message{Op: link.OpServerDisconnect, Sessid: sessid, Reason: "bot deleted"}); err != nil {
		t.Fatal(err)
	}
	if got := c.Closed(t); len(got) == 0 || got[len(got)-1] != "QUIT :bot deleted" {
		t.Fatalf("the bot sent %q, want QUIT :bot deleted last", got)
	}
	awaitCond(t, "the bot forgotten", func() bool { return s.f.Running() == 0 })
	// A new SCONN for the account starts a new bot at once.
	s.sconn(t, botConfig(irc.ln.Addr(), "#ev", false))
	register(t, irc.accept(t), "evbot", "#ev")
	s.awaitPCONN(t, 2)
}

// An unreachable network: each attempt fails and is counted; the bot
// stays wanted until the portal closes.
func TestBotRetriesUnreachable(t *testing.T) {
	t.Parallel()
	irc := startIRCServer(t, nil)
	addr := irc.ln.Addr()
	irc.ln.Close() // nothing listens there now
	s := startStack(t, testConfig())
	s.sconn(t, botConfig(addr, "#ev", false))
	awaitCond(t, "three failed attempts", func() bool { return s.f.Stats().ConnectFailures >= 3 })
	if s.f.Running() != 1 {
		t.Fatal("the bot gave up")
	}
	s.p.Close()
	awaitCond(t, "the bot gone with the portal", func() bool { return s.f.Running() == 0 })
}

// A nick in use gets "_" added, as Twisted's client does.
func TestBotNickInUse(t *testing.T) {
	t.Parallel()
	irc := startIRCServer(t, nil)
	s := startStack(t, testConfig())
	s.sconn(t, botConfig(irc.ln.Addr(), "#ev", false))
	c := irc.accept(t)
	c.Expect(t, "NICK evbot")
	c.Send(t, ":irc.test 433 * evbot :Nickname already in use")
	c.Expect(t, "NICK evbot_")
	c.Send(t, ":irc.test 001 evbot_ :Welcome")
	c.Expect(t, "JOIN #ev")
	c.Send(t, ":evbot_!u@h JOIN #ev", ":alice!a@h PRIVMSG evbot_ :about")
	checkInput(t, s.awaitInput(t, "privmsg"), "about", map[string]any{"user": "alice", "channel": "evbot_"})
}

// Invalid settings are refused, and the game server hears why.
func TestSCONNInvalidSettings(t *testing.T) {
	t.Parallel()
	s := startStack(t, testConfig())
	s.sconn(t, map[string]any{"uid": 7, "botname": "evbot", "channel": "#ev", "network": "irc.example.org", "port": "sixty"})
	s.await(t, "the error", func(log []testutil.FakeMessage) bool {
		return slices.ContainsFunc(log, func(m testutil.FakeMessage) bool {
			return m.Op == link.OpError && strings.Contains(m.Err, `"port"`)
		})
	})
	if s.f.Running() != 0 {
		t.Fatal("a bot started")
	}
}

// Over TLS, with the server's certificate checked against the test's CA.
func TestBotTLS(t *testing.T) {
	t.Parallel()
	cert, pool, _, _ := testutil.SelfSignedCert(t, t.TempDir())
	irc := startIRCServer(t, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	cfg := testConfig()
	cfg.TLSConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	s := startStack(t, cfg)
	s.sconn(t, botConfig(irc.ln.Addr(), "#ev", "true"))
	register(t, irc.accept(t), "evbot", "#ev")
	if d := s.awaitPCONN(t, 1); d.Address != "#ev@127.0.0.1" {
		t.Fatalf("PCONN %+v", d)
	}

	// Without the CA the handshake fails: counted, and retried.
	s2 := startStack(t, testConfig())
	s2.sconn(t, botConfig(irc.ln.Addr(), "#ev", true))
	awaitCond(t, "failed TLS handshakes", func() bool { return s2.f.Stats().ConnectFailures >= 2 })
}

// A server silent for the keepalive gets a PING; silent twice as long,
// the connection is made anew.
func TestBotKeepalive(t *testing.T) {
	t.Parallel()
	irc := startIRCServer(t, nil)
	cfg := testConfig()
	cfg.Keepalive = 250 * time.Millisecond
	s := startStack(t, cfg)
	s.sconn(t, botConfig(irc.ln.Addr(), "#ev", false))
	c := irc.accept(t)
	register(t, c, "evbot", "#ev")
	first := s.awaitPCONN(t, 1)
	c.Expect(t, "PING :keepalive")
	c.Closed(t)
	s.await(t, "PDISCONN of the silent connection", func(log []testutil.FakeMessage) bool {
		return slices.Contains(disconnects(log), first.Sessid)
	})
	register(t, irc.accept(t), "evbot", "#ev")
	s.awaitPCONN(t, 2)
}

// A portal that shuts down ends its bots with a QUIT.
func TestBotQuitsAtShutdown(t *testing.T) {
	t.Parallel()
	_, s, c, _ := joinedBot(t, false)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := s.p.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if got := c.Closed(t); !slices.Equal(got, []string{"QUIT :Portal shutting down"}) {
		t.Fatalf("at shutdown the bot sent %q, want only its QUIT", got)
	}
	if s.f.Running() != 0 {
		t.Fatal("a bot runs after the portal shut down")
	}
}

// A server's PING is answered at once, ahead of the game's output that
// waits for the flood-control pace.
func TestBotPongJumpsTheQueue(t *testing.T) {
	t.Parallel()
	irc := startIRCServer(t, nil)
	cfg := testConfig()
	cfg.LineInterval, cfg.LineBurst = time.Hour, 1
	s := startStack(t, cfg)
	s.sconn(t, botConfig(irc.ln.Addr(), "#ev", false))
	c := irc.accept(t)
	c.Expect(t, "NICK evbot") // the first line goes at once; the next waits an hour
	c.Send(t, "PING :irc.test")
	if l := c.Next(t); l != "PONG :irc.test" {
		t.Fatalf("line %q, want the PONG", l)
	}
}
