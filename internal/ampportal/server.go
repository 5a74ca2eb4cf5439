package ampportal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/portalsim/portalsim/internal/amp"
	"github.com/portalsim/portalsim/internal/ampbridge"
	"github.com/portalsim/portalsim/internal/link"
)

// serverConn is one Evennia Server connection and its link to the
// portal. The loop owns it.
type serverConn struct {
	b    *Bridge
	amp  *ampConn
	link *link.Conn // nil until the handshake is done
	// pending is what the Server said before the link was up, and
	// pendingBytes the size of the boxes it came in.
	pending      []link.Message
	pendingBytes int
	// psyncTag is the ask of the Server's PSYNC (nil if it asked for no
	// answer): answered after the portal's reply went to the Server, as
	// Evennia's Portal does.
	psyncTag []byte
	synced   bool // the portal's PSYNC reply went to the Server

	in      link.Inbox
	waiting []*waitIn          // the portal's messages, in order, until Evennia answered them
	asks    map[uint64]*waitIn // by the tag of each box they became

	// requested is the restart mode announced to the portal ("" none);
	// launcherAsked says the launcher asked for it (and restarts the
	// Server itself); onGone runs when the Server's connection closes.
	requested     string
	launcherAsked bool
	onGone        []func()
	// lost says the portal closed the link: the portal is going, and
	// what the Server asked for is not done.
	lost bool

	said time.Time     // when the link was last written to
	beat time.Duration // heartbeat interval the portal wants
}

// waitIn is one message from the portal waiting for Evennia's answers.
// A message whose box could not be written never settles: the link then
// ends with it unacknowledged, and the portal gives it to the next Server.
type waitIn struct {
	op      link.Op
	open    int // boxes not yet answered
	applied []link.SessionData
	at      time.Time
}

// serverBox takes an Admin or Msg command of an Evennia Server.
func (b *Bridge) serverBox(c *ampConn, box amp.Box) {
	tag := box.Tag()
	p, err := b.codec.payloadOf(box)
	switch {
	case errors.Is(err, errArguments):
		// As Twisted: arguments that do not parse end the connection.
		b.stats.refused.Add(1)
		b.log.Warn("amp.server.arguments", "conn", c.id, "err", err)
		c.fail(tag, amp.ErrorCodeUnknown, "Unknown Error")
		c.finish()
		return
	case err != nil:
		// As Evennia's responder, which unpickles: an error, the link stays.
		b.refuse(c, tag, err)
		return
	}
	if p.Admin != nil && p.Admin.Op == amp.OpPortalSync {
		b.serverSync(c, p, tag)
		return
	}
	s := b.server
	if s == nil || s.amp != c {
		b.refuse(c, tag, errors.New("the Server has not sent PSYNC on this connection"))
		return
	}
	m, err := b.tr.FromServer(p)
	if err != nil {
		b.stats.translateErrors.Add(1)
		b.refuse(c, tag, err)
		return
	}
	s.fromEvennia(m, box.Size())
	c.answer(tag)
}

// serverSync takes a Server's PSYNC: the Server says who it is, and
// the bridge links it to the portal. A new Server takes the place of
// the one before it, as in Evennia.
func (b *Bridge) serverSync(c *ampConn, p ampbridge.Payload, tag []byte) {
	if old := b.server; old != nil {
		if old.amp == c {
			b.refuse(c, tag, errors.New("a second PSYNC on the connection"))
			return
		}
		b.log.Warn("amp.server.replaced", "old", old.amp.id, "new", c.id)
		old.amp.close()
		b.serverGone(old)
	}
	if _, err := b.tr.FromServer(p); err != nil {
		b.stats.translateErrors.Add(1)
		b.refuse(c, tag, err)
		return
	}
	s := &serverConn{b: b, amp: c, psyncTag: bytes.Clone(tag), asks: make(map[uint64]*waitIn)}
	b.server = s
	c.max = serverQueueMax
	c.serverLimits.Store(true) // its next boxes may be as large as the Server's are
	b.log.Info("amp.server.connected", "conn", c.id, "spid", b.tr.ServerPID)
	mine := link.Hello{PID: int(b.tr.ServerPID), Started: time.Now(), Takeover: b.takeover}
	s.dial(mine)
}

// dialTimeout bounds the connect and the handshake to the portal.
const dialTimeout = 10 * time.Second

// dial links s to the portal in the background.
func (s *serverConn) dial(mine link.Hello) {
	b := s.b
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
		defer cancel()
		go func() { // Close does not wait out the dial
			select {
			case <-b.stop:
				cancel()
			case <-ctx.Done():
			}
		}()
		ev := event{up: s}
		var d net.Dialer
		nc, err := d.DialContext(ctx, "tcp", b.cfg.PortalLink)
		if err == nil {
			lc := link.NewConn(nc, link.Config{})
			if ev.upHello, err = lc.ServerHandshake(ctx, b.cfg.LinkSecret, mine); err != nil {
				_ = lc.Close()
			} else {
				ev.upConn = lc
			}
		}
		ev.upErr = err
		if !b.post(ev) && ev.upConn != nil {
			_ = ev.upConn.Close()
		}
	}()
}

