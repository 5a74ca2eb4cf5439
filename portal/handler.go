package portal

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/portalsim/portalsim/internal/link"
)

// Handler is the portal's session handler (Evennia's PortalSessionHandler).
// All methods are safe for concurrent use.
//
// Lock order: a lock may be taken while those to its left are held, never
// while one to its right is:
//
//	Throttle.mu → Throttle.relMu → Session.mu → Handler.mu / uplink.mu → link.Conn.mu
//
// Handler.mu and uplink.mu are never held together. The throttle calls
// release with relMu held, so nothing under relMu takes Throttle.mu (no
// close of a queued session there). uplink.attachSem is taken before
// uplink.mu, with no other lock held; so are the per-address count's
// and the refusal log's mutexes (addrCounts, refusalLog).
type Handler struct {
	cfg      Config
	log      *slog.Logger
	up       *uplink
	throttle *Throttle
	cmdLimit int
	started  time.Time

	lastSessid atomic.Uint64
	closingAll atomic.Bool
	stats      handlerCounters
	perAddr    addrCounts // sessions by address, for Config.MaxSessionsPerAddress
	addrLog    refusalLog // connections over the cap: a line every 10 s at most
	browsers   browserLogins
	// goFn runs a goroutine the portal tracks (Portal.goSafe); nil for a
	// handler made without a portal (tests), see [Handler.Go].
	goFn func(func()) bool

	// announceMu orders PCONNs: a sequence number and its PCONN's place
	// on the link are taken together (see announceLocked).
	announceMu sync.Mutex

	// mu guards the fields below.
	mu       sync.RWMutex
	sessions map[uint64]*Session // released sessions (connected or logged in)
	seq      uint64              // connect sequence: one per PCONN
	connTime time.Time           // when a server last connected
}

// handlerCounters are what the handler counts; see [HandlerStats].
type handlerCounters struct {
	connected, closed                     atomic.Uint64
	inputs, rateDropped, charDropped      atomic.Uint64
	queuedInput, queuedDropped            atomic.Uint64
	holdDropped                           atomic.Uint64
	syncDeferred, syncMerged              atomic.Uint64
	syncStale                             atomic.Uint64
	outputs, outputUnknown, outputPanics  atomic.Uint64
	loginUnknown, syncCleaned, syncKept   atomic.Uint64
	invalidUTF8, longLines, protocolError atomic.Uint64
	loginTimeouts, addressRefused         atomic.Uint64
	outputCut                             atomic.Uint64
	handshakeTimeouts                     atomic.Uint64
	halfCloseWaits, halfCloseTimeouts     atomic.Uint64
	acceptErrors                          atomic.Uint64

	tlsHandshakeFailed, sshHandshakeFailed atomic.Uint64 // the doors' handshakes
	handshakeRefused                       atomic.Uint64
}

