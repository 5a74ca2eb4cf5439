package sim

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/portalsim/portalsim/internal/link"
)

// serverSession is the server's view of one portal session (Evennia's
// ServerSession). Identity is the sessid, never the address (bug 5.22).
// Owned by the server's event loop.
type serverSession struct {
	data    link.SessionData
	account *Account
	char    ObjID
	timer   *loginTimer
	// carried is set for a session whose login screen a previous server
	// left pending: once shown, the portal is told (SSYNC), so that a
	// later server does not show it again.
	carried bool
}

// stopLoginTimer cancels a pending login screen.
func (ss *serverSession) stopLoginTimer() {
	if ss.timer != nil {
		if ss.timer.t != nil {
			ss.timer.t.Stop()
		}
		ss.timer = nil
	}
}

func (ss *serverSession) syncData() link.SessionData {
	d := ss.data
	d.ProtocolFlags = maps.Clone(d.ProtocolFlags)
	d.ServerData = maps.Clone(d.ServerData)
	return d
}

// loadPortalFields applies PCONNSYNC: only the fields the portal owns,
// with protocol flags merged (Evennia's load_sync_data).
func (ss *serverSession) loadPortalFields(d link.SessionData) {
	ss.data.ProtocolKey = d.ProtocolKey
	ss.data.Address = d.Address
	ss.data.Csessid = d.Csessid
	ss.data.SyncRev = d.SyncRev // sent back in every SSYNC (bug 5.15)
	if !d.ConnTime.IsZero() {
		ss.data.ConnTime = d.ConnTime
	}
	if ss.data.ProtocolFlags == nil {
		ss.data.ProtocolFlags = map[string]any{}
	}
	maps.Copy(ss.data.ProtocolFlags, d.ProtocolFlags)
}

// portalConnect creates a session for a PCONN. A session that arrives
// logged in (SSH with a password, a bot) is logged in at once; otherwise
// the login screen follows after the connect delay.
func (s *Server) portalConnect(d link.SessionData) {
	if old := s.sessions[d.Sessid]; old != nil {
		s.remove(old) // never two sessions under one sessid
	}
	ss := &serverSession{data: d}
	s.sessions[d.Sessid] = ss
	s.maxSeq = max(s.maxSeq, d.Seq)
	if d.LoggedIn && d.Uid != 0 && s.attach(ss, d.Uid) {
		s.sendLogin(ss)
		s.arrive(ss)
		return
	}
	ss.data.LoggedIn, ss.data.Uid, ss.data.Uname, ss.data.Puid = false, 0, "", 0
	s.startLoginScreen(ss)
}

// arrive greets a session the portal connected logged in, as a connect
// command would have.
func (s *Server) arrive(ss *serverSession) {
	c := &caller{s: s, ss: ss}
	s.world.Arrive(c, notifier{s})
	s.output(ss, c.out, true)
}

// The login screen's progress is kept in the session's server data
// (Evennia's server_data), which a reloading server pushes to the portal
// and the portal hands to the next server: a screen still due when the
// old server stopped is shown by the new one (bug 5.5).
const (
	loginScreenKey     = "login_screen"
	loginScreenPending = "pending"
	loginScreenShown   = "shown"
)

// setLoginScreen records the login screen's progress in the server data.
func (ss *serverSession) setLoginScreen(state string) {
	ss.data.ServerData = maps.Clone(ss.data.ServerData) // the map may be shared with a snapshot
	if ss.data.ServerData == nil {
		ss.data.ServerData = map[string]any{}
	}
	ss.data.ServerData[loginScreenKey] = state
}

// loginScreenDue reports whether the data says a login screen is still to be shown.
func loginScreenDue(d link.SessionData) bool {
	return !d.LoggedIn && d.ServerData[loginScreenKey] == loginScreenPending
}

// startLoginScreen shows ss the login screen after the connect delay
// (at once without one, before any input of the session is processed).
func (s *Server) startLoginScreen(ss *serverSession) {
	ss.stopLoginTimer()
	ss.setLoginScreen(loginScreenPending)
	lt := &loginTimer{sess: ss}
	ss.timer = lt
	if s.cfg.LoginScreenDelay <= 0 {
		s.loginScreen(lt)
		return
	}
	lt.t = time.AfterFunc(s.cfg.LoginScreenDelay, func() { s.post(event{timer: lt}) })
}

// loginScreen shows the login screen if the timer's session is still
// here and not logged in.
func (s *Server) loginScreen(lt *loginTimer) {
	ss := lt.sess
	if s.sessions[ss.data.Sessid] != ss || ss.timer != lt || ss.data.LoggedIn {
		return
	}
	ss.timer = nil
	ss.setLoginScreen(loginScreenShown)
	s.stats.loginScreens.Add(1)
	s.output(ss, []string{s.world.LoginScreen()}, true)
	if ss.carried {
		ss.carried = false
		s.send(link.Message{Op: link.OpServerSync, Sessions: []link.SessionData{ss.syncData()}})
	}
}

