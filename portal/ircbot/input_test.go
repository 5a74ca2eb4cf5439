package ircbot

import (
	"strings"
	"testing"

	"github.com/ergochat/irc-go/ircmsg"
	"github.com/ergochat/irc-go/ircreader"
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

// A hostile server's NAMES reply cannot make one huge input (it would
// be one link frame, past the link's limit): tokens longer than a nick
// are dropped and counted, and the list is bounded in bytes.
func TestNicklistBoundedInBytes(t *testing.T) {
	t.Parallel()
	token := strings.Repeat("n", 9000)
	line := ":s 353 evbot = #ev :" + token
	// the line is one the bot's reader accepts
	r := ircreader.NewIRCReader(strings.NewReader(line + "\r\n"))
	if _, err := r.ReadLine(); err != nil {
		t.Fatalf("reader refuses the line: %v", err)
	}
	st := ircState{nick: "evbot", channel: "#ev"}
	long, err := ircmsg.ParseLineStrict(line, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	for range 1000 {
		st.event(long)
	}
	if st.namesDropped != 1000 || len(st.names) != 0 {
		t.Fatalf("%d dropped, %d kept, want the 1000 long tokens dropped", st.namesDropped, len(st.names))
	}
	// nick-sized tokens, far past the byte bound
	nicks, err := ircmsg.ParseLineStrict(":s 353 evbot = #ev :"+strings.TrimSpace(strings.Repeat(strings.Repeat("x", maxNickToken)+" ", 100)), false, 0)
	if err != nil {
		t.Fatal(err)
	}
	for range 100 {
		st.event(nicks)
	}
	end, _ := ircmsg.ParseLineStrict(":s 366 evbot #ev :End", false, 0)
	cmd, ok := st.event(end)
	if !ok {
		t.Fatal("no nicklist input")
	}
	if got, want := len(cmd.Kwargs["nicklist"].([]any)), maxNamesBytes/maxNickToken; got != want {
		t.Fatalf("%d nicks kept, want %d (the byte bound)", got, want)
	}
	frame, err := link.AppendFrame(nil, link.Message{Op: link.OpDataIn, Sessid: 1, Data: []link.Command{cmd}})
	if err != nil {
		t.Fatal(err)
	}
	if len(frame) > 2*maxNamesBytes {
		t.Fatalf("one nicklist input is a %d-byte link frame, want at most %d", len(frame), 2*maxNamesBytes)
	}
}
