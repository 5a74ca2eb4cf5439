package sim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"
	"sync/atomic"
	"time"

	"github.com/portalsim/portalsim/internal/link"
)

// Server is one run of the game server. Create it with [New] and call
// [Server.Run]; after Run returns, make a new Server to run again.
type Server struct {
	cfg     Config
	log     *slog.Logger
	world   *World
	started time.Time

	events  chan event
	runDone chan struct{} // closed when Run returns: nothing reads events any more
	ran     atomic.Bool   // Run was called
	control chan control
	linked  atomic.Bool
	serving atomic.Bool // the event loop is answering control requests
	stats   serverCounters

	// Owned by the event loop goroutine.
	conn          *link.Conn
	sessions      map[uint64]*serverSession
	byChar        map[ObjID]map[uint64]*serverSession
	maxSeq        uint64                // the highest PCONN sequence applied
	in            link.Inbox            // what the server processed of the portal's messages, by link
	portalRun     string                // the portal run the sessions belong to
	reloading     string                // the mode of a restart we asked the portal for; "" if none
	ackDue        <-chan time.Time      // fires if the portal does not acknowledge our restart request
	synced        bool                  // a portal sync has happened in this process
	out           link.Outbox[struct{}] // messages kept until the portal acknowledges them (see resendable)
	resuming      bool                  // the link is up, the portal's PSYNC reply not yet processed
	result        error                 // what Run returns once the loop ends; set when stopping
	stopping      bool
	linkedOnce    bool                   // the current dial got through the handshake
	handling      bool                   // a message from the portal is being handled (see send)
	said          time.Time              // when the server last sent the portal something (Heartbeat)
	resendDropped uint64                 // out.Dropped() when last logged
	answer        []link.Message         // what handling it has caused so far
	successor     atomic.Pointer[string] // the takeover token for the next server (TakeoverToken)
}

// event is something for the loop: a link message, a timer, or link loss.
type event struct {
	conn  *link.Conn
	msg   link.Message
	err   error // the link failed
	timer *loginTimer
}

// control is a request from outside the loop.
type control struct {
	reload   string // restart mode, or "" for other requests
	reason   string
	snapshot chan<- []link.SessionData
	stall    time.Duration
}

type serverCounters struct {
	commands, unknownInput       atomic.Uint64
	logins, kicked, loginScreens atomic.Uint64
	resent, encodeDropped        atomic.Uint64
	oobIgnored                   atomic.Uint64
}

// Stats are the server's counters.
type Stats struct {
	// Commands counts input lines executed.
	Commands uint64
	// UnknownInput counts input for a sessid the server does not have.
	UnknownInput uint64
	// Logins counts successful logins; Kicked sessions disconnected by a
	// newer login of the same account (MULTISESSION_MODE 0).
	Logins, Kicked uint64
	// LoginScreens counts login screens shown.
	LoginScreens uint64
	// Resent counts messages sent again after a link cut because the
	// portal had not processed them (bug 5.20).
	Resent uint64
	// EncodeDropped counts messages that could not be encoded.
	EncodeDropped uint64
	// OOBIgnored counts out-of-band commands (GMCP, MSDP) the server has
	// no answer to: unknown, or asking for a value it does not give.
	OOBIgnored uint64
}

// New validates cfg and returns a server ready to [Server.Run].
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &Server{
		cfg:      cfg,
		log:      cfg.Logger.With("component", "sim.server"),
		world:    cfg.World,
		started:  time.Now(),
		events:   make(chan event, 1024),
		runDone:  make(chan struct{}),
		control:  make(chan control, 8),
		sessions: make(map[uint64]*serverSession),
		byChar:   make(map[ObjID]map[uint64]*serverSession),
		out:      link.Outbox[struct{}]{Max: maxUnacked},
	}, nil
}

