package ircbot

import (
	"strings"

	"github.com/ergochat/irc-go/ircmsg"

	"github.com/portalsim/portalsim/internal/link"
)

// inputCommand is the input function Evennia's bots call on the game
// server (evennia.server.inputfuncs.bot_data_in).
const inputCommand = "bot_data_in"

// Bounds of the nick list collected for one NAMES reply, which reaches
// the game as one input: at most maxNames nicks of maxNamesBytes in all;
// a token longer than maxNickToken (IRC's nick length limit, with room
// for the prefix characters of a channel's modes) is no nick.
const (
	maxNames      = 10000
	maxNamesBytes = 64 << 10
	maxNickToken  = 64 + 8
)

// ircState is what reading the server's messages needs: the bot's nick
// (as the server has it now), its channel and the nick list being
// collected. Only a connection's reader uses it.
type ircState struct {
	nick, channel string
	names         []any
	namesBytes    int // the bytes of names
	// namesDropped counts the tokens of NAMES replies left out of the
	// list (too long, or past its bounds); the reader takes it.
	namesDropped uint64
}

// event converts one message from the IRC server into the game's input,
// as Evennia's bot does; ok is false for a message that means nothing to
// the game. What it converts: channel messages ("msg"), private messages
// to the bot ("privmsg"), CTCP ACTIONs ("action") and the channel's nick
// list at the end of a NAMES reply ("nicklist").
func (st *ircState) event(m ircmsg.Message) (cmd link.Command, ok bool) {
	switch m.Command {
	case "PRIVMSG":
		return st.privmsg(m)
	case "353": // RPL_NAMREPLY: <me> <type> <channel> :<nicks>
		if len(m.Params) >= 4 && sameName(m.Params[2], st.channel) {
			for n := range strings.FieldsSeq(m.Params[3]) {
				st.addName(n)
			}
		}
	case "366": // RPL_ENDOFNAMES: <me> <channel> :End of NAMES list
		if len(m.Params) >= 2 && sameName(m.Params[1], st.channel) {
			names := st.names
			if names == nil {
				names = []any{}
			}
			st.names, st.namesBytes = nil, 0
			return botInput("", "nicklist", "server", strings.ToLower(m.Params[1]), "nicklist", names), true
		}
	}
	return link.Command{}, false
}

// addName adds one token of a NAMES reply to the nick list, unless it
// is too long for a nick or the list is full (then it is counted).
func (st *ircState) addName(n string) {
	if len(n) > maxNickToken || len(st.names) >= maxNames || st.namesBytes+len(n) > maxNamesBytes {
		st.namesDropped++
		return
	}
	st.names = append(st.names, clean(n))
	st.namesBytes += len(n)
}

// privmsg converts a PRIVMSG. As in Evennia, a channel message starting
// with "***" and an action starting with "**" (other bots' relays) are
// left out, and the user of a channel message or an action is escaped
// so that its markup shows as written; the user of a private message is
// not, since the game answers to it. Other CTCP requests are left out.
func (st *ircState) privmsg(m ircmsg.Message) (link.Command, bool) {
	nick := m.Nick()
	if len(m.Params) < 2 || nick == "" {
		return link.Command{}, false
	}
	target, text := m.Params[0], m.Params[1]
	if action, ok := ctcpAction(text); ok {
		if strings.HasPrefix(action, "**") {
			return link.Command{}, false
		}
		return botInput(action, "action", rawMarkup(nick), target), true
	}
	switch {
	case strings.HasPrefix(text, "\x01"):
		return link.Command{}, false
	case sameName(target, st.nick):
		return botInput(text, "privmsg", nick, target), true
	case strings.HasPrefix(text, "***"):
		return link.Command{}, false
	}
	return botInput(text, "msg", rawMarkup(nick), target), true
}

// ctcpAction returns the text of a CTCP ACTION ("\x01ACTION text\x01").
func ctcpAction(text string) (string, bool) {
	body, ok := strings.CutPrefix(text, "\x01")
	if !ok {
		return "", false
	}
	body = strings.TrimSuffix(body, "\x01")
	word, rest, _ := strings.Cut(body, " ")
	if !strings.EqualFold(word, "ACTION") {
		return "", false
	}
	return rest, true
}

// botInput is one bot_data_in input: the text (IRC formatting as Evennia
// markup) and Evennia's keyword arguments, type, user and channel, then
// extra key and value pairs.
func botInput(text, typ, user, channel string, extra ...any) link.Command {
	kw := map[string]any{"type": typ, "user": clean(user), "channel": clean(channel)}
	for i := 0; i+1 < len(extra); i += 2 {
		kw[extra[i].(string)] = extra[i+1]
	}
	return link.Command{Name: inputCommand, Args: []any{ircToEvennia(text)}, Kwargs: kw}
}

// clean is s without control characters and with valid UTF-8 (see writeClean).
func clean(s string) string {
	var b strings.Builder
	writeClean(&b, s, false)
	return b.String()
}

// sameName compares two nicks or channel names as IRC does by default
// (the "rfc1459" case mapping: ASCII letters, and []\^ as {}|~).
func sameName(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if foldByte(a[i]) != foldByte(b[i]) {
			return false
		}
	}
	return true
}

func foldByte(c byte) byte {
	switch {
	case c >= 'A' && c <= 'Z':
		return c + 'a' - 'A'
	case c == '[', c == ']', c == '\\', c == '^':
		return c + '{' - '['
	}
	return c
}
