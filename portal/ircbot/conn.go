package ircbot

import (
	"errors"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ergochat/irc-go/ircmsg"
	"github.com/ergochat/irc-go/ircreader"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/portal"
)

// Key is the session's protocol_key, Evennia's for its IRC bot.
const Key = "ircbot"

// maxNickTries bounds the nicks tried at registration: the settings'
// nick, then with "_" added for each nick the server says is in use.
const maxNickTries = 5

// maxPings bounds the game's pings waiting for their PONG.
const maxPings = 8

// quitGrace is how long a connection waits, after its QUIT, for the
// server to close it.
const quitGrace = 2 * time.Second

// writeTimeout bounds one write to the server.
const writeTimeout = 30 * time.Second

// closeGrace is how long a connection the portal closes (its context
// ended) has to send its QUIT before it is closed regardless.
const closeGrace = 250 * time.Millisecond

// trailing are the commands whose last parameter is always written as a
// trailing one (":text"), as IRC clients write them.
var trailing = map[string]bool{"PRIVMSG": true, "QUIT": true, "PING": true, "PONG": true, "USER": true}

// conn is one connection of a bot to its IRC server, and the portal
// Protocol of the session it makes once it joined its channel. The bot's
// goroutine reads it (run); a writer goroutine (write) sends what is
// queued; the portal calls the Protocol methods from its goroutines.
type conn struct {
	b      *bot
	nc     net.Conn
	q      *outQueue
	dialed time.Time
	ended  chan struct{} // closed when the reader has ended: the writer stops
	done   chan struct{} // closed when the writer has ended
	heard  atomic.Int64  // when the server last said something, in Unix ns
	joined atomic.Bool   // the bot joined its channel; its session exists
	asked  atomic.Bool   // the game asked for a reconnect
	// nicklist: the game asked for the nick list and has not had it yet.
	nicklist atomic.Bool

	// st, nickTries and joinedAt belong to the reader (joinedAt is read
	// by the bot's goroutine, the same, once run returned).
	st        ircState
	nickTries int
	joinedAt  time.Time // when it joined its channel
	inChannel bool      // it is in its channel now (not before its JOIN, nor after a KICK)

	// mu guards the fields below.
	mu    sync.Mutex
	sess  *portal.Session
	fail  error                // why the writer ended the connection
	hard  *time.Timer          // closes the connection closeGrace after the portal's context ended
	pings map[string]time.Time // the game's pings waiting for their PONG
	pingN uint64
}

var (
	_ portal.Protocol         = (*conn)(nil)
	_ portal.LoggedInProtocol = (*conn)(nil)
	_ portal.SessionBinder    = (*conn)(nil)
)

func newConn(b *bot, nc net.Conn) *conn {
	now := time.Now()
	c := &conn{
		b: b, nc: nc, q: newOutQueue(b.f.cfg.QueueLimit), dialed: now,
		ended: make(chan struct{}), done: make(chan struct{}),
		st:    ircState{nick: b.set.Nick, channel: b.set.Channel},
		pings: make(map[string]time.Time),
	}
	c.heard.Store(now.UnixNano())
	return c
}

// run registers, then reads until the connection ends, and closes the
// session if it had one. It returns why the connection ended. The end
// is deferred: a panic (recovered by portal.Handler.Go) still closes
// the socket, stops the writer and closes the session.
func (c *conn) run() (err error) {
	defer func() {
		c.nc.Close()
		close(c.ended)
		<-c.done
		c.mu.Lock()
		if c.fail != nil {
			err = c.fail
		}
		if c.hard != nil {
			c.hard.Stop()
		}
		c.mu.Unlock()
		if s := c.session(); s != nil {
			s.Close(closeReason(err, c.asked.Load()), "")
		}
	}()
	c.send("NICK", c.st.nick)
	c.send("USER", c.b.set.Nick, "0", "*", c.b.set.Nick)
	return c.read()
}

// read reads and handles the server's lines until the connection ends.
func (c *conn) read() error {
	r := ircreader.NewIRCReader(c.nc)
	for {
		line, err := r.ReadLine()
		if err != nil {
			return err
		}
		c.heard.Store(time.Now().UnixNano())
		m, err := ircmsg.ParseLineStrict(string(line), false, 0)
		if err != nil {
			c.b.f.stats.badLines.Add(1)
			continue
		}
		if err := c.handle(m); err != nil {
			return err
		}
	}
}

// handle acts on one message from the server; an error ends the connection.
func (c *conn) handle(m ircmsg.Message) error {
	switch m.Command {
	case "PING":
		c.sendUrgent("PONG", lastParam(m))
	case "PONG":
		c.pong(lastParam(m))
	case "001": // RPL_WELCOME: registered, under the nick in its first parameter
		if len(m.Params) > 0 {
			c.st.nick = m.Params[0]
		}
		c.send("JOIN", c.st.channel)
	case "432", "433", "436", "437": // the nick is erroneous, in use, colliding, unavailable
		return c.nickRefused(m)
	case "403", "405", "471", "473", "474", "475", "476", "477": // the JOIN is refused
		// the first JOIN, or the one after a KICK: outside its channel
		// the bot has nothing to do, so the connection ends and is made
		// anew with backoff
		if !c.inChannel && len(m.Params) > 1 && sameName(m.Params[1], c.st.channel) {
			return &ServerError{Command: m.Command, Text: lastParam(m)}
		}
	case "JOIN":
		if len(m.Params) > 0 && sameName(m.Nick(), c.st.nick) && sameName(m.Params[0], c.st.channel) {
			c.inChannel = true
			if !c.joined.Swap(true) {
				c.joinedAt = time.Now()
				c.startSession()
			}
		}
	case "KICK": // <channel> <nick> :reason
		if len(m.Params) > 1 && sameName(m.Params[0], c.st.channel) && sameName(m.Params[1], c.st.nick) {
			c.b.log.Warn("ircbot.kicked", "by", m.Nick(), "reason", lastParam(m))
			c.inChannel = false
			c.send("JOIN", c.st.channel)
		}
	case "NICK":
		if len(m.Params) > 0 && sameName(m.Nick(), c.st.nick) {
			c.st.nick = m.Params[0]
		}
	case "ERROR":
		return &ServerError{Command: m.Command, Text: lastParam(m)}
	default:
		cmd, ok := c.st.event(m)
		c.takeNamesDropped()
		// RPL_ENDOFNAMES (366) gives the nick list: only if the game asked.
		if ok && (m.Command != "366" || c.nicklist.Swap(false)) {
			c.input(cmd)
		}
	}
	return nil
}

