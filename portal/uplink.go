package portal

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/portalsim/portalsim/internal/link"
)

// ModeReconnect is the restart mode the portal reports when a game server
// connects after the previous link was lost without a reload, reset or
// shutdown being announced (a crash, a kill, a network blip; bug 5.20).
const ModeReconnect = "reconnect"

// linkState is the uplink's state.
//
//	linkNone    -> linkSyncing  a server said hello and PSYNC
//	linkSyncing -> linkLive     the PSYNC reply and the held messages went out
//	linkLive    -> linkHolding  the server announced a reload, reset or shutdown
//	any         -> linkNone     the link was lost
type linkState int

const (
	linkNone linkState = iota
	linkSyncing
	linkLive
	linkHolding
)

// held is one message waiting for a game server, or sent and not yet
// acknowledged by it.
type held struct {
	msg  link.Message
	sess *Session // the session a PCONN announces; nil otherwise
	n    uint64   // for unacknowledged messages: its number on the link
}

// uplink is the portal's side of the game-server link. While no server is
// live, messages are held in order (input bounded by HoldLimit) and
// replayed after the next PSYNC.
//
// Delivery is at least once: every message sent to a server is kept until
// the server acknowledges having processed it (OpAck). If the link dies
// first (a killed server), the unacknowledged messages go back to the
// front of the hold buffer and the next server gets them.
type uplink struct {
	log   *slog.Logger
	runID string
	limit int

	// attachMu serializes attach: one server at a time takes over.
	attachMu sync.Mutex

	// mu guards the fields below.
	mu        sync.Mutex
	state     linkState
	conn      *link.Conn
	connDone  <-chan struct{} // closed when conn's reader has processed everything
	mode      string          // restart mode to report at the next PSYNC
	hold      []held
	heldInput int
	sentN     uint64 // messages sent on the current link
	unacked   []held // replayable messages sent and not yet acknowledged, oldest first
	peer      link.Hello
	serverPID int
}

func newUplink(log *slog.Logger, runID string, limit int) *uplink {
	return &uplink{log: log.With("component", "portal.link"), runID: runID, limit: limit, mode: link.ModeShutdown}
}

// send delivers m to the live server or holds it. s, for a PCONN, is the session it announces.
func (u *uplink) send(m link.Message, s *Session) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.sendLocked(m, s)
}

// sendInput is send for player input, which the hold limit bounds; false means refused.
func (u *uplink) sendInput(m link.Message) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.state != linkLive && u.heldInput >= u.limit {
		return false
	}
	if u.state != linkLive {
		u.heldInput++
	}
	u.sendLocked(m, nil)
	return true
}

// sendLocked sends or holds. u.mu must be held.
func (u *uplink) sendLocked(m link.Message, s *Session) {
	if u.state == linkLive {
		if err := u.sendRawLocked(u.conn, m); err == nil {
			if s != nil {
				s.announced.Store(true)
			}
			u.unacked = append(u.unacked, held{msg: m, sess: s, n: u.sentN})
			return
		}
		// The link just died; the reader will notice. Keep the message.
	}
	u.hold = append(u.hold, held{msg: m, sess: s})
}

// sendRawLocked sends m on c and counts it. Every message to a server goes
// through here, so the count matches the server's. u.mu must be held.
func (u *uplink) sendRawLocked(c *link.Conn, m link.Message) error {
	if err := c.Send(m); err != nil {
		return err
	}
	u.sentN++
	return nil
}

// reply sends a message that is not replayed if lost (errors, acknowledgements).
func (u *uplink) reply(c *link.Conn, m link.Message) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.conn == c {
		_ = u.sendRawLocked(c, m)
	}
}

// ack drops the messages the server has processed.
func (u *uplink) ack(c *link.Conn, n uint64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.conn != c {
		return
	}
	i := 0
	for i < len(u.unacked) && u.unacked[i].n <= n {
		i++
	}
	clear(u.unacked[:i])
	u.unacked = u.unacked[i:]
	if len(u.unacked) == 0 {
		u.unacked = nil
	}
}

// heldCount is how many messages wait for a server.
func (u *uplink) heldCount() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.hold)
}

// connected reports whether a server is live.
func (u *uplink) connected() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.state == linkLive
}

// takeoverWait bounds how long a new server waits for the old link to
// deliver what its server sent last (the acknowledgement and SSYNC of a
// reload) before the old link is cut.
var takeoverWait = 5 * time.Second