// HandlerStats is a snapshot of the handler's counters.
type HandlerStats struct {
	// Connected counts sessions ever created; Closed those that ended.
	Connected, Closed uint64
	// Inputs counts input messages accepted; RateDropped and CharDropped
	// those refused by the command rate and the character limit.
	Inputs, RateDropped, CharDropped uint64
	// QueuedInput counts inputs kept while their session was queued;
	// QueuedDropped those refused because too many were waiting.
	QueuedInput, QueuedDropped uint64
	// HoldDropped counts inputs refused while no server was linked and the hold buffer was full.
	HoldDropped uint64
	// SyncDeferred counts PCONNSYNCs postponed by the per-session sync
	// rate ([Handler.Sync]); SyncMerged those that needed no message of
	// their own: a deferred one still due, or one waiting in the hold
	// buffer, carries their data.
	SyncDeferred, SyncMerged uint64
	// SyncStale counts protocol flags in an SSYNC left unapplied because
	// this side had changed them since (bug 5.15).
	SyncStale uint64
	// EncodeDropped counts messages for the server that could not be
	// encoded (a NaN in a session's flags, say): dropped and logged,
	// never held, since no server could ever take them.
	EncodeDropped uint64
	// Outputs counts output messages dispatched; OutputUnknown those for
	// a sessid the portal does not have; OutputPanics protocol handlers that panicked.
	Outputs, OutputUnknown, OutputPanics uint64
	// OutputCut counts output messages larger than a client's outbound
	// buffer (Config.OutboundLimit), cut to fit with a marker instead of
	// making the client a slow consumer.
	OutputCut uint64
	// HandshakeTimeouts counts telnet sessions whose option negotiation
	// was cut short by Config.HandshakeTimeout (a client that left an
	// offer unanswered).
	HandshakeTimeouts uint64
	// LoginUnknown counts SLOGINs for a session already gone (bug 5.37).
	LoginUnknown uint64
	// SyncCleaned counts sessions closed by a clean SSYNC; SyncKept those
	// spared because their PCONN was newer than the snapshot (bug 5.1).
	SyncCleaned, SyncKept uint64
	// InvalidUTF8, LongLines and ProtocolErrors count bad client input.
	InvalidUTF8, LongLines, ProtocolErrors uint64
	// LoginTimeouts counts sessions closed because they did not log in
	// within Config.LoginTimeout (queued ones included).
	LoginTimeouts uint64
	// AddressRefused counts connections refused because their address
	// had Config.MaxSessionsPerAddress sessions already.
	AddressRefused uint64
	// HalfCloseWaits counts sessions that stayed open after their
	// client stopped sending, for the answers to what it sent;
	// HalfCloseTimeouts those of them closed at Config.HalfCloseGrace
	// before every answer had come.
	HalfCloseWaits, HalfCloseTimeouts uint64
	// TLSHandshakeFailures counts telnet-TLS connections closed because
	// their TLS handshake failed or did not end within
	// Config.DoorHandshakeTimeout; SSHHandshakeFailures SSH connections
	// closed the same way (key exchange, authentication, shell request).
	TLSHandshakeFailures, SSHHandshakeFailures uint64
	// HandshakeRefused counts TLS and SSH connections closed at once
	// because too many were in their handshake already: for the portal
	// (maxHandshakes) or, with Config.MaxSessionsPerAddress, for their address.
	HandshakeRefused uint64
	// LinkRefused counts link connections closed before they
	// authenticated: a wrong or missing secret, a bad or slow handshake,
	// too many at once. LinkBusy counts authenticated game servers
	// refused because another was linked.
	LinkRefused, LinkBusy uint64
	// AcceptErrors counts accepts that failed, on a door or the link:
	// EMFILE (every file descriptor the process may hold is taken) most
	// likely. Each is retried after a wait (5 ms, doubling to 1 s).
	AcceptErrors uint64
	// LinkStalls counts the times a linked server went silent for
	// Config.LinkTimeout and was treated as unresponsive.
	LinkStalls uint64
	// Throttle holds the connect throttle's counters.
	Throttle ThrottleStats
	// Held is how many messages wait for a game server; HeldInputBytes
	// how much memory the input kept for a server takes, held or sent and
	// not yet acknowledged (see Config.HoldBytes).
	Held, HeldInputBytes int
	// Unacked is how many messages the game server was sent and has not
	// yet acknowledged processing: what a crash of the server now would
	// make the portal send again to the next one.
	Unacked int
}

func newHandler(cfg Config, up *uplink) *Handler {
	h := &Handler{
		cfg:      cfg,
		log:      cfg.Logger.With("component", "portal.sessions"),
		up:       up,
		cmdLimit: commandLimit(cfg.MaxCommandRate),
		started:  time.Now(),
		sessions: make(map[uint64]*Session),
		addrLog:  refusalLog{every: 10 * time.Second},
		browsers: browserLogins{ttl: cfg.WebLoginTTL},
	}
	h.throttle = NewThrottle(cfg.MaxConnectionRate, h.release)
	if cfg.FirstSessid > 1 {
		h.lastSessid.Store(cfg.FirstSessid - 1)
	}
	return h
}

// GenerateSessid returns a sessid unique for this portal run: ids only
// grow and are never reused, also across game-server restarts.
func (h *Handler) GenerateSessid() uint64 { return h.lastSessid.Add(1) }

// Go runs f in a goroutine the portal tracks: [Portal.Close] waits for
// it (after cancelling the context the portal gave the factory, which f
// must heed), and a panic in f is logged, not fatal. It returns false,
// without running f, once the portal is closing. For the goroutines of
// outbound protocols ([ProtocolFactory]).
func (h *Handler) Go(f func()) bool {
	if h.goFn == nil {
		go f()
		return true
	}
	return h.goFn(f)
}

