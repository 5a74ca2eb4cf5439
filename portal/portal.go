package portal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/portalsim/portalsim/internal/link"
)

// Portal owns the player listeners and the game-server link.
//
// Lifecycle: [New], [Portal.Start], then [Portal.Shutdown] (graceful) or
// [Portal.Close] (hard). Every method is safe to call more than once.
type Portal struct {
	cfg   Config
	log   *slog.Logger
	runID string
	up    *uplink
	h     *Handler

	ctx    context.Context // cancelled at Close
	cancel context.CancelFunc

	started   atomic.Bool
	stopping  atomic.Bool
	links     atomic.Uint64 // numbers the game-server links (Hello.Link)
	closeOnce sync.Once
	done      chan struct{}
	shutReq   chan struct{} // closed when the server asks for a full shutdown (PSHUTD)
	shutOnce  sync.Once

	doors     []*door // the player listeners, set by Start
	linkLn    net.Listener
	linkSlots chan struct{} // a token per link connection in its handshake (Config.MaxLinkHandshakes)
	hs        handshakes    // TLS and SSH connections in their handshake
	hsLog     refusalLog    // handshakes refused: a line every 10 s at most
	refusals  refusalLog    // strangers: a line a second at most
	busyLog   refusalLog    // second servers, which retry: a line every 30 s at most
	acceptLog refusalLog    // failed accepts (EMFILE): a line every acceptLogEvery at most

	offerOnce sync.Once
	offer     *telnetOffer // see telnetOffer

	// mu guards the fields below.
	mu    sync.Mutex
	conns map[playerConn]struct{}
	wg    sync.WaitGroup // every goroutine started through goSafe
}

// New validates cfg and returns a portal that is not yet listening.
func New(cfg Config) (*Portal, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	var b [8]byte
	_, _ = rand.Read(b[:])
	p := &Portal{
		cfg:     cfg,
		log:     cfg.Logger.With("component", "portal"),
		runID:   hex.EncodeToString(b[:]),
		done:    make(chan struct{}),
		shutReq: make(chan struct{}),
		conns:   make(map[playerConn]struct{}),

		linkSlots: make(chan struct{}, cfg.MaxLinkHandshakes),
		refusals:  refusalLog{every: time.Second},
		hsLog:     refusalLog{every: 10 * time.Second},
		busyLog:   refusalLog{every: 30 * time.Second},
		acceptLog: refusalLog{every: acceptLogEvery, attr: "listener"},
	}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.up = newUplink(cfg.Logger, cfg.HoldLimit, cfg.HoldBytes)
	p.h = newHandler(cfg, p.up)
	p.h.goFn = p.goSafe
	return p, nil
}

// Start binds the listeners and starts accepting. Ports of 0 are chosen
// by the system; see [Portal.TelnetAddr] and [Portal.LinkAddr].
func (p *Portal) Start() error {
	if !p.started.CompareAndSwap(false, true) {
		return errors.New("portal: already started")
	}
	var err error
	if p.linkLn, err = p.openListener(p.cfg.LinkAddr, false); err != nil {
		return fmt.Errorf("listen link: %w", err)
	}
	if err = p.openDoors(); err != nil {
		p.closeListeners()
		return err
	}
	p.goSafe(func() { p.acceptLinks() })
	for _, d := range p.doors {
		p.goSafe(func() { d.run(d.ln) })
	}
	if p.cfg.Keepalive > 0 {
		p.goSafe(func() { p.keepalive() })
	}
	p.goSafe(func() { p.logStats() })
	attrs := []any{"run_id", p.runID, "link", p.linkLn.Addr().String()}
	for _, l := range p.Listeners() {
		attrs = append(attrs, l.Name, l.Addr.String())
	}
	p.log.Info("portal.started", attrs...)
	return nil
}

// telnetOffer is what every telnet connection offers first, made once.
func (p *Portal) telnetOffer() *telnetOffer {
	p.offerOnce.Do(func() { p.offer = newTelnetOffer(p.cfg.MXP) })
	return p.offer
}

// TelnetAddr is the telnet listener's address; nil before Start.
func (p *Portal) TelnetAddr() net.Addr { return p.DoorAddr(DoorTelnet) }