// takeNamesDropped counts the NAMES tokens the reader left out.
func (c *conn) takeNamesDropped() {
	if n := c.st.namesDropped; n > 0 {
		c.st.namesDropped = 0
		c.b.f.stats.namesDropped.Add(n)
	}
}

// lastParam is the message's last parameter, or "".
func lastParam(m ircmsg.Message) string {
	if len(m.Params) == 0 {
		return ""
	}
	return m.Params[len(m.Params)-1]
}

// nickRefused tries another nick while registering (the nick with "_",
// as Twisted's IRC client does), at most maxNickTries in all.
func (c *conn) nickRefused(m ircmsg.Message) error {
	if c.joined.Load() {
		return nil // a nick change the bot did not ask for
	}
	c.nickTries++
	if m.Command == "432" || c.nickTries >= maxNickTries {
		return &ServerError{Command: m.Command, Text: c.st.nick + ": " + lastParam(m)}
	}
	c.st.nick += "_"
	c.send("NICK", c.st.nick)
	return nil
}

// startSession makes the bot's session, logged in to its account: the
// game server hears of it (PCONN) and logs the account in.
func (c *conn) startSession() {
	if c.b.isStopped() {
		return
	}
	c.b.f.stats.sessions.Add(1)
	s := c.b.h.Connect(c)
	c.b.log.Info("ircbot.joined", "nick", c.st.nick, "sessid", s.Sessid())
}

// input sends one input to the game, once the session exists.
func (c *conn) input(cmd link.Command) {
	if s := c.session(); s != nil {
		c.b.f.stats.inputs.Add(1)
		s.DataIn(cmd)
	}
}

// pong answers the game's ping whose token the server echoed.
func (c *conn) pong(token string) {
	c.mu.Lock()
	sent, ok := c.pings[token]
	delete(c.pings, token)
	c.mu.Unlock()
	if ok {
		c.input(botInput("", "ping", "server", c.b.set.Channel, "timing", time.Since(sent).Seconds()))
	}
}

// send queues one IRC message; false if IRC cannot carry it (counted).
func (c *conn) send(command string, params ...string) bool {
	line, ok := c.format(command, params)
	if ok {
		c.b.f.stats.linesDropped.Add(uint64(c.q.push(line)))
	}
	return ok
}

// sendUrgent queues one IRC message ahead of the others (see outQueue.pushUrgent).
func (c *conn) sendUrgent(command string, params ...string) {
	if line, ok := c.format(command, params); ok && !c.q.pushUrgent(line) {
		c.b.f.stats.linesDropped.Add(1)
	}
}

// format writes one IRC message as a line; false if IRC cannot carry it (counted).
func (c *conn) format(command string, params []string) ([]byte, bool) {
	m := ircmsg.MakeMessage(nil, "", command, params...)
	if trailing[command] && len(params) > 0 {
		m.ForceTrailing()
	}
	line, err := m.LineBytesStrict(true, ircLineMax)
	if err != nil {
		c.b.f.stats.refused.Add(1)
		c.b.log.Debug("ircbot.refused", "command", command, "err", err)
		return nil, false
	}
	return line, true
}

// quit ends the connection with a QUIT carrying message (its first line,
// cleaned), sent before whatever is still queued.
func (c *conn) quit(message string) {
	text := clean(firstLine(message))
	if text == "" {
		text = "Disconnected"
	}
	m := ircmsg.MakeMessage(nil, "", "QUIT", text)
	m.ForceTrailing()
	line, err := m.LineBytesStrict(true, ircLineMax)
	if err != nil && !errors.Is(err, ircmsg.ErrorBodyTooLong) {
		line = []byte("QUIT\r\n")
	}
	c.q.setQuit(line)
}

// closeSoon ends the connection for the portal, which is closing: a
// QUIT, and the socket closed closeGrace later at the latest.
func (c *conn) closeSoon() {
	c.quit("Portal closing")
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hard == nil {
		c.hard = time.AfterFunc(closeGrace, func() { c.nc.Close() })
	}
}

// session returns the connection's session, or nil before it joined.
func (c *conn) session() *portal.Session {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sess
}

// nextPing returns a token for a ping of the game's, or "" when too many wait.
func (c *conn) nextPing() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.pings) >= maxPings {
		return ""
	}
	c.pingN++
	token := "portalsim-" + strconv.FormatUint(c.pingN, 10)
	c.pings[token] = time.Now()
	return token
}
