package sim

import (
	"strings"

	"github.com/portalsim/portalsim/internal/link"
)

// caller is the [Caller] of one command: output is collected and sent
// with the prompt after the command ends.
type caller struct {
	s    *Server
	ss   *serverSession
	out  []string
	quit string
}

var _ Caller = (*caller)(nil)

func (c *caller) Account() *Account { return c.ss.account }

func (c *caller) Msg(text string) { c.out = append(c.out, text) }

func (c *caller) Address() string { return c.ss.data.Address }

func (c *caller) Quit(reason string) {
	if reason == "" {
		reason = "Disconnecting."
	}
	c.quit = reason
}

// Login logs the session in. With MULTISESSION_MODE 0, every other
// session of the account is disconnected first.
func (c *caller) Login(a *Account) error {
	s := c.s
	for _, other := range s.byChar[a.Character] { // the account's sessions: they puppet its character
		if other != c.ss && other.account != nil && other.account.ID == a.ID {
			s.stats.kicked.Add(1)
			s.disconnect(other, "Logged in from elsewhere. Disconnecting.")
		}
	}
	c.ss.stopLoginTimer()
	if !s.attach(c.ss, a.ID) {
		return ErrNotFound
	}
	s.stats.logins.Add(1)
	s.sendLogin(c.ss)
	return nil
}

// notifier is the [Notifier] the server gives commands.
type notifier struct{ s *Server }

var _ Notifier = notifier{}

func (n notifier) MsgCharacters(chars []ObjID, text string) {
	var ids []uint64
	for _, ch := range chars {
		for _, ss := range n.s.byChar[ch] {
			ids = append(ids, ss.data.Sessid)
		}
	}
	n.s.sendMany(ids, text)
}

func (n notifier) MsgAll(text string) {
	var ids []uint64
	for _, ss := range n.s.sessions {
		if ss.data.LoggedIn {
			ids = append(ids, ss.data.Sessid)
		}
	}
	n.s.sendMany(ids, text)
}

func (n notifier) Reload(reason string) {
	n.s.requestRestart(link.ModeReload, strings.TrimSpace(reason))
}

func (n notifier) Shutdown(reason string) {
	n.s.log.Info("server.shutdown", "by", "game", "reason", reason)
	n.s.send(link.Message{Op: link.OpPortalShutdown, Reason: reason})
}