// LinkAddr is the game-server link listener's address; nil before Start.
func (p *Portal) LinkAddr() net.Addr {
	if p.linkLn == nil {
		return nil
	}
	return p.linkLn.Addr()
}

// LinkSecret is the secret a game server needs to link: Config.LinkSecret,
// or the one generated for this portal.
func (p *Portal) LinkSecret() link.Secret { return p.cfg.LinkSecret }

// RunID identifies this portal run; it changes at every start.
func (p *Portal) RunID() string { return p.runID }

// Handler returns the session handler.
func (p *Portal) Handler() *Handler { return p.h }

// ServerConnected reports whether a game server is linked and synced.
func (p *Portal) ServerConnected() bool { return p.up.connected() }

// ShutdownRequested is closed when the game server asks for a full
// shutdown (PSHUTD, the in-game "shutdown"); the owner should then call Shutdown.
func (p *Portal) ShutdownRequested() <-chan struct{} { return p.shutReq }

// Done is closed once the portal has stopped.
func (p *Portal) Done() <-chan struct{} { return p.done }

// StopServer asks the linked game server to stop (SSHUTD), or to restart
// with mode [link.ModeReload] or [link.ModeReset]. False if none is linked
// and synced, or if the linked one has already announced a restart or stop.
func (p *Portal) StopServer(mode string) bool {
	op := link.OpServerShutdown
	switch mode {
	case link.ModeReload:
		op = link.OpServerReload
	case link.ModeReset:
		op = link.OpServerReset
	}
	return p.up.sendControl(link.Message{Op: op, Mode: mode})
}

