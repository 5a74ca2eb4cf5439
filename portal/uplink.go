package portal

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"sync/atomic"
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
//	linkLive    -> linkStalled  the server said nothing for Config.LinkTimeout
//	linkStalled -> linkLive     it spoke again; what was held meanwhile went out
//	any         -> linkNone     the link was lost
//
// While stalled, the portal holds what it would send, as with no server,
// and a new server may take the link without a takeover token.
type linkState int

const (
	linkNone linkState = iota
	linkSyncing
	linkLive
	linkHolding
	linkStalled
)

func (s linkState) String() string {
	switch s {
	case linkNone:
		return "none"
	case linkSyncing:
		return "syncing"
	case linkLive:
		return "live"
	case linkHolding:
		return "holding"
	case linkStalled:
		return "stalled"
	}
	return "linkState(?)"
}

// sendResult is what became of a message handed to the uplink.
type sendResult int

const (
	sentLive    sendResult = iota // sent to the live server
	sentHeld                      // held for the next server
	sentDropped                   // could not be encoded: dropped, counted and logged
)

// uplink is the portal's side of the game-server link. While no server is
// live, messages are held in order (input bounded by HoldLimit) and
// replayed after the next PSYNC. At most one PCONNSYNC per session waits
// in the hold (see sendSync), and at most one PCONN and PDISCONN: with
// input bounded by HoldLimit, the hold is bounded by the sessions.
//
// A message that cannot be encoded is dropped (counted, logged) rather
// than held: no server could ever take it, and holding it would put it
// behind later messages of its session that went out live.
//
// Delivery is link.Outbox's promise: every message for a server is kept
// until a server acknowledges having processed it (OpAck, Message.Ack).
// If the link dies first (a killed server), what was sent and not
// acknowledged is held again, in front, and the next server gets it. The
// held messages are the outbox's entries not sent on the current link.
type uplink struct {
	log       *slog.Logger
	limit     int // most input messages held (Config.HoldLimit)
	byteLimit int // most bytes of input held (Config.HoldBytes)

	// attachSem (capacity 1) serializes attach: one server at a time
	// takes over. A channel, so that deliver can wait for it bounded by a context.
	attachSem chan struct{}

	encodeDropped atomic.Uint64 // messages that could not be encoded
	stalled       atomic.Bool   // the state is linkStalled, for the link reader's fast path
	stalls        atomic.Uint64 // times a linked server went silent
	refused       atomic.Uint64 // link connections refused before they authenticated
	busy          atomic.Uint64 // authenticated servers refused: another was linked

	// mu guards the fields below.
	mu       sync.Mutex
	state    linkState
	conn     *link.Conn
	connDone <-chan struct{} // closed when conn's reader has processed everything
	changed  chan struct{}   // closed and replaced when state or conn changes
	mode     string          // restart mode to report at the next PSYNC
	// out keeps what is held and what was sent and not yet acknowledged
	// (Meta: the session a PCONN announces, or whose input a DATAIN
	// carries; see announces); in counts what the portal
	// processed of the server's messages, by link.
	out       link.Outbox[*Session]
	in        link.Inbox
	keptInput int                          // DATAIN messages in out
	keptBytes int                          // their size (inputBytes)
	heldSync  map[uint64]*link.SessionData // the data of the PCONNSYNC held for a session
	peer      link.Hello
	takeover  string     // the token a reloading server's successor presents; "" if none was given
	reserved  *link.Conn // an admitted server's link, until it attaches
}

func newUplink(log *slog.Logger, limit, byteLimit int) *uplink {
	u := &uplink{
		log: log.With("component", "portal.link"), limit: limit, byteLimit: byteLimit, mode: link.ModeShutdown,
		attachSem: make(chan struct{}, 1),
		changed:   make(chan struct{}),
		heldSync:  make(map[uint64]*link.SessionData),
	}
	u.out.Park = true // a server can die before it resends (see link.Outbox.Park)
	u.out.Forget = func(e *link.Entry[*Session]) { u.countInputLocked(e.Msg, e.Meta, -1) }
	return u
}

// notifyLocked wakes whoever waits for the state or the conn to change
// (deliver). u.mu must be held.
func (u *uplink) notifyLocked() {
	close(u.changed)
	u.changed = make(chan struct{})
}

// announces returns the session e's PCONN announces, or nil if e is no PCONN.
func announces(e *link.Entry[*Session]) *Session {
	if e.Msg.Op != link.OpPortalConnect {
		return nil
	}
	return e.Meta
}

