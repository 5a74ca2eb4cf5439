package ampportal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"

	"github.com/portalsim/portalsim/internal/amp"
	"github.com/portalsim/portalsim/internal/ampbridge"
	"github.com/portalsim/portalsim/internal/link"
)

// Bridge is Evennia's Portal on the AMP port, in front of our portal.
// Create it with [New], [Bridge.Start] it, and [Bridge.Close] it.
type Bridge struct {
	cfg Config
	log *slog.Logger
	ln  net.Listener
	// removePID removes the PID file at Close.
	removePID func()
	// spawn starts a Server process (cmd.Start; tests replace it).
	spawn func(*exec.Cmd) error

	events    chan event
	stop      chan struct{} // closed by Close
	stopOnce  sync.Once
	done      chan struct{} // closed when the loop returns
	shutReq   chan struct{} // closed when Evennia asks the portal to stop
	shut      sync.Once
	wg        sync.WaitGroup
	stats     counters
	trStats   atomic.Pointer[ampbridge.Stats]
	startOnce sync.Once

	// Owned by the loop.
	tr        ampbridge.Translator
	codec     codec
	conns     map[*ampConn]struct{}
	nextID    uint64
	server    *serverConn // the Evennia Server linked, or nil
	launcher  *ampConn    // the launcher that spoke last, or nil
	cmd       []string    // the Server's command line (SSTART)
	spawning  int         // Server processes started whose parent has not exited
	psyncPush bool        // push the status to the launcher at the next PSYNC
	takeover  string      // the portal's token for the next Server's link
}

// event is something for the loop: an accepted connection, a box or the
// end of an AMP connection, a link made or a message of one, a Server
// process's parent that exited.
type event struct {
	accept net.Conn

	amp     *ampConn
	box     amp.Box
	ampErr  error
	ampGone bool

	up      *serverConn // the link dialed for it
	upConn  *link.Conn
	upHello link.Hello
	upErr   error

	lc      *link.Conn
	msg     link.Message
	linkErr error

	spawned *spawnResult
}

// counters are the bridge's statistics.
type counters struct {
	servers, launchers, boxesIn, boxesOut atomic.Uint64
	refused, translateErrors, spawned     atomic.Uint64
	spawnFailed, linkFailed, answerErrors atomic.Uint64
	connsRefused, acceptErrors            atomic.Uint64
}

// Stats are the bridge's counters.
type Stats struct {
	// Servers and Launchers count the connections that turned out to be
	// an Evennia Server's, and the launcher's (or another status query's).
	Servers, Launchers uint64
	// BoxesIn and BoxesOut count the commands from and to Evennia
	// processes.
	BoxesIn, BoxesOut uint64
	// Refused counts boxes refused with an error (bad payload, unknown
	// command or operation).
	Refused uint64
	// TranslateErrors counts messages one side sent that the other has
	// no counterpart for, or whose values it cannot hold (logged).
	TranslateErrors uint64
	// Spawned and SpawnFailed count Server processes started, and those
	// that did not start.
	Spawned, SpawnFailed uint64
	// LinkFailed counts links to the portal that could not be made.
	LinkFailed uint64
	// AnswerErrors counts the errors Evennia answered our commands with.
	AnswerErrors uint64
	// ConnsRefused counts connections closed because MaxConns were open
	// (the one idle longest goes), AcceptErrors failed accepts.
	ConnsRefused, AcceptErrors uint64
	// Translator is what the translation dropped and kept (as of the
	// loop's last tick).
	Translator ampbridge.Stats
}

// New checks cfg and returns a Bridge ready to start.
func New(cfg Config) (*Bridge, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	b := &Bridge{
		cfg:     cfg,
		log:     cfg.Logger.With("component", "ampportal"),
		spawn:   (*exec.Cmd).Start,
		events:  make(chan event, 1024),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
		shutReq: make(chan struct{}),
		conns:   make(map[*ampConn]struct{}),
		cmd:     cfg.ServerCommand,
	}
	b.codec.lim = cfg.Limits
	b.codec.dec.Max = cfg.Limits.MaxPayload
	return b, nil
}

// Start listens on the AMP address and starts the loop (and the Server,
// if Config.ServerCommand says how). A Bridge starts once.
func (b *Bridge) Start() error {
	err := errors.New("ampportal: the bridge was started before")
	b.startOnce.Do(func() { err = b.start() })
	return err
}