// Run dials the portal (redialling with backoff whenever the link is
// lost) and serves until ctx ends (ctx.Err()), the game shuts down (nil)
// or asks to restart ([ErrReload]). A Server runs once: after a reload,
// start a new one (on the same World), as Evennia starts a new process.
func (s *Server) Run(ctx context.Context) error {
	if !s.ran.CompareAndSwap(false, true) {
		return ErrRunTwice
	}
	defer close(s.runDone)
	delay := s.cfg.RedialMin
	refusedBefore := false
	for {
		nc, err := (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, "tcp", s.cfg.PortalAddr)
		if err == nil {
			var done bool
			done, err = s.serveLink(ctx, link.NewConn(nc, link.Config{}))
			switch {
			case done:
				return err
			case errors.Is(err, link.ErrRefused), errors.Is(err, link.ErrAuth), errors.Is(err, link.ErrVersion):
				// Another server is linked (it may go), or the secrets or
				// versions differ, or what answers is not our portal (the
				// portal may be restarted right, or be the real one next
				// time): said once, then retried with backoff.
				if !refusedBefore {
					s.log.Error("link.refused", "addr", s.cfg.PortalAddr, "err", err, "retrying", true)
				}
				refusedBefore = true
			case s.linkedOnce:
				// A link that worked is gone: redial at once.
				s.linkedOnce, refusedBefore = false, false
				s.log.Info("link.lost", "err", err)
				delay = s.cfg.RedialMin
				continue
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.log.Debug("link.dial", "addr", s.cfg.PortalAddr, "err", err, "retry_in", delay)
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return ctx.Err()
		}
		delay = min(time.Duration(float64(delay)*1.5), s.cfg.RedialMax)
	}
}

// Reload asks the running server to restart, keeping every player
// connected (what SIGHUP does). It returns at once.
func (s *Server) Reload(mode, reason string) {
	if mode == "" {
		mode = link.ModeReload
	}
	select {
	case s.control <- control{reload: mode, reason: reason}:
	default:
		s.log.Warn("server.reload.dropped", "reason", "a restart request is already waiting")
	}
}

// Stall freezes the game for d, as a long garbage collection or a slow
// command would: nothing is processed meanwhile, then everything waiting
// is. It is a fault for tests and load scenarios (coordinated omission).
func (s *Server) Stall(d time.Duration) {
	s.control <- control{stall: d}
}

// TakeoverToken is the token the portal gave this server for its
// successor with a reload or reset: put it in the next server's
// [Config.Takeover] and the portal takes that server at once, while this
// one's link may still be open. "" if none was given.
func (s *Server) TakeoverToken() string {
	if t := s.successor.Load(); t != nil {
		return *t
	}
	return ""
}

// Linked reports whether the server is synced with a portal.
func (s *Server) Linked() bool { return s.linked.Load() }

// Stats returns the server's counters.
func (s *Server) Stats() Stats {
	c := &s.stats
	return Stats{Commands: c.commands.Load(), UnknownInput: c.unknownInput.Load(),
		Logins: c.logins.Load(), Kicked: c.kicked.Load(), LoginScreens: c.loginScreens.Load(),
		Resent: c.resent.Load(), EncodeDropped: c.encodeDropped.Load(), OOBIgnored: c.oobIgnored.Load()}
}

// Sessions returns the server's session table, as it would sync it to the
// portal. It returns nil if the server is not connected to a portal.
func (s *Server) Sessions(ctx context.Context) []link.SessionData {
	if !s.serving.Load() {
		return nil
	}
	ch := make(chan []link.SessionData, 1)
	select {
	case s.control <- control{snapshot: ch}:
	case <-ctx.Done():
		return nil
	}
	select {
	case out := <-ch:
		return out
	case <-ctx.Done():
		return nil
	}
}

// serveLink runs one link until it fails (done=false: redial) or the
// server stops (done=true, with Run's result).
func (s *Server) serveLink(ctx context.Context, c *link.Conn) (done bool, err error) {
	defer c.Close()
	mine := link.Hello{PID: os.Getpid(), Started: s.started, Takeover: s.cfg.Takeover, Timeout: max(s.cfg.PortalTimeout, 0)}
	peer, err := c.ServerHandshake(ctx, s.cfg.LinkSecret, mine)
	switch {
	case ctx.Err() != nil:
		return true, ctx.Err()
	case err != nil:
		return false, err
	}
	if s.portalRun != "" && peer.RunID != s.portalRun {
		// A new portal run: every session we hold belongs to the old one
		// and must never be matched to the new portal's sessids (bug 5.2).
		s.log.Warn("link.portal.restarted", "old_run", s.portalRun, "new_run", peer.RunID, "dropped", len(s.sessions))
		s.dropAll()
		s.maxSeq = 0
		s.out.Reset()
		s.in.Forget()
	}
	s.portalRun = peer.RunID
	s.linkedOnce = true
	s.conn = c
	s.out.Attach(peer.Link)
	s.resuming = true // until the portal's PSYNC reply says where the last link stopped
	s.serving.Store(true)
	defer func() {
		// Once the portal's reply was processed on this link, it is the
		// link to resume from; before, its counts say nothing (a
		// heartbeat may have come first).
		if s.resuming {
			s.in.End(0)
		} else {
			s.in.End(s.out.Link())
		}
		s.out.Detach()
		s.conn = nil
		s.linked.Store(false)
		s.serving.Store(false)
	}()
	last := s.in.Last()
	s.send(link.Message{Op: link.OpPortalSync, Link: last.Link, Seen: last.N})
	if err := c.Err(); err != nil {
		return false, err
	}
	beat := s.cfg.Heartbeat
	if peer.Timeout > 0 {
		beat = min(beat, peer.Timeout/4) // often enough for the portal's patience
	}
	go s.readLink(c)
	var heard uint64      // portal messages processed when last looked at
	heardAt := time.Now() // when that count last moved
	ackTick := time.NewTicker(ackInterval)
	defer ackTick.Stop()
	for {
		select {
		case <-ctx.Done():
			return true, ctx.Err()
		case now := <-ackTick.C:
			s.ack(true)
			if now.Sub(s.said) >= beat {
				s.send(link.Message{Op: link.OpAck, Seen: s.in.Processed()}) // a heartbeat
			}
			// Behind on events, the reader may be waiting for the loop,
			// not for the portal: only an idle loop judges the portal.
			if n := s.in.Processed(); n != heard {
				heard, heardAt = n, now
			}
			if silent := now.Sub(heardAt); s.cfg.PortalTimeout > 0 && silent > s.cfg.PortalTimeout && len(s.events) == 0 {
				s.log.Warn("link.portal.unresponsive", "silent", silent.Round(time.Millisecond))
				if s.reloading != "" {
					return true, ErrReload
				}
				return false, fmt.Errorf("the portal said nothing for %v", silent.Round(time.Millisecond))
			}
		case ctl := <-s.control:
			if ctl.snapshot != nil {
				ctl.snapshot <- s.snapshot()
				continue
			}
			if ctl.stall > 0 {
				s.log.Warn("fault.stall", "for", ctl.stall)
				time.Sleep(ctl.stall) // the fault: the game freezes, the portal keeps everyone connected
				continue
			}
			s.requestRestart(ctl.reload, ctl.reason)
		case <-s.ackDue:
			s.log.Warn("reload.ack.timeout")
			s.finishRestart(s.reloading)
		case ev := <-s.events:
			if ev.conn != nil && ev.conn != c {
				continue // from an older link
			}
			switch {
			case ev.timer != nil:
				s.loginScreen(ev.timer)

			case ev.err != nil:
				if s.reloading != "" {
					// Lost while restarting: the portal holds everything for the
					// next server, which syncs from it; there is nothing to push.
					return true, ErrReload
				}
				return false, ev.err
			default:
				s.in.Received(ev.msg.Op)
				s.handling = true
				s.handle(ev.msg)
				s.handling = false
				s.sendAnswer()
				s.ack(false)
			}
		}
		if s.stopping {
			ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			_ = c.Flush(ctx)
			cancel()
			return true, s.result
		}
	}
}

// post hands ev to the event loop; false once Run has returned (a
// reader or timer of a stopped server must not block forever).
func (s *Server) post(ev event) bool {
	select {
	case s.events <- ev:
		return true
	case <-s.runDone:
		return false
	}
}

func (s *Server) readLink(c *link.Conn) {
	for {
		m, err := c.Recv()
		if err != nil {
			s.post(event{conn: c, err: err})
			return
		}
		if !s.post(event{conn: c, msg: m}) {
			return
		}
	}
}

// send sends m to the portal, or keeps it for the next link while there
// is none, or while the current one is not yet resumed (so that what the
// lost link did not deliver goes first). See outbox. While a message from
// the portal is being handled, what it causes waits for sendAnswer.
func (s *Server) send(m link.Message) {
	if s.handling {
		s.answer = append(s.answer, m)
		return
	}
	s.sendAcking(m, s.in.Processed())
}

// sendAnswer sends what handling the last message caused. Only its last
// frame acknowledges that message (Message.Ack), the others only what
// came before it: the portal, which replays an unacknowledged input to
// the next server, never takes an input as done while part of its
// answer may still be lost with a killed server. Links are ordered, so
// once the last frame is in, so is the rest.
func (s *Server) sendAnswer() {
	out := s.answer
	for i, m := range out {
		ack := s.in.Processed() - 1
		if i == len(out)-1 {
			ack = s.in.Processed()
		}
		s.sendAcking(m, ack)
	}
	clear(out)
	s.answer = out[:0]
}

// sendAcking sends m now, its piggybacked acknowledgement saying that
// the first ack messages of the link were processed.
func (s *Server) sendAcking(m link.Message, ack uint64) {
	if s.conn == nil || (s.resuming && resendable(m.Op)) {
		s.keep(m)
		return
	}
	wire := m
	if m.Op != link.OpAck && ack > 0 {
		wire.Ack = ack // piggybacked: what is kept for a resend carries none
	}
	if err := s.conn.Send(wire); err != nil {
		if s.conn.Lost(err) {
			s.keep(m)
			return
		}
		s.stats.encodeDropped.Add(1)
		s.log.Error("link.encode.dropped", "op", m.Op, "sessid", m.Sessid, "err", err)
		return
	}
	if wire.Ack != 0 && wire.Ack == s.in.Processed() {
		s.in.Acked()
	}
	s.said = time.Now()
	if resendable(m.Op) {
		s.out.Sent(m, struct{}{})
	} else {
		s.out.Count()
	}
}

// keep keeps m for the next link, if it is worth sending again.
func (s *Server) keep(m link.Message) {
	if resendable(m.Op) {
		s.out.Keep(m, struct{}{})
	}
}

// resume sends again, in order, what the portal did not process of the
// link it names (lnk, n: its PSYNC reply), and whatever waited for a
// link. Messages for sessions the portal no longer has are dropped.
func (s *Server) resume(lnk, n uint64) {
	s.resuming = false
	if d := s.out.Dropped(); d > s.resendDropped {
		s.log.Warn("link.resend.dropped", "messages", d-s.resendDropped, "reason", "the portal did not acknowledge them")
		s.resendDropped = d
	}
	s.out.Resume(lnk, n)
	pending := s.out.Take()
	resent, gone := 0, 0
	for _, m := range pending {
		msg := m.Msg
		if len(msg.Sessids) > 0 {
			msg.Sessids = slices.DeleteFunc(slices.Clone(msg.Sessids), func(id uint64) bool { return s.sessions[id] == nil })
			if len(msg.Sessids) == 0 && msg.Sessid == 0 {
				gone++
				continue
			}
		}
		if id := msg.Sessid; id != 0 && s.sessions[id] == nil && msg.Op != link.OpServerDisconnect {
			gone++
			continue
		}
		s.send(msg)
		resent++
	}
	if len(pending) > 0 {
		s.stats.resent.Add(uint64(resent))
		s.log.Info("link.resumed", "link", lnk, "portal_seen", n, "resent", resent, "for_gone_sessions", gone)
	}
}

// ackInterval is how often the server acknowledges processed messages
// at least; ackBatch is how many it processes at most between acks.
// Answers carry the acknowledgement of what they answer (sendAcking), so
// the interval matters only for input that has no answer; its ticker
// wakes the server even when idle, hence not more often than this
// (the portal's, likewise).
const (
	ackInterval = 100 * time.Millisecond
	ackBatch    = 512
)

// ack tells the portal how many messages have been processed, when
// enough piled up (or always, with force).
func (s *Server) ack(force bool) {
	if due := s.in.Unacked(); due == 0 || (!force && due < ackBatch && len(s.events) > 0) {
		return
	}
	s.in.Acked()
	s.send(link.Message{Op: link.OpAck, Seen: s.in.Processed()})
}

// handle applies one message from the portal.
func (s *Server) handle(m link.Message) {
	switch m.Op {
	case link.OpPortalSync:
		if !s.resuming {
			s.send(link.Message{Op: link.OpError, Err: "a second PSYNC reply on the link"})
			return
		}
		s.portalSync(m.Mode, m.Sessions)
		s.resume(m.Link, m.Seen)
	case link.OpAck:
		s.out.Ack(m.Seen)
	case link.OpPortalConnect:
		if m.Session != nil {
			s.portalConnect(*m.Session)
		}
	case link.OpPortalDisconnect:
		if ss := s.sessions[m.Sessid]; ss != nil { // unknown: a no-op (bug 5.7)
			s.remove(ss)
		}
	case link.OpPortalDisconnectAll:
		s.dropAll() // really disconnects (bug 5.3)
	case link.OpPortalConnSync:
		if ss := s.sessions[m.Sessid]; ss != nil && m.Session != nil {
			ss.loadPortalFields(*m.Session)
		}
	case link.OpDataIn:
		s.dataIn(m.Sessid, m.Data)
	case link.OpServerReload, link.OpServerReset:
		if m.Takeover != "" {
			s.successor.Store(&m.Takeover)
		}
		mode := m.Mode
		if mode == "" {
			mode = link.ModeReload
		}
		if s.reloading == "" {
			// The portal asked: acknowledge, then restart.
			s.send(link.Message{Op: m.Op, Mode: mode})
		}
		s.finishRestart(mode)
	case link.OpServerShutdown:
		s.log.Info("server.shutdown", "by", "portal")
		s.stopping, s.result = true, nil
	case link.OpError:
		s.log.Warn("link.portal.error", "sessid", m.Sessid, "err", m.Err)
	default:
		s.send(link.Message{Op: link.OpError, Sessid: m.Sessid, Err: fmt.Sprintf("unexpected %v from the portal", m.Op)})
	}
}

// requestRestart asks the portal to hold everything for us (SRELOAD or
// SRESET); its acknowledgement, the last thing it sends us, finishes the restart.
func (s *Server) requestRestart(mode, reason string) {
	if s.reloading != "" || s.stopping {
		return
	}
	s.reloading = mode
	s.ackDue = time.After(s.cfg.AckTimeout)
	s.log.Info("server.restart.requested", "mode", mode, "reason", reason)
	op := link.OpServerReload
	if mode == link.ModeReset {
		op = link.OpServerReset
	}
	s.send(link.Message{Op: op, Mode: mode})
}

// finishRestart pushes every session to the portal (SSYNC, clean) and stops the loop with ErrReload.
func (s *Server) finishRestart(mode string) {
	if s.resuming {
		// The portal has not said where the lost link stopped, and this
		// process is going: send what it kept now (at least once), and
		// the final sync after it.
		s.resume(0, 0)
	}
	s.ack(true)
	s.send(link.Message{Op: link.OpServerSync, Sessions: s.snapshot(), Clean: true, ConnSeq: s.maxSeq})
	s.log.Info("server.restarting", "mode", mode, "sessions", len(s.sessions))
	s.stopping, s.result = true, ErrReload
}

// snapshot returns every session's sync data.
func (s *Server) snapshot() []link.SessionData {
	out := make([]link.SessionData, 0, len(s.sessions))
	for _, ss := range s.sessions {
		out = append(out, ss.syncData())
	}
	return out
}

// loginTimer shows the login screen after the connect delay, unless the
// session is gone or logged in by then (bug 5.36).
type loginTimer struct {
	sess *serverSession
	t    *time.Timer
}