// send delivers m to the live server or holds it. s, for a PCONN, is the session it announces.
func (u *uplink) send(m link.Message, s *Session) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.sendLocked(m, s)
}

// countInputLocked counts m in (sign +1) or out of (-1) the kept input,
// if it is input, and in or out of its session's (s, if not nil) input
// not yet processed by a server. u.mu must be held.
func (u *uplink) countInputLocked(m link.Message, s *Session, sign int) {
	if m.Op == link.OpDataIn {
		u.keptInput += sign
		u.keptBytes += sign * inputBytes(m.Data)
		if s != nil {
			s.countUnanswered(sign)
		}
	}
}

// inputBytes is about how much memory input takes while held: its text
// and names, and a little for each command and argument.
func inputBytes(cmds []link.Command) int {
	n := 0
	for _, c := range cmds {
		n += 32 + len(c.Name)
		for _, a := range c.Args {
			n += 16
			if s, ok := a.(string); ok {
				n += len(s)
			}
		}
		for k, v := range c.Kwargs {
			n += 16 + len(k)
			if s, ok := v.(string); ok {
				n += len(s)
			}
		}
	}
	return n
}

// sendInput is send for player input from s, which the hold limits
// bound (in messages and in bytes); false means refused. The message
// counts toward s's input not yet processed until a server processed it.
func (u *uplink) sendInput(m link.Message, s *Session) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.state != linkLive && (u.keptInput >= u.limit || u.keptBytes+inputBytes(m.Data) > u.byteLimit) {
		return false
	}
	u.sendLocked(m, s)
	return true
}

// sendSync is send for a PCONNSYNC. At most one per session waits in the
// hold: while one is held, a newer one is merged into it in place (its
// fields replace the held ones, its protocol flags, which are only those
// changed since the previous PCONNSYNC, are added to the held ones; the
// merge still follows the session's PCONN), and merged is true.
func (u *uplink) sendSync(m link.Message) (merged bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if d := u.heldSync[m.Sessid]; d != nil {
		flags := maps.Clone(d.ProtocolFlags)
		if flags == nil {
			flags = make(map[string]any, len(m.Session.ProtocolFlags))
		}
		maps.Copy(flags, m.Session.ProtocolFlags)
		*d = *m.Session
		d.ProtocolFlags = flags
		return true
	}
	if u.sendLocked(m, nil) == sentHeld {
		u.heldSync[m.Sessid] = m.Session
	}
	return false
}

// sendLocked sends or holds, and keeps what it sent, with s (the
// session of a PCONN or a DATAIN) as its Meta. u.mu must be held.
func (u *uplink) sendLocked(m link.Message, s *Session) sendResult {
	if u.state == linkLive {
		err := u.conn.Send(m)
		if err == nil {
			if s != nil && m.Op == link.OpPortalConnect {
				s.announced.Store(true)
			}
			u.out.Sent(m, s)
			u.countInputLocked(m, s, +1)
			return sentLive
		}
		if !u.conn.Lost(err) {
			u.dropLocked(m.Op, m.Sessid, err)
			return sentDropped
		}
		// The link just died; the reader will notice. Keep the message.
	}
	u.out.Keep(m, s)
	u.countInputLocked(m, s, +1)
	return sentHeld
}

// dropLocked counts and logs a message that could not be encoded. u.mu must be held.
func (u *uplink) dropLocked(op link.Op, sessid uint64, err error) {
	u.encodeDropped.Add(1)
	u.log.Error("link.encode.dropped", "op", op, "sessid", sessid, "err", err)
}

// forgetSyncLocked forgets m as the PCONNSYNC held for its session, once
// it left the hold. u.mu must be held.
func (u *uplink) forgetSyncLocked(m link.Message) {
	if m.Op == link.OpPortalConnSync && m.Session != nil && u.heldSync[m.Sessid] == m.Session {
		delete(u.heldSync, m.Sessid)
	}
}

// sendRawLocked sends m on c, not to be sent again, and numbers it:
// every message to a server is numbered, so the count matches the
// server's. u.mu must be held.
func (u *uplink) sendRawLocked(c *link.Conn, m link.Message) error {
	if err := c.Send(m); err != nil {
		return err
	}
	u.out.Count()
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

// ackServer tells the live server how many of its messages on c the
// portal has processed, so that it can forget them; false if c is not
// live or nothing new was processed.
func (u *uplink) ackServer(c *link.Conn) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.conn != c || u.state != linkLive || !u.in.AckDue() {
		return false
	}
	due, seen := u.in.AckState()
	if u.sendRawLocked(c, link.Message{Op: link.OpAck, Seen: seen}) != nil {
		return false
	}
	u.in.AckedTo(due)
	return true
}

