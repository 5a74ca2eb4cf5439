package ircbot

import (
	"testing"

	"github.com/ergochat/irc-go/ircmsg"
	"github.com/google/go-cmp/cmp"

	"github.com/portalsim/portalsim/internal/link"
)

// What the game gets for each kind of IRC message: Evennia's bot_data_in
// with its keyword arguments.
func TestEvent(t *testing.T) {
	t.Parallel()
	in := func(text string, kw map[string]any) *link.Command {
		return &link.Command{Name: "bot_data_in", Args: []any{text}, Kwargs: kw}
	}
	for _, tc := range []struct {
		line string
		want *link.Command
	}{
		{":alice!a@h PRIVMSG #Ev :hello \x0304there", in("hello |rthere|n", map[string]any{"type": "msg", "user": "alice", "channel": "#Ev"})},
		{":a|rb!a@h PRIVMSG #ev :nick with markup", in("nick with markup", map[string]any{"type": "msg", "user": "a||rb", "channel": "#ev"})},
		{":alice!a@h PRIVMSG EvBot :who", in("who", map[string]any{"type": "privmsg", "user": "alice", "channel": "EvBot"})},
		{":a|b!a@h PRIVMSG evbot :hi", in("hi", map[string]any{"type": "privmsg", "user": "a|b", "channel": "evbot"})},
		{":alice!a@h PRIVMSG #ev :\x01ACTION waves\x01", in("waves", map[string]any{"type": "action", "user": "alice", "channel": "#ev"})},
		{":alice!a@h PRIVMSG #ev :\x01ACTION ** relayed\x01", nil},
		{":alice!a@h PRIVMSG #ev :*** relayed", nil},
		{":alice!a@h PRIVMSG #ev :\x01VERSION\x01", nil},
		{":alice!a@h NOTICE #ev :notice", nil},
		{":server 353 evbot = #other :x y", nil},
		{":server 366 evbot #other :End", nil},
		{"PRIVMSG #ev :no source", nil},
	} {
		st := ircState{nick: "evbot", channel: "#ev"}
		m, err := ircmsg.ParseLine(tc.line)
		if err != nil {
			t.Fatal(err)
		}
		cmd, ok := st.event(m)
		switch {
		case tc.want == nil && ok:
			t.Errorf("%q: got %+v, want nothing", tc.line, cmd)
		case tc.want != nil && !ok:
			t.Errorf("%q: got nothing, want %+v", tc.line, *tc.want)
		case tc.want != nil:
			if diff := cmp.Diff(*tc.want, cmd); diff != "" {
				t.Errorf("%q (-want +got):\n%s", tc.line, diff)
			}
		}
	}
}

// A NAMES reply, in parts, is one "nicklist" input at its end; the
// channel is lower-cased as Evennia does.
func TestEventNicklist(t *testing.T) {
	t.Parallel()
	st := ircState{nick: "evbot", channel: "#Ev"}
	for _, line := range []string{":s 353 evbot = #ev :@alice +bob", ":s 353 evbot = #EV :evbot"} {
		m, _ := ircmsg.ParseLine(line)
		if _, ok := st.event(m); ok {
			t.Fatalf("%q gave an input before the end", line)
		}
	}
	m, _ := ircmsg.ParseLine(":s 366 evbot #Ev :End of NAMES list")
	cmd, ok := st.event(m)
	want := link.Command{Name: "bot_data_in", Args: []any{""}, Kwargs: map[string]any{
		"type": "nicklist", "user": "server", "channel": "#ev", "nicklist": []any{"@alice", "+bob", "evbot"},
	}}
	if !ok {
		t.Fatal("no input at the end")
	}
	if diff := cmp.Diff(want, cmd); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if cmd, _ = st.event(m); len(cmd.Kwargs["nicklist"].([]any)) != 0 {
		t.Fatalf("a second end repeats the list: %v", cmd.Kwargs["nicklist"])
	}
}

func TestSameName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"EvBot", "evbot", true}, {"[a]\\^", "{a}|~", true}, {"#Chan", "#chan", true}, {"a", "ab", false}, {"a-", "a_", false},
	} {
		if got := sameName(tc.a, tc.b); got != tc.want {
			t.Errorf("sameName(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
}