func (b *Bridge) start() error {
	if b.cfg.PIDFile != "" {
		remove, err := writePIDFile(b.cfg.PIDFile)
		if err != nil {
			return fmt.Errorf("ampportal: %w", err)
		}
		b.removePID = remove
	}
	ln, err := net.Listen("tcp", b.cfg.Addr)
	if err != nil {
		if b.removePID != nil {
			b.removePID()
		}
		return fmt.Errorf("ampportal: listen: %w", err)
	}
	b.ln = ln
	b.wg.Add(2)
	go func() { defer b.wg.Done(); b.acceptLoop() }()
	go func() { defer b.wg.Done(); b.loop() }()
	if len(b.cfg.ServerCommand) > 0 {
		b.post(event{spawned: &spawnResult{start: true}})
	}
	b.log.Info("amp.listening", "addr", ln.Addr().String())
	return nil
}

// Addr is where the bridge listens; nil before Start.
func (b *Bridge) Addr() net.Addr {
	if b.ln == nil {
		return nil
	}
	return b.ln.Addr()
}

// ShutdownRequested is closed when Evennia asks the portal to stop (the
// launcher's PSHUTD: "evennia stop"); the owner should then stop the
// portal and Close the bridge.
func (b *Bridge) ShutdownRequested() <-chan struct{} { return b.shutReq }

// Close stops listening, closes every connection and waits for the
// bridge's goroutines (not for a Server process being started: its
// twistd parent is left to exit by itself). No Server is started from
// the moment Close is called. It is idempotent.
func (b *Bridge) Close() error {
	b.stopOnce.Do(func() {
		close(b.stop)
		if b.ln != nil {
			_ = b.ln.Close()
		}
	})
	b.wg.Wait()
	b.drain()
	if b.removePID != nil {
		b.removePID()
		b.removePID = nil
	}
	return nil
}

// drain closes what events left queued at Close hold: connections
// accepted and links made that the loop never took.
func (b *Bridge) drain() {
	for {
		select {
		case ev := <-b.events:
			if ev.accept != nil {
				_ = ev.accept.Close()
			}
			if ev.upConn != nil {
				_ = ev.upConn.Close()
			}
		default:
			return
		}
	}
}

// stopping reports whether Close was called.
func (b *Bridge) stopping() bool {
	select {
	case <-b.stop:
		return true
	default:
		return false
	}
}

// Stats returns the counters.
func (b *Bridge) Stats() Stats {
	c := &b.stats
	s := Stats{Servers: c.servers.Load(), Launchers: c.launchers.Load(), BoxesIn: c.boxesIn.Load(),
		BoxesOut: c.boxesOut.Load(), Refused: c.refused.Load(), TranslateErrors: c.translateErrors.Load(),
		Spawned: c.spawned.Load(), SpawnFailed: c.spawnFailed.Load(), LinkFailed: c.linkFailed.Load(),
		AnswerErrors: c.answerErrors.Load(), ConnsRefused: c.connsRefused.Load(), AcceptErrors: c.acceptErrors.Load()}
	if t := b.trStats.Load(); t != nil {
		s.Translator = *t
	}
	return s
}

// post hands ev to the loop; false once the loop has ended (what it
// holds is then closed by Close's drain).
func (b *Bridge) post(ev event) bool {
	select {
	case <-b.done:
		return false
	default:
	}
	select {
	case b.events <- ev:
		return true
	case <-b.done:
		return false
	}
}

// requestShutdown tells the owner to stop the portal.
func (b *Bridge) requestShutdown() {
	b.shut.Do(func() { close(b.shutReq) })
}

// acceptLoop accepts until Close; a failed accept (out of descriptors,
// say) is retried after a growing pause, as net/http does.
func (b *Bridge) acceptLoop() {
	var pause time.Duration
	for {
		nc, err := b.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			b.stats.acceptErrors.Add(1)
			pause = min(max(2*pause, 5*time.Millisecond), time.Second)
			b.log.Error("amp.accept", "err", err, "retry_in", pause)
			select {
			case <-time.After(pause):
				continue
			case <-b.stop:
				return
			}
		}
		pause = 0
		if !b.post(event{accept: nc}) {
			_ = nc.Close()
			return
		}
	}
}

// tick is how often the loop acknowledges, beats and checks the Server.
const tick = 100 * time.Millisecond

// loop owns the bridge's state until Close.
func (b *Bridge) loop() {
	defer close(b.done)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			b.closeAll()
			return
		case now := <-t.C:
			if s := b.server; s != nil {
				s.keep(now)
			}
			st := b.tr.Stats()
			b.trStats.Store(&st)
		case ev := <-b.events:
			b.handle(ev)
		}
	}
}