// ack forgets the messages the server has processed.
func (u *uplink) ack(c *link.Conn, n uint64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.conn == c {
		u.out.Ack(n)
	}
}

// received counts a message from the server on c, processed.
func (u *uplink) received(op link.Op) { u.in.Received(op) }

// heldCount is how many messages wait for a server.
func (u *uplink) heldCount() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.out.Unsent()
}

// heldInputBytes is the size of the held input (see inputBytes).
func (u *uplink) heldInputBytes() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.keptBytes
}

// unackedCount is how many messages were sent to the server and not yet
// acknowledged by it.
func (u *uplink) unackedCount() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.out.Unacked()
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
var takeoverWait = 3 * time.Second // below a server's default PortalTimeout (5 s): the successor waits unheard meanwhile

// errServerLinked refuses a second game server.
var errServerLinked = errors.New("another game server is linked to this portal")

// admit decides whether an authenticated server may link on c, and
// reserves the link for it: while a server is linked or another has the
// reservation, only the successor that presents the takeover token (see
// mintTakeoverLocked) may come in. The admitted server then attaches
// (attach), or the reservation is released (release).
func (u *uplink) admit(c *link.Conn, peer link.Hello) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	successor := u.takeover != "" && subtle.ConstantTimeCompare([]byte(peer.Takeover), []byte(u.takeover)) == 1
	linked := u.conn != nil && u.state != linkStalled // a stalled server may be replaced
	if (linked || u.reserved != nil) && !successor {
		if u.conn != nil {
			return fmt.Errorf("%w (pid %d, from %v)", errServerLinked, u.peer.PID, u.conn.RemoteAddr())
		}
		return fmt.Errorf("%w (from %v, linking now)", errServerLinked, u.reserved.RemoteAddr())
	}
	if successor {
		u.takeover = "" // spent
	}
	u.reserved = c
	return nil
}

// release gives up c's reservation, if it still has it: its handshake
// failed after it was admitted.
func (u *uplink) release(c *link.Conn) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.reserved == c {
		u.reserved = nil
	}
}

// errSuperseded closes an admitted link whose reservation a successor took.
var errSuperseded = errors.New("a reloading server's successor took the link")

// attach makes c, admitted, the server link. An older link still open
// is first given time to finish (a reloading server's last messages must
// be applied before the new server's), then closed.
func (u *uplink) attach(c *link.Conn, done <-chan struct{}, peer link.Hello, linkN uint64) error {
	u.attachSem <- struct{}{}
	defer func() { <-u.attachSem }()
	u.mu.Lock()
	if u.reserved != c {
		u.mu.Unlock()
		return errSuperseded
	}
	old, oldDone := u.conn, u.connDone
	oldStalled := u.state == linkStalled
	u.mu.Unlock()
	if old != nil && oldStalled {
		u.log.Warn("link.replaced", "old", old.RemoteAddr(), "new", c.RemoteAddr(), "reason", "the old server is not responding")
		_ = old.Close()
		<-oldDone
	} else if old != nil {
		select {
		case <-oldDone:
		case <-time.After(takeoverWait):
			u.log.Warn("link.replaced", "old", old.RemoteAddr(), "new", c.RemoteAddr())
			_ = old.Close()
			<-oldDone
		}
	}
	u.mu.Lock()
	u.reserved = nil
	u.takeover = "" // a token is for the successor of the server linked when it was given
	u.conn, u.connDone = c, done
	u.peer = peer
	u.state = linkNone // until its PSYNC
	u.out.Attach(linkN)
	u.notifyLocked()
	u.mu.Unlock()
	return nil
}

// mintTakeoverLocked returns a new takeover token for the linked
// server's successor, replacing any earlier one. u.mu must be held.
func (u *uplink) mintTakeoverLocked() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	u.takeover = hex.EncodeToString(b[:])
	return u.takeover
}

// detach forgets c if it is still the current link. What was sent on it
// and not acknowledged is held again, in front: a session whose PCONN
// is among it is announced again by that PCONN, not by the next snapshot.
func (u *uplink) detach(c *link.Conn, err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.conn != c {
		return
	}
	u.in.End(u.out.Link())
	n := u.out.Unacked()
	u.out.Detach()
	u.out.Each(func(e *link.Entry[*Session]) {
		if s := announces(e); s != nil {
			s.announced.Store(false)
		}
	})
	u.conn = nil
	u.state = linkNone
	u.stalled.Store(false)
	if u.mode == "" {
		u.mode = ModeReconnect
	}
	u.notifyLocked()
	u.log.Info("link.lost", "err", err, "held", u.out.Unsent(), "unacked", n, "mode", u.mode)
}