// Connect registers a new connection and puts it through the connect
// throttle. The session gets its sessid here, before the protocol starts
// any goroutine; a protocol that keeps its session implements
// [SessionBinder] and gets it before the session is admitted. A session
// that joins a non-empty queue is told so, with its estimated wait
// (Evennia's DoS message). Once the portal is shutting down (the throttle
// stopped), the session is closed at once with [ReasonPortalShutdown].
// A session from an address over Config.MaxSessionsPerAddress is told
// and closed at once with [ReasonAddressLimit]. Its login timer
// (Config.LoginTimeout) starts here, before it queues, unless the
// protocol's session is logged in from the start ([LoggedInProtocol]).
func (h *Handler) Connect(p Protocol) *Session {
	s := newSession(h, h.GenerateSessid(), p, time.Now())
	if lp, ok := p.(LoggedInProtocol); ok && lp.AccountUID() > 0 {
		s.data.Uid, s.data.LoggedIn = lp.AccountUID(), true // before s is shared: no lock needed
	}
	h.stats.connected.Add(1)
	limit := h.cfg.MaxSessionsPerAddress
	s.addrHeld = limit > 0 && h.perAddr.add(s.addr, limit)
	if b, ok := p.(SessionBinder); ok {
		b.Bind(s)
	}
	if limit > 0 && !s.addrHeld {
		h.addrLog.log(h.log, "session.refused", s.addr, errAddressLimit)
		h.stats.addressRefused.Add(1) // after the log line: a test that sees the count finds the line
		h.closeSession(s, ReasonAddressLimit, fmt.Sprintf(AddressLimitFormat, limit))
		return s
	}
	s.mu.Lock()
	if !s.data.LoggedIn {
		h.startLoginTimerLocked(s)
	}
	s.mu.Unlock()
	waiting, wait := h.throttle.Admit(s)
	switch {
	case waiting == AdmitRefused:
		h.closeSession(s, ReasonPortalShutdown, "")
	case waiting > 0:
		s.Msg(fmt.Sprintf("%s DoS protection is active. You are queued to connect in %.1f seconds ...",
			h.cfg.ServerName, wait.Seconds()))
	}
	return s
}

// release moves a session from the throttle queue to the server: PCONN
// (with the sync data as it is now), then the input typed while queued.
// A session whose protocol still negotiates (Session.HoldConnect) is
// registered, but its PCONN waits for HandshakeDone.
func (h *Handler) release(s *Session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	to := StateConnected
	if s.data.LoggedIn {
		to = StateLoggedIn // logged in from the start (LoggedInProtocol)
	}
	if !s.state.CompareAndSwap(int32(StateQueued), int32(to)) {
		return // closed while queued
	}
	if s.hold == holdWaiting {
		s.hold = holdReleased
		h.mu.Lock()
		h.sessions[s.sessid] = s
		h.mu.Unlock()
		return
	}
	h.announceLocked(s)
}

// announceLocked registers a released session and sends its PCONN and
// the input kept for it. s.mu must be held.
func (h *Handler) announceLocked(s *Session) {
	// PCONNs reach the link in the order of their sequence numbers, or
	// a clean SSYNC could take a session whose PCONN is still behind a
	// later one as gone (bug 5.1): the throttle and every handshake that
	// ends announce from their own goroutines.
	h.announceMu.Lock()
	defer h.announceMu.Unlock()
	h.mu.Lock()
	h.seq++
	s.data.Seq = h.seq
	h.sessions[s.sessid] = s
	h.mu.Unlock()
	data := s.announceLocked()
	h.up.send(link.Message{Op: link.OpPortalConnect, Sessid: s.sessid, Session: &data}, s)
	for _, cmds := range s.pendingIn {
		h.sendInputLocked(s, cmds)
	}
	s.pendingIn = nil
	if s.draining.Load() {
		s.signalAnswered() // what was queued is the uplink's to count now, or was refused
	}
}

