package ircbot

import (
	"strings"
	"unicode/utf8"

	"github.com/ergochat/irc-go/ircfmt"
)

// IRC's line limit and what the bot assumes of the prefix a server puts
// before its lines when it relays them (":nick!user@host "): a user name
// of at most 10 characters (and "~") and a host of at most 63.
const (
	ircLineMax = 512
	prefixUser = 11
	prefixHost = 63
)

// textBudget is how many bytes of text fit in a PRIVMSG from nick to
// target, as the server relays it to others:
// ":nick!user@host PRIVMSG target :text\r\n" in 512 bytes.
func textBudget(nick, target string) int {
	prefix := 1 + len(nick) + 1 + prefixUser + 1 + prefixHost + 1
	return ircLineMax - len("\r\n") - prefix - len("PRIVMSG ") - len(target) - len(" :")
}

// ircLines splits IRC text into the texts of as many PRIVMSGs: at each
// line end, and each at most limit bytes (see cutAt). Lines with nothing
// to show are left out: IRC refuses an empty message. A line cut in two
// goes on without the style it had.
func ircLines(text string, limit int) []string {
	var out []string
	add := func(s string) {
		if strings.TrimSpace(ircfmt.Strip(s)) != "" {
			out = append(out, s)
		}
	}
	for line := range strings.SplitSeq(text, "\n") {
		for len(line) > limit {
			cut, skip := cutAt(line, limit)
			add(line[:cut])
			line = line[cut+skip:]
		}
		add(line)
	}
	return out
}

// cutAt returns where to cut s to keep at most limit bytes, and how many
// bytes to skip after the cut (1 for a space cut at): at the last space
// in the last quarter of the limit if there is one, else between
// characters, never inside a colour code nor just after one. limit
// must be at least 8.
func cutAt(s string, limit int) (cut, skip int) {
	cut = limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	if p := strings.LastIndex(s[max(cut-6, 0):cut], ircColour); p >= 0 {
		p += max(cut-6, 0)
		if p+colourCodeLen(s[p:]) >= cut { // inside the code, or the code styles nothing before the cut
			cut = p
		}
	}
	if sp := strings.LastIndexByte(s[:cut], ' '); sp > 0 && sp >= limit*3/4 {
		return sp, 1
	}
	if cut == 0 { // a code or a character as long as the limit: impossible for limits of 8 and more
		_, n := utf8.DecodeRuneInString(s)
		cut = n
	}
	return cut, 0
}

// colourCodeLen is the length of the IRC colour code at the start of s
// (which starts with \x03): \x03, up to two digits, then a comma and up
// to two digits if a digit follows the comma.
func colourCodeLen(s string) int {
	n := 1
	digits := func() {
		for k := 0; k < 2 && n < len(s) && s[n] >= '0' && s[n] <= '9'; k++ {
			n++
		}
	}
	digits()
	if n > 1 && n+1 < len(s) && s[n] == ',' && s[n+1] >= '0' && s[n+1] <= '9' {
		n++
		digits()
	}
	return n
}