// syncServer answers a server's PSYNC (req): the restart mode and every
// announced session, then every held message in order, then goes live.
// Sessions whose PCONN is still held are left out of the snapshot: their
// PCONN follows, so the new server shows them the login screen (bug 5.5).
// A held message, or a session's data, that cannot be encoded is dropped
// (counted, logged) and the rest goes on: it would fail at every sync.
//
// A server that kept running while its link was cut names the lost link
// and how many messages it processed there: those are not replayed (they
// would run twice), and the reply says how many of the server's messages
// on its link the portal processed, so the server resends the rest (bug 5.20).
func (u *uplink) syncServer(c *link.Conn, h *Handler, req link.Message) error {
	u.mu.Lock()
	if u.conn != c {
		u.mu.Unlock()
		return link.ErrClosed
	}
	if u.state != linkNone {
		st := u.state
		u.mu.Unlock()
		return fmt.Errorf("a second PSYNC on the link (state %v)", st)
	}
	u.state = linkSyncing // everything sent from now is held
	u.notifyLocked()
	u.resumeLocked(req.Link, req.Seen)
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
	mode := u.mode
	psync := link.Message{Op: link.OpPortalSync, Mode: mode, Sessions: snap}
	if seen, ok := u.in.ProcessedOn(req.Link); ok {
		psync.Link, psync.Seen = req.Link, seen
	}
	err := u.sendRawLocked(c, psync)
	if err != nil && !c.Lost(err) {
		psync.Sessions = u.encodableLocked(snap)
		err = u.sendRawLocked(c, psync)
	}
	if err != nil {
		return err
	}
	u.out.Replied() // the server resends its answers to the resumed messages before it acknowledges the reply
	n := u.out.Unsent()
	if err := u.flushHoldLocked(c); err != nil {
		return err
	}
	u.state = linkLive
	u.mode = ""
	u.notifyLocked()
	u.log.Info("link.synced", "sessions", len(psync.Sessions), "replayed", n, "mode", mode, "server_pid", u.peer.PID)
	return nil
}

// flushHoldLocked sends every held message to c, in order, and keeps
// each as unacknowledged, until none is held, or until the link dies
// (what is left stays held; the error says why). A held message that
// cannot be encoded is dropped (counted, logged): it would fail at every
// sync. u.mu must be held.
func (u *uplink) flushHoldLocked(c *link.Conn) error {
	held := u.out.Take()
	for i, e := range held {
		err := c.Send(e.Msg)
		if err != nil && c.Lost(err) {
			for _, rest := range held[i:] {
				u.out.KeepEntry(rest) // the link died; keep what is left held
			}
			return err
		}
		u.forgetSyncLocked(e.Msg)
		if err != nil {
			u.countInputLocked(e.Msg, e.Meta, -1)
			u.dropLocked(e.Msg.Op, e.Msg.Sessid, err)
			continue
		}
		if s := announces(&e); s != nil {
			s.announced.Store(true)
		}
		u.out.Resent(e)
	}
	clear(u.heldSync)
	return nil
}

// stall marks c's server unresponsive: from now on what the portal would
// send it is held. False if c is not the live link (nothing changed).
func (u *uplink) stall(c *link.Conn) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.conn != c || u.state != linkLive {
		return false
	}
	u.state = linkStalled
	u.stalled.Store(true)
	u.stalls.Add(1)
	u.notifyLocked()
	return true
}

// unstall makes c's stalled server live again, now that it spoke, and
// sends it what was held meanwhile. False if c was not stalled.
func (u *uplink) unstall(c *link.Conn) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.conn != c || u.state != linkStalled {
		return false
	}
	u.stalled.Store(false)
	n := u.out.Unsent()
	if err := u.flushHoldLocked(c); err != nil {
		return false // the link died; its reader will detach it
	}
	u.state = linkLive
	u.notifyLocked()
	u.log.Info("link.server.responding", "replayed", n)
	return true
}