// Shutdown stops accepting, disconnects every session (the server gets
// PDISCONNALL, then SSHUTD), delivers them to the server and waits for the
// connections to finish, or for ctx. It returns ctx.Err() on deadline.
//
// PDISCONNALL and SSHUTD go like any message: to the live server, or held.
// If a server is taking over (its link accepted before Shutdown, the old
// one reloading), Shutdown waits for it to sync, so it gets them from the
// hold; with no server linked, they are dropped at Close. See uplink.deliver.
func (p *Portal) Shutdown(ctx context.Context) error {
	if !p.stopping.CompareAndSwap(false, true) {
		select {
		case <-p.done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	p.closeListeners()
	p.h.DisconnectAll()
	p.up.send(link.Message{Op: link.OpServerShutdown, Mode: link.ModeShutdown}, nil)
	err := p.up.deliver(ctx)
	wait := make(chan struct{})
	go func() {
		p.mu.Lock()
		conns := make([]playerConn, 0, len(p.conns))
		for c := range p.conns {
			conns = append(conns, c)
		}
		p.mu.Unlock()
		for _, c := range conns {
			<-c.ended()
		}
		close(wait)
	}()
	select {
	case <-wait:
	case <-ctx.Done():
		err = ctx.Err()
	}
	p.Close()
	return err
}

// Close stops everything at once: listeners, link and connections.
func (p *Portal) Close() error {
	p.stopping.Store(true)
	p.closeOnce.Do(func() {
		p.closeListeners()
		p.cancel()
		p.up.closeLink()
		p.mu.Lock()
		for c := range p.conns {
			c.abort()
		}
		p.mu.Unlock()
		p.wg.Wait()
		p.h.throttle.Stop()
		p.up.discard()
		close(p.done)
		p.log.Info("portal.stopped")
	})
	return nil
}

func (p *Portal) closeListeners() {
	for _, d := range p.doors {
		_ = d.ln.Close()
		if d.shut != nil {
			d.shut()
		}
	}
	if p.linkLn != nil {
		_ = p.linkLn.Close()
	}
}

// goSafe runs f in a goroutine tracked by the portal's WaitGroup, with a
// logged recover. It refuses once Close has begun waiting.
func (p *Portal) goSafe(f func()) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ctx.Err() != nil {
		return false
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer func() {
			if r := recover(); r != nil {
				p.log.Error("portal.panic", "panic", r, "stack", string(debug.Stack()))
			}
		}()
		f()
	}()
	return true
}

// serveLink runs one game-server link: handshake, then every message from
// the server, until the link closes. The link is detached however the
// loop ends (a panic included), before done is closed: a server taking
// over waits for done, and must find the unacknowledged messages requeued.
func (p *Portal) serveLink(nc net.Conn) {
	c := link.NewConn(nc, link.Config{HandshakeTimeout: p.cfg.LinkHandshakeTimeout})
	defer c.Close()
	stop := context.AfterFunc(p.ctx, func() { c.Close() })
	defer stop()
	done := make(chan struct{})
	defer close(done)
	linkN, peer, ok := p.handshakeLink(c, done)
	if !ok {
		return
	}
	lost := errors.New("link reader ended")
	defer func() { p.up.detach(c, lost) }()
	p.goSafe(func() { p.keepLink(c, peer, done) })
	p.log.Info("link.connected", "remote", nc.RemoteAddr().String(), "server_pid", peer.PID, "link", linkN)
	var ackedTo uint64 // the highest acknowledgement piggybacked so far (Message.Ack)
	for {
		m, err := c.Recv()
		if err != nil {
			lost = err
			return
		}
		if p.up.stalled.Load() && p.up.unstall(c) {
			p.h.AnnounceAll(RespondingNotice)
		}
		p.handleServer(c, m)
		// The acknowledgement an answer carries is taken after its output
		// is dispatched: a session whose client stopped sending closes once
		// its last input is acknowledged, and must have its answer by then
		// (Handler.awaitAnswered).
		if m.Ack > ackedTo && m.Op != link.OpAck {
			p.up.ack(c, m.Ack) // only when it moved: the output of one command repeats it
			ackedTo = m.Ack
		}
		p.up.received(m.Op)
	}
}

// ackInterval is how often the portal acknowledges the server's messages
// it processed, when there are new ones. Its ticker wakes the portal even
// when idle, and each ACK wakes the server: at 20 ms these two were a
// quarter of the CPU of a round trip at 100 round trips per second (and
// 12 ms of CPU per second idle, with the server's). The server forgets
// answers up to 100 ms later; nothing waits on them.
const ackInterval = 100 * time.Millisecond

// keepLink runs beside c's reader until done: every ackInterval it
// acknowledges the server messages processed on c, so that the server
// can forget them; it sends a heartbeat when it has said nothing for
// LinkHeartbeat; and it marks the server unresponsive when nothing came
// from it (its count of processed messages did not move) for LinkTimeout,
// telling the players once.
func (p *Portal) keepLink(c *link.Conn, peer link.Hello, done <-chan struct{}) {
	t := time.NewTicker(ackInterval)
	defer t.Stop()
	said := time.Now()
	var heard uint64      // the server messages processed when last looked at
	var heardAt time.Time // when that count last moved
	beat := p.cfg.LinkHeartbeat
	if t := peer.Timeout; t > 0 {
		beat = min(beat, t/4) // often enough for the server's patience
	}
	for {
		var now time.Time
		select {
		case <-done:
			return
		case now = <-t.C:
		}
		switch {
		case p.up.ackServer(c):
			said = now
		case now.Sub(said) >= beat && p.up.heartbeat(c):
			said = now
		}
		if n := p.up.in.Processed(); n != heard || heardAt.IsZero() {
			heard, heardAt = n, now
		}
		if silent := now.Sub(heardAt); p.cfg.LinkTimeout > 0 && silent > p.cfg.LinkTimeout && p.up.stall(c) {
			p.log.Warn("link.server.unresponsive", "silent", silent.Round(time.Millisecond), "remote", c.RemoteAddr().String())
			p.h.AnnounceAll(StalledWarning)
		}
	}
}

// handleServer applies one message from the game server. A panic while
// applying it (a protocol factory, the OnSessionClosed hook) is logged
// with its stack and answered with an error; the link stays up.
func (p *Portal) handleServer(c *link.Conn, m link.Message) {
	defer func() {
		if r := recover(); r != nil {
			p.log.Error("link.server.panic", "op", m.Op, "sessid", m.Sessid, "panic", r, "stack", string(debug.Stack()))
			p.up.reply(c, link.Message{Op: link.OpError, Sessid: m.Sessid, Err: fmt.Sprintf("%v: portal panic: %v", m.Op, r)})
		}
	}()
	h := p.h
	var err error
	switch m.Op {
	case link.OpPortalSync:
		h.AtServerConnection()
		err = p.up.syncServer(c, h, m)
	case link.OpDataOut:
		if len(m.Sessids) == 0 {
			h.DataOut(m.Sessid, m.Data)
			break
		}
		ids := m.Sessids
		if m.Sessid != 0 {
			ids = append([]uint64{m.Sessid}, ids...)
		}
		h.dataOutMany(ids, m.Data)
	case link.OpServerLogin:
		if m.Session == nil {
			err = errors.New("SLOGIN without session data")
			break
		}
		err = h.ServerLoggedIn(m.Sessid, *m.Session)
		if errors.Is(err, ErrUnknownSession) {
			err = nil // bug 5.37: counted, expected in a race
		}
	case link.OpServerDisconnect:
		_ = h.ServerDisconnect(m.Sessid, m.Reason) // already gone: its PDISCONN is on the way
	case link.OpServerDisconnectAll:
		h.ServerDisconnectAll(m.Reason)
	case link.OpServerSync:
		h.ServerSessionSync(m.Sessions, m.Clean, m.ConnSeq)
	case link.OpServerConnect:
		err = h.ServerConnect(p.ctx, m.Protocol, m.Config)
	case link.OpServerReload, link.OpServerReset, link.OpServerShutdown:
		mode := m.Mode
		if mode == "" {
			mode = map[link.Op]string{link.OpServerReload: link.ModeReload, link.OpServerReset: link.ModeReset, link.OpServerShutdown: link.ModeShutdown}[m.Op]
		}
		if m.Reason != "" {
			h.AnnounceAll(m.Reason)
		}
		p.up.holdFor(c, m.Op, mode)
		p.log.Info("link.server.stopping", "mode", mode)
	case link.OpPortalShutdown:
		p.shutOnce.Do(func() { close(p.shutReq) })
	case link.OpAck:
		p.up.ack(c, m.Seen)
	case link.OpError:
		p.log.Warn("link.server.error", "err", m.Err)
	default:
		err = fmt.Errorf("unexpected %v from the server", m.Op)
	}
	if err != nil {
		p.log.Warn("link.server.op", "op", m.Op, "sessid", m.Sessid, "err", err)
		p.up.reply(c, link.Message{Op: link.OpError, Sessid: m.Sessid, Err: fmt.Sprintf("%v: %v", m.Op, err)})
	}
}

// keepalive pings every connection each interval (see playerConn.nop).
func (p *Portal) keepalive() {
	t := time.NewTicker(p.cfg.Keepalive)
	defer t.Stop()
	for {
		select {
		case <-p.ctx.Done():
			return
		case <-t.C:
		}
		p.mu.Lock()
		conns := make([]playerConn, 0, len(p.conns))
		for c := range p.conns {
			conns = append(conns, c)
		}
		p.mu.Unlock()
		for _, c := range conns {
			c.nop()
		}
	}
}

// logStats writes one aggregated line every 10 s while something changes,
// instead of a line per client.
func (p *Portal) logStats() {
	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	var last HandlerStats
	for {
		select {
		case <-p.ctx.Done():
			return
		case <-t.C:
		}
		s := p.h.Stats()
		s.Held, s.HeldInputBytes = 0, 0
		if s == last {
			continue
		}
		last = s
		p.log.Info("portal.stats", "sessions", p.h.CountLoggedIn(true), "logged_in", p.h.CountLoggedIn(false),
			"queued", s.Throttle.Waiting, "released", s.Throttle.Released, "abandoned", s.Throttle.Abandoned,
			"inputs", s.Inputs, "rate_dropped", s.RateDropped, "char_dropped", s.CharDropped,
			"hold_dropped", s.HoldDropped, "accept_errors", s.AcceptErrors, "output_unknown", s.OutputUnknown, "held", p.up.heldCount(),
			"sync_deferred", s.SyncDeferred, "sync_merged", s.SyncMerged, "encode_dropped", s.EncodeDropped,
			"link_refused", s.LinkRefused, "link_busy", s.LinkBusy, "link_stalls", s.LinkStalls,
			"login_timeouts", s.LoginTimeouts, "address_refused", s.AddressRefused, "output_cut", s.OutputCut,
			"half_close_waits", s.HalfCloseWaits, "half_close_timeouts", s.HalfCloseTimeouts)
	}
}