// attach makes c the server link. An older link still open is first
// given time to finish (a reloading server's last messages must be
// applied before the new server's), then closed.
func (u *uplink) attach(c *link.Conn, done <-chan struct{}, peer link.Hello) {
	u.attachMu.Lock()
	defer u.attachMu.Unlock()
	u.mu.Lock()
	old, oldDone := u.conn, u.connDone
	u.mu.Unlock()
	if old != nil {
		select {
		case <-oldDone:
		case <-time.After(takeoverWait):
			u.log.Warn("link.replaced", "old", old.RemoteAddr(), "new", c.RemoteAddr())
			_ = old.Close()
			<-oldDone
		}
	}
	u.mu.Lock()
	u.conn, u.connDone = c, done
	u.peer = peer
	u.state = linkNone // until its PSYNC
	u.sentN = 0
	u.mu.Unlock()
}

// detach forgets c if it is still the current link.
func (u *uplink) detach(c *link.Conn, err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.conn != c {
		return
	}
	u.conn = nil
	u.state = linkNone
	if u.mode == "" {
		u.mode = ModeReconnect
	}
	n := len(u.unacked)
	u.requeueLocked()
	u.log.Info("link.lost", "err", err, "held", len(u.hold), "unacked", n, "mode", u.mode)
}

// requeueLocked puts the unacknowledged messages back in front of the hold
// buffer, in order. A session whose PCONN is among them is announced again
// by that PCONN, not by the next snapshot. u.mu must be held.
func (u *uplink) requeueLocked() {
	if len(u.unacked) == 0 {
		return
	}
	for _, m := range u.unacked {
		if m.sess != nil {
			m.sess.announced.Store(false)
		}
		if m.msg.Op == link.OpDataIn {
			u.heldInput++
		}
	}
	u.hold = append(u.unacked, u.hold...)
	u.unacked = nil
}

// syncServer answers a server's PSYNC: the restart mode and every
// announced session, then every held message in order, then goes live.
// Sessions whose PCONN is still held are left out of the snapshot: their
// PCONN follows, so the new server shows them the login screen (bug 5.5).
func (u *uplink) syncServer(c *link.Conn, h *Handler, info map[string]any) error {
	u.mu.Lock()
	if u.conn != c {
		u.mu.Unlock()
		return link.ErrClosed
	}
	u.state = linkSyncing // everything sent from now is held
	u.mu.Unlock()

	var snap []link.SessionData
	for _, s := range h.Sessions() {
		if !s.announced.Load() {
			continue
		}
		s.mu.Lock()
		if st := s.State(); st == StateConnected || st == StateLoggedIn {
			snap = append(snap, s.dataLocked())
		}
		s.mu.Unlock()
	}

	u.mu.Lock()
	defer u.mu.Unlock()
	if u.conn != c {
		return link.ErrClosed
	}
	if pid, ok := info["pid"].(float64); ok {
		u.serverPID = int(pid)
	}
	mode := u.mode
	err := u.sendRawLocked(c, link.Message{Op: link.OpPortalSync, Mode: mode, Sessions: snap, Info: map[string]any{
		"portal_pid": os.Getpid(), "portal_start": h.started.Format(time.RFC3339Nano), "run_id": u.runID,
	}})
	if err != nil {
		return err
	}
	n := len(u.hold)
	for i, m := range u.hold {
		if err := u.sendRawLocked(c, m.msg); err != nil {
			u.hold = u.hold[i:] // the link died; keep what is left held
			return err
		}
		if m.sess != nil {
			m.sess.announced.Store(true)
		}
		if m.msg.Op == link.OpDataIn {
			u.heldInput--
		}
		m.n = u.sentN
		u.unacked = append(u.unacked, m)
	}
	clear(u.hold)
	u.hold = nil
	u.heldInput = 0
	u.state = linkLive
	u.mode = ""
	u.log.Info("link.synced", "sessions", len(snap), "replayed", n, "mode", mode, "server_pid", u.serverPID)
	return nil
}

// holdFor stops sending to c because its server announced a restart or
// stop, and acknowledges with the same operation: nothing the portal
// sends after the acknowledgement reaches that server.
func (u *uplink) holdFor(c *link.Conn, op link.Op, mode string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.conn != c {
		return
	}
	u.mode = mode
	if u.state == linkLive {
		_ = u.sendRawLocked(c, link.Message{Op: op, Mode: mode})
	}
	u.state = linkHolding
}

// sendControl sends an operation to the live server; false if none is live.
func (u *uplink) sendControl(m link.Message) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.conn == nil {
		return false
	}
	return u.sendRawLocked(u.conn, m) == nil
}

// flush waits until everything sent to the current link was written.
func (u *uplink) flush(ctx context.Context) error {
	u.mu.Lock()
	c := u.conn
	u.mu.Unlock()
	if c == nil {
		return nil
	}
	if err := c.Flush(ctx); err != nil && ctx.Err() != nil {
		return err
	}
	return nil // a link that closed meanwhile has nothing left to flush
}

// closeLink closes the current link, if any.
func (u *uplink) closeLink() {
	u.mu.Lock()
	c := u.conn
	u.mu.Unlock()
	if c != nil {
		_ = c.Close()
	}
}