// linkUp takes the result of dial.
func (b *Bridge) linkUp(s *serverConn, lc *link.Conn, peer link.Hello, err error) {
	if b.server != s {
		if lc != nil {
			_ = lc.Close()
		}
		return
	}
	if err != nil {
		// The Server reconnects (after 1 to 10 s) and tries again.
		b.stats.linkFailed.Add(1)
		b.log.Error("link.portal.failed", "addr", b.cfg.PortalLink, "err", err)
		s.amp.close()
		return
	}
	b.takeover = "" // used: the portal took this link
	s.link = lc
	s.beat = time.Second
	if peer.Timeout > 0 {
		s.beat = min(s.beat, peer.Timeout/4)
	}
	b.tr.PortalStart = peer.Started
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		for {
			m, err := lc.Recv()
			if !b.post(event{lc: lc, msg: m, linkErr: err}) || err != nil {
				return
			}
		}
	}()
	s.sendLink(link.Message{Op: link.OpPortalSync})
	pending := s.pending
	s.pending, s.pendingBytes = nil, 0
	for _, m := range pending {
		s.sendLink(m)
	}
}

// sendLink sends m to the portal. A message carries the acknowledgement
// of what Evennia has answered.
func (s *serverConn) sendLink(m link.Message) {
	if s.link == nil {
		return // gone: nothing is kept for a link that will not come
	}
	if n := s.in.Processed(); m.Op != link.OpAck && n > 0 {
		m.Ack = n
	}
	if err := s.link.Send(m); err != nil {
		if !s.link.Lost(err) {
			s.b.stats.translateErrors.Add(1)
			s.b.log.Error("link.encode", "op", m.Op, "sessid", m.Sessid, "err", err)
		}
		return
	}
	s.said = time.Now()
	if m.Ack != 0 && m.Ack == s.in.Processed() {
		s.in.Acked()
	}
}

// fromEvennia sends the portal what the Server said (in a box of size
// bytes), or keeps it until the link is up. A restart the Server
// announces is remembered: the Server is started again when it has gone.
func (s *serverConn) fromEvennia(m link.Message, size int) {
	switch m.Op {
	case link.OpServerReload, link.OpServerReset, link.OpServerShutdown:
		if s.requested != "" {
			return // already announced (the launcher's, say): the portal has it
		}
		s.requested = modeOf(m.Op, m.Mode)
	}
	if s.link != nil {
		s.sendLink(m)
		return
	}
	cfg := &s.b.cfg
	if len(s.pending) >= cfg.MaxPending || s.pendingBytes+size > cfg.MaxPendingBytes {
		s.b.log.Error("amp.server.pending.full", "messages", len(s.pending), "bytes", s.pendingBytes)
		s.amp.close()
		return
	}
	s.pending = append(s.pending, m)
	s.pendingBytes += size
}

// restart announces a restart the launcher asked for (mode
// link.ModeReload, ModeReset or ModeShutdown).
func (s *serverConn) restart(mode string) {
	s.launcherAsked = true
	if s.requested != "" {
		return
	}
	op := link.OpServerShutdown
	switch mode {
	case link.ModeReload:
		op = link.OpServerReload
	case link.ModeReset:
		op = link.OpServerReset
	default:
		mode = link.ModeShutdown
	}
	s.requested = mode
	s.sendLink(link.Message{Op: op, Mode: mode})
}

// fromPortal passes one message of the portal to the Server.
func (s *serverConn) fromPortal(m link.Message) {
	b := s.b
	if s.amp.ended() {
		return // unprocessed: the link ends without acknowledging it
	}
	switch m.Op {
	case link.OpAck, link.OpHello:
		s.done(m.Op)
		return
	case link.OpError:
		b.log.Warn("link.portal.error", "sessid", m.Sessid, "err", m.Err)
		s.done(m.Op)
		return
	case link.OpServerReload, link.OpServerReset, link.OpServerShutdown:
		m.Mode = modeOf(m.Op, m.Mode)
		if m.Takeover != "" {
			b.takeover = m.Takeover // the next Server's link presents it
		}
		if s.requested == "" {
			// The portal asks: acknowledge, as any game server does, then
			// tell the Server.
			s.requested = m.Mode
			s.sendLink(link.Message{Op: m.Op, Mode: m.Mode})
		}
	}
	payloads, err := b.tr.ToServer(&m)
	if err != nil {
		s.undeliverable(m, err)
		return
	}
	w := &waitIn{op: m.Op, applied: appliedBy(&m), at: time.Now()}
	for _, p := range payloads {
		name, args, err := b.codec.encode(p)
		if err != nil {
			s.undeliverable(m, err)
			return // the payloads before it were sent: those are answered and counted with w
		}
		tag, err := s.amp.ask(name, args...)
		w.open++ // a box not written never settles: see waitIn
		if err == nil {
			b.stats.boxesOut.Add(1)
			s.asks[tag] = w
		}
	}
	s.waiting = append(s.waiting, w)
	s.settle()
	if m.Op == link.OpPortalSync && !s.synced {
		s.synced = true
		s.amp.answer(s.psyncTag)
		b.log.Info("amp.server.synced", "sessions", len(m.Sessions), "mode", m.Mode)
		if b.psyncPush {
			b.psyncPush = false
			b.pushStatus()
		}
	}
}

