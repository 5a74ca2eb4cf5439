package ircbot

import (
	"strings"
	"testing"
)

func TestIRCToEvennia(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"plain text", "plain text"},
		{"\x034red\x03 plain", "|rred|n plain"},
		{"\x0304red", "|rred|n"}, // two digits, as clients write them (Evennia read "\x030" as white, then "4")
		{"\x0305,02dark red on blue", "|R|[Bdark red on blue|n"},
		{"\x02bold\x02 not", "|hbold|n not"},
		{"\x02\x0305bold dark red", "|R|hbold dark red|n"}, // the colour first: |R turns bold off
		{"\x0305dark \x02bold", "|Rdark |hbold|n"},
		{"\x02b\x0304r\x0305R", "|hb|r|hr|R|hR|n"},
		{"\x1funder\x1f \x1ditalic\x0f end", "|uunder|n |iitalic|n end"},
		{"\x16rev\x0f", "|*rev|n"},
		{"\x0340extended\x03 and \x0399,99default", "extended and default"},
		{"4\x03 apples", "4 apples"},
		{"a\x07b\x1bc\x01d\te", "abcd e"},
		{"bad \xff utf8", "bad \uFFFD utf8"},
		{"|rmarkup kept", "|rmarkup kept"},
		{"\x0f\x0f", ""},
	} {
		if got := ircToEvennia(tc.in); got != tc.want {
			t.Errorf("ircToEvennia(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestEvenniaToIRC(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"|rred|n plain", "\x0304,99red\x0f plain"},
		{"|Rdark red", "\x0305,99dark red"},
		{"|[Bon blue", "\x0399,02on blue"},
		{"|r|[Bred on blue", "\x0304,99\x0304,02red on blue"},
		{"|hbold|H not", "\x02bold\x02 not"},
		{"|h|rbold red", "\x02\x0304,99bold red"},
		{"|uu|Uu |ii|Ii |ss|Ss |*r|n", "\x1fu\x1fu \x1di\x1di \x1es\x1es \x16r\x0f"},
		{"|500cube |=zgrey |#00ff00rgb", "\x0304,99cube \x0300,99grey \x0309,99rgb"},
		{"|222dark grey |444light", "\x0314,99dark grey \x0315,99light"},
		{"one|/two", "one\ntwo"},
		{"|rred\nmore", "\x0304,99red\n\x0304,99more"},
		{"a\r\nb\rc", "a\nb\nc"},
		{"ctcp \x01ACTION x\x01 and \x03 and \x1b[31mesc", "ctcp ACTION x and  and esc"},
		{"|lclook|ltLook here|le now", "Look here now"},
		{"|luhttps://x.org/|ltthe site|le", "the site <https://x.org/>"},
		{"|luhttps://x.org/|lthttps://x.org/|le", "https://x.org/"},
		{"||r not markup", "|r not markup"},
		{"tab\there", "tab here"},
	} {
		if got := evenniaToIRC(tc.in); got != tc.want {
			t.Errorf("evenniaToIRC(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// No game text becomes a second IRC line: CR and LF split lines, every
// part fits the budget, and no control character but IRC's formatting
// is left.
func TestIRCLinesNoInjection(t *testing.T) {
	t.Parallel()
	text := evenniaToIRC("hello\r\nQUIT :bye\rPRIVMSG #x :hi\n\x00NICK evil|/JOIN #y")
	got := ircLines(text, 100)
	want := []string{"hello", "QUIT :bye", "PRIVMSG #x :hi", "NICK evil", "JOIN #y"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("lines %q, want %q", got, want)
	}
}

func TestIRCLinesCut(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("word ", 60) // 300 bytes
	for _, limit := range []int{50, 97, 120} {
		parts := ircLines(long, limit)
		var joined []string
		for _, p := range parts {
			if len(p) > limit {
				t.Fatalf("limit %d: part of %d bytes", limit, len(p))
			}
			joined = append(joined, strings.TrimSpace(p))
		}
		if got := strings.Join(joined, " "); got != strings.TrimSpace(long) {
			t.Fatalf("limit %d: words lost: %q", limit, got)
		}
	}
	// No cut inside a character, nor inside or just after a colour code.
	s := strings.Repeat("é", 30) + "\x0304,02" + strings.Repeat("x", 30)
	for limit := 8; limit < len(s); limit++ {
		for _, p := range ircLines(s, limit) {
			if !validUTF8(p) {
				t.Fatalf("limit %d: cut inside a character: %q", limit, p)
			}
			if i := strings.LastIndex(p, ircColour); i >= 0 && i+colourCodeLen(p[i:]) >= len(p) {
				t.Fatalf("limit %d: cut inside a colour code: %q", limit, p)
			}
		}
	}
}

func validUTF8(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

// The budget leaves room for the longest prefix the server may add.
func TestTextBudget(t *testing.T) {
	t.Parallel()
	nick, target := "evbot_____", "#evennia"
	line := ":" + nick + "!~" + strings.Repeat("u", 10) + "@" + strings.Repeat("h", 63) + " PRIVMSG " + target + " :" +
		strings.Repeat("x", textBudget(nick, target)) + "\r\n"
	if len(line) != ircLineMax {
		t.Fatalf("the longest relayed line is %d bytes, want %d", len(line), ircLineMax)
	}
}
