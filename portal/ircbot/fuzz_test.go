package ircbot

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ergochat/irc-go/ircfmt"
	"github.com/ergochat/irc-go/ircmsg"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/markup"
)

// safeText reports whether s is valid UTF-8 without control characters:
// what may reach a player's terminal from IRC.
func safeText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r >= 0x7f && r < 0xa0 {
			return false
		}
	}
	return true
}

// FuzzIRCInput reads what an IRC server sends, as the bot does: a line
// parsed by ircmsg, then the game's input made of it (IRC formatting as
// Evennia markup). What reaches the game is valid UTF-8 without control
// characters, encodes on the link, and shows the same text IRC showed.
func FuzzIRCInput(f *testing.F) {
	for _, s := range []string{
		":alice!a@h PRIVMSG #ev :hello \x0304,02there\x0f \x02bold",
		":a|rb!a@h PRIVMSG evbot :who",
		":alice!a@h PRIVMSG #ev :\x01ACTION waves \x1b[31m\x01",
		":s 353 evbot = #ev :@alice +bob\xff",
		":s 366 evbot #EV :End",
		"@time=2026-01-01T00:00:00Z :alice!a@h PRIVMSG #ev :\x0399,99\x031,\x16x\x07",
		":alice PRIVMSG #ev :\x03" + "12,1" + "5\x0f\x03,3",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		if m, err := ircmsg.ParseLineStrict(line, false, 0); err == nil {
			st := ircState{nick: "evbot", channel: "#ev"}
			if cmd, ok := st.event(m); ok {
				checkInput(t, cmd)
			}
			if len(m.Params) > 0 {
				checkColour(t, m.Params[len(m.Params)-1])
			}
		}
		checkColour(t, line)
	})
}

// checkInput checks one input for the game.
func checkInput(t *testing.T, cmd link.Command) {
	t.Helper()
	text, _ := cmd.Args[0].(string)
	if cmd.Name != inputCommand || len(cmd.Args) != 1 || !safeText(text) {
		t.Fatalf("input %q %q", cmd.Name, cmd.Args)
	}
	for k, v := range cmd.Kwargs {
		if s, ok := v.(string); ok && !safeText(s) {
			t.Fatalf("kwarg %s = %q", k, s)
		}
	}
	if _, err := link.AppendFrame(nil, link.Message{Op: link.OpDataIn, Sessid: 1, Data: []link.Command{cmd}}); err != nil {
		t.Fatalf("the input does not encode: %v", err)
	}
}

// checkColour checks the conversion of one IRC text: safe, and (for a
// text without Evennia's own markup characters) the same visible text.
func checkColour(t *testing.T, s string) {
	t.Helper()
	got := ircToEvennia(s)
	if !safeText(got) {
		t.Fatalf("ircToEvennia(%q) = %q: not safe", s, got)
	}
	if strings.ContainsAny(s, "|{") {
		return
	}
	var want strings.Builder // each chunk cleaned apart: a code may split a byte sequence
	for _, c := range ircfmt.Split(s) {
		want.WriteString(clean(c.Content))
	}
	if shown := markup.Strip(got); shown != want.String() {
		t.Fatalf("ircToEvennia(%q) = %q shows %q, IRC showed %q", s, got, shown, want.String())
	}
}

// FuzzIRCOutput turns what the game sends into IRC lines, as the bot
// does: no line can carry a second IRC command (no CR, LF or NUL), a
// CTCP request or a control character other than IRC's formatting; each
// fits the limit, and each makes a valid PRIVMSG.
func FuzzIRCOutput(f *testing.F) {
	for _, s := range []string{
		"hello\r\nQUIT :bye", "|rred|/|[Bblue\n|lclook|ltLook|le", "\x01DCC SEND x\x01", "|500|=c|#abcdef x\x00y",
		strings.Repeat("é|r", 200), "|luhttps://x.org/|ltsite|le\ttab",
	} {
		f.Add(s, uint16(100))
	}
	f.Fuzz(func(t *testing.T, text string, limit uint16) {
		n := 8 + int(limit)%500
		for _, line := range ircLines(evenniaToIRC(text), n) {
			checkOutputLine(t, line, n)
		}
	})
}

// checkOutputLine checks one line the bot would send.
func checkOutputLine(t *testing.T, line string, limit int) {
	t.Helper()
	if len(line) > limit || !utf8.ValidString(line) {
		t.Fatalf("line %q: %d bytes (limit %d), valid UTF-8 %v", line, len(line), limit, utf8.ValidString(line))
	}
	for _, r := range line {
		if (r < 0x20 || r == 0x7f) && !strings.ContainsRune(ircBold+ircColour+ircReverse+ircItalic+ircStrike+ircUnderline+ircReset, r) {
			t.Fatalf("line %q has control character %U", line, r)
		}
	}
	m := ircmsg.MakeMessage(nil, "", "PRIVMSG", "#ev", line)
	b, err := m.LineBytesStrict(true, ircLineMax)
	if err != nil {
		t.Fatalf("line %q: %v", line, err)
	}
	if back, err := ircmsg.ParseLine(string(b)); err != nil || back.Command != "PRIVMSG" || len(back.Params) != 2 || back.Params[1] != line {
		t.Fatalf("line %q came back as %+v (%v)", line, back, err)
	}
}
