package ircbot

import (
	"strings"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/portal"
)

// Key implements [portal.Protocol]: "ircbot".
func (c *conn) Key() string { return Key }

// Address implements [portal.Protocol]: "<channel>@<network>", as Evennia has it.
func (c *conn) Address() string { return c.b.set.Address() }

// AccountUID implements [portal.LoggedInProtocol]: the bot's account.
func (c *conn) AccountUID() int64 { return c.b.set.UID }

// Bind implements [portal.SessionBinder].
func (c *conn) Bind(s *portal.Session) {
	c.mu.Lock()
	c.sess = s
	c.mu.Unlock()
}

// Output implements [portal.Protocol]: the commands Evennia's IRC bot
// takes from the game.
func (c *conn) Output(cmd string) portal.OutputFunc {
	switch cmd {
	case "channel":
		return c.outChannel
	case "privmsg":
		return c.outPrivmsg
	case "request_nicklist":
		return c.outNicklist
	case "ping":
		return c.outPing
	case "reconnect":
		return c.outReconnect
	}
	return nil
}

// SendDefault implements [portal.Protocol]: every other command ("text",
// "prompt", ...) is ignored and counted, as Evennia's bot ignores it.
func (c *conn) SendDefault(link.Command) { c.b.f.stats.ignored.Add(1) }

// Close implements [portal.Protocol]. A session closed by the portal or
// the game (SDISCONN, shutdown) stops the bot: it quits with message and
// does not reconnect. One the bot closed itself (its connection ended)
// needs nothing more.
func (c *conn) Close(message string) {
	var reason portal.CloseReason
	if s := c.session(); s != nil {
		reason = s.CloseReason()
	}
	if ownReason(reason) {
		return
	}
	c.b.stop()
	if message == "" {
		message = quitMessages[reason]
	}
	c.quit(message)
}

// quitMessages are the QUIT messages of a bot stopped for a reason,
// when the portal gives none.
var quitMessages = map[portal.CloseReason]string{
	portal.ReasonPortalShutdown:      "Portal shutting down",
	portal.ReasonServerDisconnect:    "Disconnected by the game",
	portal.ReasonServerDisconnectAll: "Disconnected by the game",
}

// outChannel says the text in the channel.
func (c *conn) outChannel(args []any, _ map[string]any) {
	c.say(c.b.set.Channel, firstString(args))
}

// outPrivmsg says the text to one nick (kwarg "user"). Anything else as
// the target (a channel, a list of nicks) is refused and counted.
func (c *conn) outPrivmsg(args []any, kwargs map[string]any) {
	user, _ := kwargs["user"].(string)
	text := firstString(args)
	if text == "" {
		return
	}
	if !validNick(user) {
		c.b.f.stats.refused.Add(1)
		c.b.log.Warn("ircbot.privmsg.refused", "user", clean(user))
		return
	}
	c.say(user, text)
}

// outNicklist asks the server for the channel's nicks; they reach the
// game as a "nicklist" input at the end of the next NAMES reply. Only a
// request makes one: the game (Evennia's IRCBot.execute_cmd) drops a
// nick list nobody asked for, and the server's NAMES replies (one comes
// with each JOIN) are not the game's to carry.
func (c *conn) outNicklist([]any, map[string]any) {
	c.nicklist.Store(true)
	c.send("NAMES", c.b.set.Channel)
}

// outPing pings the server; the round trip reaches the game as a "ping"
// input with its "timing" in seconds.
func (c *conn) outPing([]any, map[string]any) {
	if token := c.nextPing(); token != "" {
		c.send("PING", token)
	}
}

// outReconnect makes the connection anew at once (and so the session).
func (c *conn) outReconnect([]any, map[string]any) {
	c.asked.Store(true)
	c.quit("Reconnecting")
}

// say sends text (Evennia markup) to target as PRIVMSGs: converted to
// IRC formatting, one message a line, each cut to fit IRC's 512 bytes.
func (c *conn) say(target, text string) {
	if text == "" {
		return
	}
	limit := textBudget(c.b.set.Nick, target) - maxNickTries // room for the "_"s a nick in use gets
	for _, line := range ircLines(evenniaToIRC(text), limit) {
		c.send("PRIVMSG", target, line)
	}
}

// firstString is the first argument if it is a string, else "".
func firstString(args []any) string {
	if len(args) == 0 {
		return ""
	}
	s, _ := args[0].(string)
	return s
}

// firstLine is s up to its first line end.
func firstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}