// heartbeat tells c's server the portal is alive (an ACK of what it
// processed), once it is synced and unless it announced a restart:
// nothing reaches it after its acknowledgement. False if nothing was sent.
func (u *uplink) heartbeat(c *link.Conn) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	// Not before the PSYNC reply either: the server resumes by the count
	// of messages after it.
	if u.conn != c || (u.state != linkLive && u.state != linkStalled) {
		return false
	}
	return u.sendRawLocked(c, link.Message{Op: link.OpAck, Seen: u.in.Processed()}) == nil
}

// resumeLocked takes a relinking server's word that it processed n
// messages of link lnk, before that link was cut: those are not sent
// again, and a PCONN among them has announced its session. They stay
// parked until the server acknowledges the PSYNC reply (see
// link.Outbox.Park). u.mu must be held.
func (u *uplink) resumeLocked(lnk, n uint64) {
	done := u.out.Resume(lnk, n)
	for _, e := range done {
		if s := announces(&e); s != nil {
			s.announced.Store(true)
		}
		u.forgetSyncLocked(e.Msg)
	}
	if len(done) > 0 {
		u.log.Info("link.resumed", "link", lnk, "server_seen", n, "skipped", len(done))
	}
}

// encodableLocked returns the snapshot without the sessions whose data
// cannot be encoded, which it drops (counted, logged). u.mu must be held.
func (u *uplink) encodableLocked(snap []link.SessionData) []link.SessionData {
	out := snap[:0:0]
	for _, d := range snap {
		if _, err := link.AppendFrame(nil, link.Message{Op: link.OpPortalSync, Sessions: []link.SessionData{d}}); err != nil {
			u.dropLocked(link.OpPortalSync, d.Sessid, err)
			continue
		}
		out = append(out, d)
	}
	return out
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
		ack := link.Message{Op: op, Mode: mode}
		if op == link.OpServerReload || op == link.OpServerReset {
			ack.Takeover = u.takeover // the one the portal's own request carried, if it made one
			if ack.Takeover == "" {
				ack.Takeover = u.mintTakeoverLocked()
			}
		}
		_ = u.sendRawLocked(c, ack)
	}
	u.state = linkHolding
	u.notifyLocked()
}

// sendControl sends an operation to the live server; false if none is
// live. It neither holds the operation (it is meant for the server linked
// now) nor sends it to a server that is syncing or has announced a
// restart or stop (holdFor's promise: nothing reaches that server after
// its acknowledgement).
func (u *uplink) sendControl(m link.Message) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.state != linkLive {
		u.log.Warn("link.control.refused", "op", m.Op, "state", u.state)
		return false
	}
	if m.Op == link.OpServerReload || m.Op == link.OpServerReset {
		m.Takeover = u.mintTakeoverLocked()
	}
	return u.sendRawLocked(u.conn, m) == nil
}

// deliver waits, bounded by ctx, until what was sent or held has reached
// a server that can take it, for a graceful shutdown:
//
//   - a takeover in progress (a new server attaching while the old link
//     finishes) is waited for;
//   - a server linked but not yet synced is waited for until its PSYNC,
//     which replays the hold, or until its link is lost;
//   - then the live link is flushed.
//
// With no server linked, or one that announced a restart or stop and no
// new server attaching, it returns at once: no server can take the hold
// before Close, which drops it (see discard). A server whose link was not
// yet accepted, or still in its handshake, is not waited for.
func (u *uplink) deliver(ctx context.Context) error {
	select {
	case u.attachSem <- struct{}{}:
		<-u.attachSem
	case <-ctx.Done():
		return ctx.Err()
	}
	for {
		u.mu.Lock()
		c, st, changed := u.conn, u.state, u.changed
		u.mu.Unlock()
		switch {
		case c == nil || st == linkHolding || st == linkStalled:
			return nil
		case st == linkLive:
			if err := c.Flush(ctx); err != nil && ctx.Err() != nil {
				return err
			}
			return nil // a link that closed meanwhile has nothing left to flush
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// discard drops what is still held or unacknowledged when the portal
// closes (no server will take it), with one log line saying how much.
func (u *uplink) discard() {
	u.mu.Lock()
	defer u.mu.Unlock()
	n, unacked := 0, u.out.Unacked()
	u.out.Each(func(e *link.Entry[*Session]) {
		// The shutdown's own PDISCONNALL and SSHUTD matter to no one once
		// the portal is gone; anything else was lost.
		if op := e.Msg.Op; op != link.OpPortalDisconnectAll && op != link.OpServerShutdown {
			n++
		}
	})
	if n > 0 {
		u.log.Warn("link.held.dropped", "messages", n, "input", u.keptInput, "unacked", unacked)
	}
	u.out.Reset()
	clear(u.heldSync)
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