// undeliverable reports a message of the portal no Evennia Server could
// take (no counterpart, a value Python cannot hold): the portal gets an
// error, and the message counts as processed in its turn.
func (s *serverConn) undeliverable(m link.Message, err error) {
	s.b.stats.translateErrors.Add(1)
	s.b.log.Warn("link.portal.translate", "op", m.Op, "sessid", m.Sessid, "err", err)
	s.sendLink(link.Message{Op: link.OpError, Sessid: m.Sessid, Err: fmt.Sprintf("%v: %v", m.Op, err)})
	s.done(m.Op)
}

// appliedBy returns the session data the Server holds once it has
// answered m.
func appliedBy(m *link.Message) []link.SessionData {
	switch m.Op {
	case link.OpPortalConnect, link.OpPortalConnSync:
		if m.Session != nil {
			d := *m.Session
			if d.Sessid == 0 {
				d.Sessid = m.Sessid
			}
			return []link.SessionData{d}
		}
	case link.OpPortalSync:
		return m.Sessions
	}
	return nil
}

// done counts a message of the portal that needs no answer of Evennia,
// in its turn.
func (s *serverConn) done(op link.Op) {
	s.waiting = append(s.waiting, &waitIn{op: op})
	s.settle()
}

// answered takes Evennia's answer (or error) to the box tagged tag.
func (s *serverConn) answered(tag uint64) {
	w, ok := s.asks[tag]
	if !ok {
		return // not ours, or answered twice: Evennia's Portal ignores it too
	}
	delete(s.asks, tag)
	w.open--
	s.settle()
}

// settle counts as processed, in order, the portal's messages whose
// boxes Evennia has all answered.
func (s *serverConn) settle() {
	n := 0
	for _, w := range s.waiting {
		if w.open > 0 {
			break
		}
		s.in.Received(w.op)
		for i := range w.applied {
			s.b.tr.Store.Applied(&w.applied[i])
		}
		n++
	}
	if n > 0 {
		clear(s.waiting[:n])
		s.waiting = s.waiting[n:]
	}
}

// keep acknowledges what Evennia answered and beats while the Server
// answers; a Server that has left a box unanswered for StallAfter gets
// no heartbeat, so the portal sees it stalled.
func (s *serverConn) keep(now time.Time) {
	if s.link == nil {
		return
	}
	switch {
	case s.in.AckDue():
		s.sendLink(link.Message{Op: link.OpAck, Seen: s.in.Processed()})
		s.in.Acked()
	case now.Sub(s.said) >= s.beat && !s.stalled(now):
		s.sendLink(link.Message{Op: link.OpAck, Seen: s.in.Processed()})
	}
}

// stalled reports whether the oldest unanswered box is older than StallAfter.
func (s *serverConn) stalled(now time.Time) bool {
	after := s.b.cfg.StallAfter
	return after > 0 && len(s.waiting) > 0 && s.waiting[0].open > 0 && now.Sub(s.waiting[0].at) > after
}

// linkLost: the portal closed the link (it is stopping, or refused this
// Server). The Server's connection is closed too: a Server that keeps
// running reconnects and is linked anew; nothing it asked for is done.
func (s *serverConn) linkLost(err error) {
	if !errors.Is(err, link.ErrClosed) {
		s.b.log.Warn("link.portal.lost", "err", err)
	}
	_ = s.link.Close()
	s.link = nil
	s.lost = true
	s.amp.close()
}

// closeLink acknowledges what Evennia answered, then closes the link.
func (s *serverConn) closeLink() {
	if s.link == nil {
		return
	}
	if s.in.AckDue() {
		s.sendLink(link.Message{Op: link.OpAck, Seen: s.in.Processed()})
	}
	flush(s.link)
	_ = s.link.Close()
	s.link = nil
}

// serverGone ends s: the link closes (what Evennia did not answer is
// replayed by the portal to the next Server), and what waited for the
// Server to go runs: the launcher is told, a Server that asked for a
// restart is started again (unless the portal or the bridge is going).
func (b *Bridge) serverGone(s *serverConn) {
	if b.server == s {
		b.server = nil
	}
	s.closeLink()
	b.tr.ServerInfo = nil
	b.log.Info("amp.server.gone", "conn", s.amp.id, "restart", s.requested, "unanswered", len(s.asks))
	for _, f := range s.onGone {
		f()
	}
	restart := s.requested == link.ModeReload || s.requested == link.ModeReset
	if restart && !s.launcherAsked && !s.lost && !b.stopping() {
		b.startServer(nil, nil)
	}
}

// modeOf is the restart mode of a restart op, mode if it names one.
func modeOf(op link.Op, mode string) string {
	if mode != "" {
		return mode
	}
	switch op {
	case link.OpServerReload:
		return link.ModeReload
	case link.OpServerReset:
		return link.ModeReset
	}
	return link.ModeShutdown
}
