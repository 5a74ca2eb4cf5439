package portal

import (
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/portalsim/portalsim/internal/clientaddr"
	"github.com/portalsim/portalsim/internal/link"
)

// Session is one player connection on the portal (Evennia's PortalSession).
// Its sessid is fixed before any of its goroutines start.
type Session struct {
	h      *Handler
	sessid uint64
	proto  Protocol
	addr   string // the client's address key (clientaddr.Key of Protocol.Address: an IPv6 /64), fixed: the throttle's fairness and the per-address cap count by it
	// addrHeld: the session counts toward its address's cap
	// (Config.MaxSessionsPerAddress). Set in Handler.Connect before the
	// session is shared, read by its one close.
	addrHeld bool
	state    atomic.Int32
	// announced is set once a server has been sent this session's PCONN
	// (as opposed to it waiting in the hold buffer). Written by the uplink.
	announced atomic.Bool

	// unanswered counts the session's input messages no server has
	// processed yet (held, or sent and not acknowledged); the uplink
	// keeps it. draining is set once the client's input has ended and
	// the session waits for that count to reach zero; answered is
	// signalled when it does. See Handler.awaitAnswered.
	unanswered atomic.Int64
	draining   atomic.Bool
	answered   chan struct{}

	// inQueue and qseq (its place in the arrival order) are guarded by
	// the throttle's mutex.
	inQueue bool
	qseq    uint64

	// mu guards the fields below.
	mu        sync.Mutex
	data      link.SessionData
	pendingIn [][]link.Command // input typed while queued, delivered after release
	rate      rateWindow
	reason    CloseReason
	lastSync  time.Time   // when the last PCONNSYNC was sent (see Handler.Sync)
	syncTimer *time.Timer // a deferred PCONNSYNC, if one is due
	// loginTimer closes the session at Config.LoginTimeout; nil while logged in or closed.
	loginTimer *time.Timer
	loginGen   uint64 // counts login timers started: a stale one's callback knows it is stale
	// hold is where the session's PCONN stands while its protocol
	// negotiates (see Session.HoldConnect).
	hold connectHold
	// dirty holds the flags set on this side since the last PCONN or
	// PCONNSYNC; flagRev, for each flag set on this side, the SyncRev of
	// the PCONNSYNC that carried it last (see link.SessionData.SyncRev).
	dirty   map[string]struct{}
	flagRev map[string]uint64
	// webNonce is the browser login this websocket session holds or
	// started from (see browserLogins); 0 for none.
	webNonce uint64
}

// connectHold says whether a session's PCONN waits for its protocol's
// option negotiation (bug 5.14).
type connectHold uint8

const (
	holdNone     connectHold = iota // PCONN goes when the throttle releases the session
	holdWaiting                     // negotiating, not yet released: the release must wait
	holdReleased                    // released while negotiating: PCONN goes when negotiation ends
)

// HoldConnect makes the session's PCONN wait, once the connect throttle
// releases it, until [Handler.HandshakeDone]: so the server hears of the
// session with what negotiation learned (colours, window size, client)
// and renders its connection screen for it (bug 5.14). Call it before
// the session is admitted: from [SessionBinder.Bind].
//
// Until the PCONN goes, the session is as if still queued for the
// server: its input is kept for after the PCONN, Sync sends nothing (the
// PCONN carries the data) and closing it sends no PDISCONN.
func (s *Session) HoldConnect() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.State() == StateQueued {
		s.hold = holdWaiting
	}
}

// pconnSentLocked reports whether the server was sent (or holds) the
// session's PCONN: it was released and its PCONN not held back. s.mu must be held.
func (s *Session) pconnSentLocked() bool {
	switch s.State() {
	case StateConnected, StateLoggedIn:
		return s.hold != holdReleased
	}
	return false
}

// Sessid returns the session's id, unique for the portal run.
func (s *Session) Sessid() uint64 { return s.sessid }

// State returns the session's current state.
func (s *Session) State() SessionState { return SessionState(s.state.Load()) }

// Protocol returns the session's transport.
func (s *Session) Protocol() Protocol { return s.proto }

// Data returns a copy of the session's sync data.
func (s *Session) Data() link.SessionData {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dataLocked()
}

// dataLocked returns a copy of the sync data. s.mu must be held.
func (s *Session) dataLocked() link.SessionData {
	d := s.data
	d.ProtocolFlags = maps.Clone(d.ProtocolFlags)
	d.ServerData = maps.Clone(d.ServerData)
	return d
}

// CloseReason returns why the session closed, or ReasonNone.
func (s *Session) CloseReason() CloseReason {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reason
}

// SetFlags merges protocol flags (negotiation results, window size) into
// the session. Call [Handler.Sync] afterwards to tell the server.
func (s *Session) SetFlags(flags map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.data.ProtocolFlags == nil {
		s.data.ProtocolFlags = make(map[string]any, len(flags))
	}
	maps.Copy(s.data.ProtocolFlags, flags)
	if s.dirty == nil {
		s.dirty = make(map[string]struct{}, len(flags))
	}
	for k := range flags {
		s.dirty[k] = struct{}{}
	}
}