// portalSync rebuilds the session table from the portal's PSYNC reply.
// Sessions this process already has (a link reconnect without a restart)
// are updated in place, not replaced (bug 5.20); sessions the portal no
// longer has are removed.
func (s *Server) portalSync(mode string, sessions []link.SessionData) {
	keep := make(map[uint64]bool, len(sessions))
	var due []*serverSession // login screens the previous server did not get to show (bug 5.5)
	for _, d := range sessions {
		keep[d.Sessid] = true
		s.maxSeq = max(s.maxSeq, d.Seq)
		if ss := s.sessions[d.Sessid]; ss != nil {
			ss.loadPortalFields(d)
			continue
		}
		ss := &serverSession{data: d}
		s.sessions[d.Sessid] = ss
		if !(d.LoggedIn && d.Uid != 0 && s.attach(ss, d.Uid)) {
			ss.data.LoggedIn, ss.data.Uid, ss.data.Uname, ss.data.Puid = false, 0, "", 0
		}
		if loginScreenDue(ss.data) {
			ss.carried = true
			due = append(due, ss)
		}
	}
	for id, ss := range s.sessions {
		if !keep[id] {
			s.remove(ss)
		}
	}
	s.linked.Store(true)
	s.log.Info("link.synced", "mode", mode, "sessions", len(sessions))
	restarted := mode == link.ModeReload || mode == link.ModeReset || mode == "reconnect"
	first := !s.synced
	s.synced = true
	// Only a new server process announces a restart; a link that merely
	// reconnected to the same server restarted nothing (bug 5.20).
	if restarted && first {
		for _, ss := range s.sessions {
			s.output(ss, []string{" ... Server restarted."}, false)
		}
	}
	for _, ss := range due {
		s.startLoginScreen(ss)
	}
}

// attach puts the account uid and its character on ss; false if the account is gone.
func (s *Server) attach(ss *serverSession, uid int64) bool {
	a, ok := s.world.AccountByID(uid)
	if !ok {
		return false
	}
	ss.account = a
	ss.char = a.Character
	ss.data.Uid, ss.data.Uname, ss.data.LoggedIn, ss.data.Puid = a.ID, a.Name, true, int64(a.Character)
	if s.byChar[ss.char] == nil {
		s.byChar[ss.char] = make(map[uint64]*serverSession)
	}
	s.byChar[ss.char][ss.data.Sessid] = ss
	return true
}

func (s *Server) sendLogin(ss *serverSession) {
	d := link.SessionData{Sessid: ss.data.Sessid, Uid: ss.data.Uid, Uname: ss.data.Uname, LoggedIn: true, Puid: ss.data.Puid}
	s.send(link.Message{Op: link.OpServerLogin, Sessid: ss.data.Sessid, Session: &d})
}

// remove forgets a session: cancels its login screen, unpuppets its character.
func (s *Server) remove(ss *serverSession) {
	ss.stopLoginTimer()
	if ss.char != 0 {
		if m := s.byChar[ss.char]; m != nil {
			delete(m, ss.data.Sessid)
			if len(m) == 0 {
				delete(s.byChar, ss.char)
			}
		}
	}
	if s.sessions[ss.data.Sessid] == ss {
		delete(s.sessions, ss.data.Sessid)
	}
}

func (s *Server) dropAll() {
	for _, ss := range s.sessions {
		s.remove(ss)
	}
}

// disconnect closes a session from the server side (SDISCONN).
func (s *Server) disconnect(ss *serverSession, reason string) {
	s.remove(ss)
	s.send(link.Message{Op: link.OpServerDisconnect, Sessid: ss.data.Sessid, Reason: reason})
}

// sendMany sends text to several sessions (a room, a channel) in one
// DATAOUT: one frame to encode and carry instead of one per session.
func (s *Server) sendMany(ids []uint64, text string) {
	if len(ids) == 0 {
		return
	}
	slices.Sort(ids) // the same order every time
	m := link.Message{Op: link.OpDataOut, Data: []link.Command{link.Text(text)}}
	if len(ids) == 1 {
		m.Sessid = ids[0]
	} else {
		m.Sessids = ids
	}
	s.send(m)
}

// output sends text to a session, with the end-of-output prompt if prompt is set.
func (s *Server) output(ss *serverSession, lines []string, prompt bool) {
	cmds := make([]link.Command, 0, 2)
	if len(lines) > 0 {
		cmds = append(cmds, link.Text(strings.Join(lines, "\n")))
	}
	if prompt {
		cmds = append(cmds, link.Prompt(s.cfg.Prompt))
	}
	if len(cmds) > 0 {
		s.send(link.Message{Op: link.OpDataOut, Sessid: ss.data.Sessid, Data: cmds})
	}
}

// dataIn runs the input of one session. Text lines are commands; other
// input functions are out-of-band (see oob.go).
func (s *Server) dataIn(sessid uint64, cmds []link.Command) {
	ss := s.sessions[sessid]
	if ss == nil {
		s.stats.unknownInput.Add(1)
		return
	}
	for _, c := range cmds {
		if s.sessions[sessid] != ss {
			return // quit or kicked by an earlier command
		}
		line, _ := c.FirstString()
		if c.Name != "text" {
			s.oob(ss, c)
			continue
		}
		s.run(ss, strings.TrimRight(line, "\r\n"))
	}
}

// run executes one command line for ss and sends its output and the prompt.
func (s *Server) run(ss *serverSession, line string) {
	now := time.Now()
	ss.data.CmdLast = now
	if cmd := strings.TrimSpace(line); cmd != "idle" {
		ss.data.CmdLastVisible = now
		ss.data.CmdTotal++
	}
	s.stats.commands.Add(1)
	c := &caller{s: s, ss: ss}
	s.world.Execute(c, notifier{s}, line)
	if s.sessions[ss.data.Sessid] != ss && c.quit == "" {
		return // removed meanwhile (kicked)
	}
	s.output(ss, c.out, c.quit == "")
	if c.quit != "" {
		s.disconnect(ss, c.quit)
	}
}