// handle applies one event.
func (b *Bridge) handle(ev event) {
	switch {
	case ev.accept != nil:
		b.accepted(ev.accept)
	case ev.ampGone:
		b.ampGone(ev.amp, ev.ampErr)
	case ev.amp != nil:
		b.stats.boxesIn.Add(1)
		ev.amp.lastSeen = time.Now()
		b.ampBox(ev.amp, ev.box)
		ev.amp.proceed()
	case ev.up != nil:
		b.linkUp(ev.up, ev.upConn, ev.upHello, ev.upErr)
	case ev.lc != nil:
		if s := b.server; s != nil && s.link == ev.lc {
			if ev.linkErr != nil {
				s.linkLost(ev.linkErr)
			} else {
				s.fromPortal(ev.msg)
			}
		}
	case ev.spawned != nil:
		b.spawnDone(ev.spawned)
	}
}

// accepted takes a new connection: its reader and writer start, and if
// MaxConns are open, the one that said nothing for longest (never the
// Server's) is closed to make room.
func (b *Bridge) accepted(nc net.Conn) {
	if len(b.conns) >= b.cfg.MaxConns {
		b.stats.connsRefused.Add(1)
		var idle *ampConn
		for c := range b.conns {
			if c.role != roleServer && (idle == nil || c.lastSeen.Before(idle.lastSeen)) {
				idle = c
			}
		}
		if idle == nil {
			_ = nc.Close()
			return
		}
		b.log.Warn("amp.conns.full", "max", b.cfg.MaxConns, "closed", idle.id)
		idle.close()
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	b.nextID++
	c := newAMPConn(nc, b.nextID, b.cfg.WriteTimeout)
	b.conns[c] = struct{}{}
	b.wg.Add(2)
	go func() { defer b.wg.Done(); b.read(c, b.cfg.Limits) }()
	go func() { defer b.wg.Done(); c.writeLoop() }()
}

// ampBox dispatches one box of c by its kind and c's role.
func (b *Bridge) ampBox(c *ampConn, box amp.Box) {
	if c.ended() {
		return // closed by the bridge: what it still sent is not taken
	}
	kind, err := box.Kind()
	if err != nil {
		b.log.Warn("amp.box.refused", "conn", c.id, "err", err)
		b.stats.refused.Add(1)
		c.close()
		return
	}
	if kind != amp.KindCommand {
		b.result(c, kind, box)
		return
	}
	name := string(box.Command())
	if c.role == roleUnknown {
		c.role = classify(name)
		if c.role == roleServer {
			b.stats.servers.Add(1)
		} else {
			b.stats.launchers.Add(1)
		}
	}
	switch name {
	case amp.CommandAdminServer2Portal, amp.CommandMsgServer2Portal:
		b.serverBox(c, box)
	case amp.CommandMsgStatus:
		b.statusAsked(c, box)
	case amp.CommandMsgLauncher2Portal:
		b.launcherBox(c, box)
	default:
		// FunctionCall (which nothing in Evennia sends) and anything else.
		b.stats.refused.Add(1)
		b.log.Warn("amp.command.unhandled", "conn", c.id, "command", name)
		c.fail(box.Tag(), amp.ErrorCodeUnhandled, "Unhandled Command: "+name)
	}
}

// result takes an answer or error to one of our commands.
func (b *Bridge) result(c *ampConn, kind amp.Kind, box amp.Box) {
	tag, ok := parseTag(box.Tag())
	if kind == amp.KindError {
		b.stats.answerErrors.Add(1)
		rerr, _ := box.RemoteError()
		b.log.Warn("amp.remote.error", "conn", c.id, "err", rerr)
	}
	if s := b.server; ok && s != nil && s.amp == c {
		s.answered(tag)
	}
}

// ampGone forgets a closed connection.
func (b *Bridge) ampGone(c *ampConn, err error) {
	if err != nil && !c.closed.Load() {
		b.log.Warn("amp.conn.error", "conn", c.id, "err", err)
	}
	c.close()
	delete(b.conns, c)
	if b.launcher == c {
		b.launcher = nil
	}
	if s := b.server; s != nil && s.amp == c {
		b.serverGone(s)
	}
}

// closeAll closes every connection at Close.
func (b *Bridge) closeAll() {
	if s := b.server; s != nil {
		s.closeLink()
	}
	for c := range b.conns {
		c.close()
	}
}

// status is what the launcher is told.
func (b *Bridge) status() amp.Status {
	st := amp.Status{PortalRunning: true, PortalPID: int64(os.Getpid()), ServerPID: b.tr.ServerPID,
		PortalInfo: b.cfg.PortalInfo, ServerInfo: amp.Dict{}}
	if b.server != nil && b.server.synced {
		st.ServerRunning = true
		st.ServerInfo = b.tr.ServerInfo
	}
	if st.PortalInfo == nil {
		st.PortalInfo = amp.Dict{}
	}
	return st
}

// flushTimeout bounds the last acknowledgement to the portal when a
// Server goes.
const flushTimeout = 2 * time.Second

// flush waits, bounded, until c has written what was queued.
func flush(c *link.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
	defer cancel()
	_ = c.Flush(ctx)
}