// setInitialFlags sets the flags a protocol starts its session with,
// before the session is admitted (in [SessionBinder.Bind]): the server
// has heard nothing of it, and its PCONN will carry every flag, so none
// is marked for a PCONNSYNC.
func (s *Session) setInitialFlags(flags map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	maps.Copy(s.data.ProtocolFlags, flags)
}

// announceLocked returns the data for the session's PCONN: every flag
// set so far goes with it, so none is dirty any more. s.mu must be held.
func (s *Session) announceLocked() link.SessionData {
	clear(s.dirty)
	return s.dataLocked()
}

// nextSyncLocked numbers a new PCONNSYNC and returns its data, whose
// protocol flags are only those set on this side since the last one (a
// flag it did not change must not overwrite a change the server made
// meanwhile; bug 5.15); they are recorded as carried by it. s.mu must be held.
func (s *Session) nextSyncLocked() link.SessionData {
	s.data.SyncRev++
	if len(s.dirty) > 0 && s.flagRev == nil {
		s.flagRev = make(map[string]uint64, len(s.dirty))
	}
	d := s.connSyncLocked()
	d.ProtocolFlags = make(map[string]any, len(s.dirty))
	for k := range s.dirty {
		s.flagRev[k] = s.data.SyncRev
		d.ProtocolFlags[k] = s.data.ProtocolFlags[k]
	}
	clear(s.dirty)
	return d
}

// Flag returns one protocol flag.
func (s *Session) Flag(name string) (any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.data.ProtocolFlags[name]
	return v, ok
}

// Close closes the session for reason, sending message to the client first
// (if not empty). Only the first call has an effect.
func (s *Session) Close(reason CloseReason, message string) {
	s.h.closeSession(s, reason, message)
}

// DataIn relays input from the client; see [Handler.DataIn].
func (s *Session) DataIn(cmds ...link.Command) { s.h.DataIn(s, cmds...) }

// Msg sends text to the client, bypassing the server.
func (s *Session) Msg(text string) {
	s.h.dispatch(s, []link.Command{link.Text(text)})
}

// loadLocked applies server-sent sync data: every field the server owns,
// with protocol flags merged (Evennia's load_sync_data), except a flag
// this side set later than the server had heard of (bug 5.15; see
// link.SessionData.SyncRev). s.mu must be held.
func (s *Session) loadLocked(d link.SessionData, loggedIn bool) {
	s.data.Uid = d.Uid
	s.data.Uname = d.Uname
	s.data.LoggedIn = loggedIn
	s.data.Puid = d.Puid
	if !d.CmdLast.IsZero() {
		s.data.CmdLast = d.CmdLast
	}
	if !d.CmdLastVisible.IsZero() {
		s.data.CmdLastVisible = d.CmdLastVisible
	}
	if d.CmdTotal != 0 {
		s.data.CmdTotal = d.CmdTotal
	}
	if d.CmdsetStorage != "" {
		s.data.CmdsetStorage = d.CmdsetStorage
	}
	if d.ServerData != nil {
		s.data.ServerData = maps.Clone(d.ServerData)
	}
	if len(d.ProtocolFlags) == 0 {
		return
	}
	if s.data.ProtocolFlags == nil {
		s.data.ProtocolFlags = map[string]any{}
	}
	for k, v := range d.ProtocolFlags {
		if _, ok := s.dirty[k]; ok || s.flagRev[k] > d.SyncRev {
			s.h.stats.syncStale.Add(1)
			continue // ours is newer; the server gets it by a PCONNSYNC
		}
		s.data.ProtocolFlags[k] = v
	}
}

// connSyncLocked returns the protocol-side subset sent by PCONNSYNC
// (Evennia leaves out the fields the server owns). s.mu must be held.
func (s *Session) connSyncLocked() link.SessionData {
	return link.SessionData{
		Sessid:        s.sessid,
		ProtocolKey:   s.data.ProtocolKey,
		Address:       s.data.Address,
		Csessid:       s.data.Csessid,
		ConnTime:      s.data.ConnTime,
		Seq:           s.data.Seq,
		SyncRev:       s.data.SyncRev,
		ProtocolFlags: maps.Clone(s.data.ProtocolFlags),
		ServerData:    maps.Clone(s.data.ServerData),
	}
}

func newSession(h *Handler, sessid uint64, p Protocol, now time.Time) *Session {
	addr := p.Address()
	s := &Session{h: h, sessid: sessid, proto: p, addr: clientaddr.Key(addr), answered: make(chan struct{}, 1)}
	flags := make(map[string]any, 16) // room for a protocol's initial flags (telnet's 11) without growing
	flags["ENCODING"] = "utf-8"
	s.data = link.SessionData{
		Sessid:         sessid,
		ProtocolKey:    p.Key(),
		Address:        addr, // the client's, to show, log or ban; s.addr is the key it counts under
		ConnTime:       now,
		CmdLast:        now,
		CmdLastVisible: now,
		ProtocolFlags:  flags,
	}
	return s
}

// pconnSent is pconnSentLocked for a caller without s.mu.
func (s *Session) pconnSent() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pconnSentLocked()
}