// HandshakeDone tells the handler that the session's protocol finished
// negotiating (or gave up waiting). A session whose PCONN was held
// (Session.HoldConnect) sends it now if the throttle released it
// meanwhile, or at its release; one whose PCONN went already gets a
// PCONNSYNC with what negotiation learned (Evennia's order). Only the
// first call has an effect on the hold.
func (h *Handler) HandshakeDone(s *Session) {
	s.mu.Lock()
	switch s.hold {
	case holdWaiting:
		s.hold = holdNone // still queued: its PCONN, at release, carries everything
		s.mu.Unlock()
		return
	case holdReleased:
		s.hold = holdNone
		// released as connected, or as logged in from the start
		// (LoggedInProtocol); not closed meanwhile
		if st := s.State(); st == StateConnected || st == StateLoggedIn {
			h.announceLocked(s)
		}
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	h.Sync(s)
}

// syncInterval is the per-session sync rate: at most one PCONNSYNC per
// session per syncInterval.
const syncInterval = 100 * time.Millisecond

// Sync sends the protocol-side session data (negotiation results, window
// size) to the server as PCONNSYNC. A queued session needs nothing: its
// PCONN will carry the data as it is at release (bug 5.9).
//
// A client controls how often this runs (each NAWS or TTYPE), so it is
// bounded twice. Rate: at most one PCONNSYNC per session per
// [syncInterval]; a Sync sooner than that is deferred to the end of the
// interval, and any Sync while one is deferred merges into it (the
// deferred one reads the session's data when it goes, so the server
// always ends with the latest). Hold: at most one PCONNSYNC per session
// waits for a server; a newer one replaces its data in place.
func (h *Handler) Sync(s *Session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.pconnSentLocked() {
		return // queued, or its PCONN held: the PCONN will carry the data
	}
	if s.syncTimer != nil {
		h.stats.syncMerged.Add(1)
		return
	}
	now := time.Now()
	if !s.lastSync.IsZero() {
		if wait := s.lastSync.Add(syncInterval).Sub(now); wait > 0 {
			h.stats.syncDeferred.Add(1)
			s.syncTimer = time.AfterFunc(wait, func() { h.deferredSync(s) })
			return
		}
	}
	h.syncLocked(s, now)
}

// deferredSync sends the PCONNSYNC a rate-limited Sync deferred.
func (h *Handler) deferredSync(s *Session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.syncTimer = nil
	if s.pconnSentLocked() {
		h.syncLocked(s, time.Now())
	}
}

// syncLocked sends one PCONNSYNC with the session's data as it is now. s.mu must be held.
func (h *Handler) syncLocked(s *Session, now time.Time) {
	s.lastSync = now
	d := s.nextSyncLocked()
	if h.up.sendSync(link.Message{Op: link.OpPortalConnSync, Sessid: s.sessid, Session: &d}) {
		h.stats.syncMerged.Add(1)
	}
}

// Disconnect is called by a protocol whose connection closed on the
// portal side (client quit, read error). See [Session.Close].
func (h *Handler) Disconnect(s *Session, reason CloseReason) { h.closeSession(s, reason, "") }

// closeSession is the only way a session ends. The first call wins; a
// released session sends exactly one PDISCONN, a queued one none.
func (h *Handler) closeSession(s *Session, reason CloseReason, message string) {
	h.closeSessionUnless(s, reason, message, nil)
}

// closeSessionUnless is closeSession, except that s stays open if keep
// (called with s.mu held, with s's state) says so. It reports whether
// this call closed s.
func (h *Handler) closeSessionUnless(s *Session, reason CloseReason, message string, keep func(SessionState) bool) bool {
	s.mu.Lock()
	prev := s.State()
	if prev == StateClosed || (keep != nil && keep(prev)) {
		s.mu.Unlock()
		return false
	}
	announced := s.pconnSentLocked()
	s.state.Store(int32(StateClosed))
	s.reason = reason
	s.pendingIn = nil
	if s.syncTimer != nil {
		s.syncTimer.Stop() // if it already fired, it finds the session closed
		s.syncTimer = nil
	}
	s.stopLoginTimerLocked()
	if prev != StateQueued {
		h.mu.Lock()
		if h.sessions[s.sessid] == s {
			delete(h.sessions, s.sessid)
		}
		h.mu.Unlock()
		if announced && !h.closingAll.Load() {
			h.up.send(link.Message{Op: link.OpPortalDisconnect, Sessid: s.sessid, Reason: reason.String()}, nil)
		}
	}
	s.mu.Unlock()
	if prev == StateQueued {
		h.throttle.Remove(s) // after s.mu: the throttle calls release with its own locks held
	}
	if s.addrHeld {
		h.perAddr.remove(s.addr) // once: this is the session's one close
	}
	h.stats.closed.Add(1)
	s.proto.Close(message)
	h.log.Debug("session.closed", "sessid", s.sessid, "state", prev, "reason", reason)
	if h.cfg.OnSessionClosed != nil {
		h.cfg.OnSessionClosed(s.sessid, prev, reason)
	}
	return true
}

// DisconnectAll closes every session, queued ones included, for a portal
// shutdown. The server gets one PDISCONNALL instead of a PDISCONN each.
//
// Nothing escapes: the throttle is stopped first, and Stop returns only
// once a release in progress (a session the timer popped just before) has
// registered its session and sent its PCONN, so that PCONN goes before
// the PDISCONNALL and the session is in the table swept below. Sessions
// connecting later are refused by the stopped throttle and closed by Connect.
func (h *Handler) DisconnectAll() {
	h.closingAll.Store(true) // from now on no PDISCONN: the PDISCONNALL covers them
	queued := h.throttle.Stop()
	h.up.send(link.Message{Op: link.OpPortalDisconnectAll}, nil)
	for _, s := range queued {
		h.closeSession(s, ReasonPortalShutdown, "")
	}
	for _, s := range h.Sessions() {
		h.closeSession(s, ReasonPortalShutdown, "")
	}
}

// ServerConnect starts an outbound protocol by factory name (Evennia's
// SCONN). An unknown name is [ErrUnknownProtocol].
func (h *Handler) ServerConnect(ctx context.Context, name string, config map[string]any) error {
	f := h.cfg.Protocols[name]
	if f == nil {
		return fmt.Errorf("server connect %q: %w", name, ErrUnknownProtocol)
	}
	if err := f(ctx, h, config); err != nil {
		return fmt.Errorf("server connect %q: %w", name, err)
	}
	return nil
}

// ServerDisconnect closes one session on the server's request, sending
// reason to the client first.
func (h *Handler) ServerDisconnect(sessid uint64, reason string) error {
	h.browsers.forget(sessid) // the player quit: the browser is logged out too, even if the tab already closed
	s := h.Get(sessid)
	if s == nil {
		return fmt.Errorf("server disconnect %d: %w", sessid, ErrUnknownSession)
	}
	h.closeSession(s, ReasonServerDisconnect, reason)
	return nil
}

// ServerDisconnectAll closes every session on the server's request,
// queued ones included (they would otherwise get in afterwards). TakeAll
// waits out a release in progress, so its session is in the table by the
// time the released sessions are swept.
func (h *Handler) ServerDisconnectAll(reason string) {
	for _, s := range h.throttle.TakeAll() {
		h.closeSession(s, ReasonServerDisconnectAll, reason)
	}
	for _, s := range h.Sessions() {
		h.closeSession(s, ReasonServerDisconnectAll, reason)
	}
}

// ServerLoggedIn records that the server authenticated a session (SLOGIN).
// A session already gone is ignored and counted (bug 5.37): its PDISCONN
// is already on the way to the server.
func (h *Handler) ServerLoggedIn(sessid uint64, d link.SessionData) error {
	s := h.Get(sessid)
	if s == nil {
		h.stats.loginUnknown.Add(1)
		return fmt.Errorf("server login %d: %w", sessid, ErrUnknownSession)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.State() == StateClosed {
		h.stats.loginUnknown.Add(1)
		return fmt.Errorf("server login %d: %w", sessid, ErrUnknownSession)
	}
	s.loadLocked(d, true)
	h.setLoggedInLocked(s, true)
	return nil
}

// ServerSessionSync loads the server's session data into the matching
// sessions (SSYNC). With clean, sessions the server no longer has are
// closed, but only those whose PCONN the server had seen when it took the
// snapshot (seq <= connSeq, link.Message.ConnSeq): a session connected since is kept (bug 5.1).
func (h *Handler) ServerSessionSync(sessions []link.SessionData, clean bool, connSeq uint64) {
	inSnap := make(map[uint64]struct{}, len(sessions))
	for _, d := range sessions {
		inSnap[d.Sessid] = struct{}{}
		s := h.Get(d.Sessid)
		if s == nil {
			continue
		}
		s.mu.Lock()
		if st := s.State(); st == StateConnected || st == StateLoggedIn {
			s.loadLocked(d, d.LoggedIn)
			h.setLoggedInLocked(s, d.LoggedIn)
		}
		s.mu.Unlock()
	}
	if !clean {
		return
	}
	for _, s := range h.Sessions() {
		if _, ok := inSnap[s.sessid]; ok {
			continue
		}
		if !s.pconnSent() || s.Data().Seq > connSeq { // a PCONN still held back is newer still
			h.stats.syncKept.Add(1)
			continue
		}
		h.stats.syncCleaned.Add(1)
		h.closeSession(s, ReasonServerSync, "")
	}
}

// CountLoggedIn counts logged-in sessions, or every released session with includeUnloggedIn.
func (h *Handler) CountLoggedIn(includeUnloggedIn bool) int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if includeUnloggedIn {
		return len(h.sessions)
	}
	n := 0
	for _, s := range h.sessions {
		if s.State() == StateLoggedIn {
			n++
		}
	}
	return n
}

// SessionsFromCsessid returns the released sessions with the given browser session key.
func (h *Handler) SessionsFromCsessid(csessid string) []*Session {
	if csessid == "" {
		return nil
	}
	var out []*Session
	for _, s := range h.Sessions() {
		if s.Data().Csessid == csessid {
			out = append(out, s)
		}
	}
	return out
}

// AnnounceAll sends message to every released session.
func (h *Handler) AnnounceAll(message string) {
	for _, s := range h.Sessions() {
		s.Msg(message)
	}
}

// AtServerConnection records that a game server connected (PSYNC).
func (h *Handler) AtServerConnection() {
	h.mu.Lock()
	h.connTime = time.Now()
	h.mu.Unlock()
}

// ServerConnectedAt is when a game server last connected; zero if never.
func (h *Handler) ServerConnectedAt() time.Time {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.connTime
}

// DataIn relays input from a session to the server, after the character
// limit (measured in characters of text, the same for every protocol,
// bug 5.8) and the command rate (bug 5.28). Input from a queued session is
// kept and delivered after its PCONN (bug 5.6). Refused input is answered
// with Evennia's warning and counted; nothing is dropped silently.
func (h *Handler) DataIn(s *Session, cmds ...link.Command) {
	if len(cmds) == 0 {
		return
	}
	if lim := h.cfg.MaxCharLimit; lim > 0 {
		for _, c := range cmds {
			if overCharLimit(c, lim) {
				h.stats.charDropped.Add(1)
				s.Msg(CharLimitWarning)
				return
			}
		}
	}
	now := time.Now()
	var warn string
	s.mu.Lock()
	switch {
	case s.State() == StateClosed:
	case !s.rate.allow(now, h.cmdLimit):
		h.stats.rateDropped.Add(1)
		warn = CommandRateWarning
	case s.State() == StateQueued || s.hold == holdReleased:
		if len(s.pendingIn) >= h.cfg.QueuedInputLimit {
			h.stats.queuedDropped.Add(1)
			warn = ServerGoneWarning
			break
		}
		h.stats.queuedInput.Add(1)
		s.pendingIn = append(s.pendingIn, cmds)
	default:
		s.data.CmdLast = now
		if !h.sendInputLocked(s, cmds) {
			warn = ServerGoneWarning
		}
	}
	s.mu.Unlock()
	if warn != "" {
		s.Msg(warn)
	}
}

// overCharLimit reports whether a text input has a string argument longer
// than lim characters. The name is taken as a game server takes it
// (Evennia lower-cases and trims input function names), so "Text " is
// text too.
func overCharLimit(c link.Command, lim int) bool {
	if strings.ToLower(strings.TrimSpace(c.Name)) != "text" {
		return false
	}
	for _, a := range c.Args {
		if t, ok := a.(string); ok && utf8.RuneCountInString(t) > lim {
			return true
		}
	}
	return false
}

// sendInputLocked sends one input message; false if it could not be held. s.mu must be held.
func (h *Handler) sendInputLocked(s *Session, cmds []link.Command) bool {
	if !h.up.sendInput(link.Message{Op: link.OpDataIn, Sessid: s.sessid, Data: cmds}, s) {
		h.stats.holdDropped.Add(1)
		return false
	}
	h.stats.inputs.Add(1)
	return true
}

// DataOut relays output from the server to a session. Each command goes
// to the protocol's handler for its name or to its default handler.
// Output for an unknown sessid is counted and dropped.
func (h *Handler) DataOut(sessid uint64, cmds []link.Command) {
	s := h.Get(sessid)
	if s == nil {
		h.stats.outputUnknown.Add(1)
		return
	}
	h.dispatch(s, cmds)
}

// dispatch runs each command through the session's protocol. A panicking
// protocol handler is logged with its stack and counted, never fatal.
func (h *Handler) dispatch(s *Session, cmds []link.Command) { h.dispatchShared(s, cmds, nil) }

// dispatchShared is dispatch for one of the sessions of a fan-out: a
// protocol that can ([sharedOutput]) encodes each command through enc,
// once for all the sessions that see it the same way. enc may be nil.
func (h *Handler) dispatchShared(s *Session, cmds []link.Command, enc *fanoutEncodings) {
	defer func() {
		if r := recover(); r != nil {
			h.stats.outputPanics.Add(1)
			h.log.Error("session.output.panic", "sessid", s.sessid, "panic", r, "stack", string(debug.Stack()))
		}
	}()
	shared, _ := s.proto.(sharedOutput)
	for i, c := range cmds {
		h.stats.outputs.Add(1)
		name := strings.ToLower(strings.TrimSpace(c.Name))
		if enc != nil && shared != nil && shared.outputShared(name, c, i, enc) {
			continue
		}
		if f := s.proto.Output(name); f != nil {
			f(c.Args, c.Kwargs)
		} else {
			s.proto.SendDefault(c)
		}
	}
}

// Get returns the released session with sessid, or nil.
func (h *Handler) Get(sessid uint64) *Session {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.sessions[sessid]
}

// Sessions returns the released sessions, in no particular order.
func (h *Handler) Sessions() []*Session {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([]*Session, 0, len(h.sessions))
	for _, s := range h.sessions {
		out = append(out, s)
	}
	return out
}

// Throttle returns the connect throttle.
func (h *Handler) Throttle() *Throttle { return h.throttle }

// CountInvalid records bad client input of one kind; protocols call it.
func (h *Handler) countInvalidUTF8() { h.stats.invalidUTF8.Add(1) }
func (h *Handler) countLongLine()    { h.stats.longLines.Add(1) }
func (h *Handler) countProtocolErr() { h.stats.protocolError.Add(1) }
func (h *Handler) countOutputCut()   { h.stats.outputCut.Add(1) }

// Stats returns the handler's counters.
func (h *Handler) Stats() HandlerStats {
	c := &h.stats
	return HandlerStats{
		Connected: c.connected.Load(), Closed: c.closed.Load(),
		Inputs: c.inputs.Load(), RateDropped: c.rateDropped.Load(), CharDropped: c.charDropped.Load(),
		QueuedInput: c.queuedInput.Load(), QueuedDropped: c.queuedDropped.Load(),
		HoldDropped:  c.holdDropped.Load(),
		SyncDeferred: c.syncDeferred.Load(), SyncMerged: c.syncMerged.Load(),
		SyncStale:     c.syncStale.Load(),
		EncodeDropped: h.up.encodeDropped.Load(),
		Outputs:       c.outputs.Load(), OutputUnknown: c.outputUnknown.Load(), OutputPanics: c.outputPanics.Load(),
		OutputCut: c.outputCut.Load(), HandshakeTimeouts: c.handshakeTimeouts.Load(),
		LoginUnknown: c.loginUnknown.Load(), SyncCleaned: c.syncCleaned.Load(), SyncKept: c.syncKept.Load(),
		InvalidUTF8: c.invalidUTF8.Load(), LongLines: c.longLines.Load(), ProtocolErrors: c.protocolError.Load(),
		LinkRefused: h.up.refused.Load(), LinkBusy: h.up.busy.Load(), LinkStalls: h.up.stalls.Load(),
		LoginTimeouts: c.loginTimeouts.Load(), AddressRefused: c.addressRefused.Load(),
		HalfCloseWaits: c.halfCloseWaits.Load(), HalfCloseTimeouts: c.halfCloseTimeouts.Load(),
		TLSHandshakeFailures: c.tlsHandshakeFailed.Load(), SSHHandshakeFailures: c.sshHandshakeFailed.Load(),
		HandshakeRefused: c.handshakeRefused.Load(), AcceptErrors: c.acceptErrors.Load(),
		Throttle: h.throttle.Stats(),
		Held:     h.up.heldCount(), HeldInputBytes: h.up.heldInputBytes(),
		Unacked: h.up.unackedCount(),
	}
}
