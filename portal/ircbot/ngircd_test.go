package ircbot_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/testutil"
)

// The bot against a real IRC server, plain and over TLS: a person in the
// channel talks to the game and the game to them, through the portal.
func TestNgircd(t *testing.T) {
	t.Parallel()
	srv := testutil.StartNgircd(t)
	for _, tc := range []struct {
		name    string
		port    int
		ssl     any
		channel string
		nick    string
	}{
		{"plain", srv.Plain, false, "#plain", "evbot"},
		{"tls", srv.TLS, "True", "#secure", "evtls"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig()
			cfg.TLSConfig = srv.Client
			s := startStack(t, cfg)
			alice := testutil.DialIRC(t, srv.Plain, "alice"+tc.name, tc.channel)
			s.sconn(t, map[string]any{"uid": 7, "botname": tc.nick, "channel": tc.channel, "network": "127.0.0.1", "port": strconv.Itoa(tc.port), "ssl": tc.ssl})
			sessid := s.awaitPCONN(t, 1).Sessid
			alice.Await(t, ":"+tc.nick+"!")
			checkNgircdTalk(t, s, alice, tc.nick, tc.channel, sessid)
		})
	}
}

// checkNgircdTalk has alice and the game talk through the bot.
func checkNgircdTalk(t *testing.T, s *stack, alice *testutil.IRCConn, nick, channel string, sessid uint64) {
	t.Helper()
	alice.Send(t, "PRIVMSG "+channel+" :hello \x02game", "PRIVMSG "+nick+" :who")
	checkInput(t, s.awaitInput(t, "msg"), "hello |hgame|n", map[string]any{"user": alice.Nick, "channel": channel})
	checkInput(t, s.awaitInput(t, "privmsg"), "who", map[string]any{"user": alice.Nick, "channel": nick})

	s.out(t, sessid,
		link.Command{Name: "channel", Args: []any{"|rHello|n from the game\r\nQUIT :not a command"}},
		link.Command{Name: "privmsg", Args: []any{"Who list: " + alice.Nick}, Kwargs: map[string]any{"user": alice.Nick}},
		link.Command{Name: "request_nicklist"})
	from := ":" + nick + "!"
	if l := alice.Await(t, " PRIVMSG "+channel+" :"); !strings.HasPrefix(l, from) || !strings.HasSuffix(l, ":\x0304,99Hello\x0f from the game") {
		t.Fatalf("alice got %q", l)
	}
	if l := alice.Await(t, " PRIVMSG "+channel+" :"); !strings.HasPrefix(l, from) || !strings.HasSuffix(l, " :QUIT :not a command") {
		t.Fatalf("alice got %q, want the second line as a message", l)
	}
	if l := alice.Await(t, " PRIVMSG "+alice.Nick+" :"); !strings.HasSuffix(l, ":Who list: "+alice.Nick) {
		t.Fatalf("alice got %q in private", l)
	}
	names := anyStrings(s.awaitInput(t, "nicklist").Kwargs["nicklist"])
	if !slices.Contains(names, "@"+alice.Nick) || !slices.Contains(names, nick) {
		t.Fatalf("nicklist %q, want @%s and %s", names, alice.Nick, nick)
	}

	// The game disconnects the bot: it quits the network for good.
	if err := s.game.Send(link.Message{Op: link.OpServerDisconnect, Sessid: sessid}); err != nil {
		t.Fatal(err)
	}
	if l := alice.Await(t, " QUIT "); !strings.HasPrefix(l, from) {
		t.Fatalf("alice saw %q", l)
	}
	s.await(t, "the PDISCONN", func(log []testutil.FakeMessage) bool { return slices.Contains(disconnects(log), sessid) })
	awaitCond(t, "the bot gone", func() bool { return s.f.Running() == 0 })
}
