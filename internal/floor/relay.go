package floor

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/coder/websocket"
)

// RelayConfig configures a [Relay].
type RelayConfig struct {
	// Addr is where line (telnet-ish) clients connect; "" means
	// 127.0.0.1:0.
	Addr string
	// WebsocketAddr, if set, opens the websocket door there too (port 0:
	// random): clients speaking Evennia's webclient format (see
	// SubprotocolV1 and websocket.go), over the same backend connection.
	WebsocketAddr string
	// Backend is the Echo's address (required): the relay dials it once,
	// at Start, and every client's lines go over that one connection.
	Backend string
	// MaxLine is the longest client line kept, in bytes (DefaultMaxLine
	// when 0); a longer one is cut to it and counted.
	MaxLine int
	// Logger receives the relay's few log lines; nil discards.
	Logger *slog.Logger
}

// RelayStats are a Relay's counters.
type RelayStats struct {
	// Accepted is how many clients connected; Open how many are connected now.
	Accepted, Open int64
	// LinesIn is how many client lines went to the backend; LinesOut how
	// many lines came back to clients.
	LinesIn, LinesOut int64
	// LongLines counts client lines cut to MaxLine.
	LongLines int64
	// Orphans counts lines from the backend for a client already gone,
	// or for none (a bad frame).
	Orphans int64
	// Websocket is how many of Accepted came through the websocket door.
	Websocket int64
	// BadFrames counts websocket messages refused: binary, not the v1
	// format, or over the message limit (that one closes the client).
	BadFrames int64
	// OOB counts v1 messages other than text (out-of-band data), dropped.
	OOB int64
}

// Relay is the portal side of the floor (see the package doc).
type Relay struct {
	cfg RelayConfig
	log *slog.Logger

	// toBackend carries the clients' frames to the backend writer.
	toBackend chan []byte
	done      chan struct{} // closed when the relay stops, for Close or a lost backend
	stopOnce  sync.Once
	err       error // why it stopped; set before done is closed
	wg        sync.WaitGroup
	nextID    atomic.Uint64

	mu      sync.Mutex // guards the fields below
	ln      net.Listener
	web     *http.Server // the websocket door; nil when off
	webURL  string       // its ws:// URL
	backend net.Conn
	clients map[uint64]peer
	started bool

	accepted, open, in, out, long, orphans atomic.Int64
	websockets, badFrames, oob             atomic.Int64
}

// peer is a client of either door: a line client's socket, or a
// websocket.
type peer struct {
	tcp net.Conn
	ws  *websocket.Conn
}

// close hangs the client up at once.
func (p peer) close() {
	if p.ws != nil {
		_ = p.ws.CloseNow()
		return
	}
	_ = p.tcp.Close()
}

// writeLine writes one line of the backend to the client, encoded in
// buf (the caller's scratch, returned for reuse): CRLF-ended on a line
// client, a v1 text message on a websocket.
func (p peer) writeLine(buf, line []byte) ([]byte, error) {
	if p.ws != nil {
		buf = AppendV1Text(buf[:0], line)
		return buf, p.ws.Write(context.Background(), websocket.MessageText, buf)
	}
	buf = append(append(buf[:0], line...), '\r', '\n')
	_, err := p.tcp.Write(buf)
	return buf, err
}

// NewRelay returns a Relay; Start connects it.
func NewRelay(cfg RelayConfig) (*Relay, error) {
	if cfg.Backend == "" {
		return nil, errors.New("floor: relay needs a backend address")
	}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.MaxLine <= 0 {
		cfg.MaxLine = DefaultMaxLine
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Relay{cfg: cfg, log: log.With("component", "floor.relay"), toBackend: make(chan []byte, 4096),
		done: make(chan struct{}), clients: map[uint64]peer{}}, nil
}

// Start dials the backend, listens for clients and serves them in the
// background until Close or the backend's loss (see Done).
func (r *Relay) Start() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	select {
	case <-r.done:
		return ErrClosed
	default:
	}
	if r.started {
		return nil
	}
	be, err := net.Dial("tcp", r.cfg.Backend)
	if err != nil {
		return fmt.Errorf("floor: dial the echo: %w", err)
	}
	ln, err := net.Listen("tcp", r.cfg.Addr)
	if err != nil {
		_ = be.Close()
		return err
	}
	var wsLn net.Listener
	if r.cfg.WebsocketAddr != "" {
		if wsLn, err = net.Listen("tcp", r.cfg.WebsocketAddr); err != nil {
			_ = be.Close()
			_ = ln.Close()
			return err
		}
		r.web, r.webURL = r.websocketServer(), "ws://"+wsLn.Addr().String()+"/"
	}
	r.started, r.ln, r.backend = true, ln, be
	r.wg.Go(r.writeBackend)
	r.wg.Go(r.readBackend)
	r.wg.Go(r.accept)
	if wsLn != nil {
		r.wg.Go(func() { _ = r.web.Serve(wsLn) })
	}
	return nil
}

// Addr is where clients connect, once started.
func (r *Relay) Addr() net.Addr {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ln == nil {
		return nil
	}
	return r.ln.Addr()
}

// WebsocketURL is the websocket door's URL (ws://host:port/), once
// started; "" when the door is off.
func (r *Relay) WebsocketURL() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.web == nil {
		return ""
	}
	return r.webURL
}

// Done is closed when the relay stops: Close, or the backend's loss.
func (r *Relay) Done() <-chan struct{} { return r.done }

// Err says why the relay stopped (ErrClosed or ErrBackendLost); nil
// while it runs.
func (r *Relay) Err() error {
	select {
	case <-r.done:
		return r.err
	default:
		return nil
	}
}

// Stats returns the counters so far.
func (r *Relay) Stats() RelayStats {
	return RelayStats{Accepted: r.accepted.Load(), Open: r.open.Load(), LinesIn: r.in.Load(), LinesOut: r.out.Load(),
		LongLines: r.long.Load(), Orphans: r.orphans.Load(), Websocket: r.websockets.Load(), BadFrames: r.badFrames.Load(), OOB: r.oob.Load()}
}

// Close stops the relay: no new clients, every client and the backend
// closed; it waits for the relay's goroutines. It is idempotent.
func (r *Relay) Close() error {
	r.stop(ErrClosed)
	r.wg.Wait()
	return nil
}

// stop ends the relay for why, once: the first reason stays.
func (r *Relay) stop(why error) {
	r.stopOnce.Do(func() {
		r.err = why
		close(r.done)
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.ln != nil {
			_ = r.ln.Close()
		}
		if r.web != nil {
			_ = r.web.Close() // the listener; upgraded clients are closed below
		}
		if r.backend != nil {
			_ = r.backend.Close()
		}
		for _, c := range r.clients {
			c.close()
		}
	})
}

func (r *Relay) accept() {
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return // closed
		}
		id, ok := r.register(peer{tcp: c})
		if !ok {
			_ = c.Close()
			return
		}
		go func() {
			defer r.wg.Done()
			r.serveClient(id, peer{tcp: c})
		}()
	}
}

// register gives a new client its id and tracks it, adding one to the
// relay's WaitGroup for the goroutine that will serve it (which calls
// Done); false once the relay stopped.
func (r *Relay) register(p peer) (uint64, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	select {
	case <-r.done:
		return 0, false
	default:
	}
	// Added under mu before stop's close(done) takes it: never
	// concurrently with Close's Wait.
	r.wg.Add(1)
	id := r.nextID.Add(1)
	r.clients[id] = p
	r.accepted.Add(1)
	r.open.Add(1)
	return id, true
}

// send queues a frame for the backend; false once the relay stopped.
func (r *Relay) send(frame []byte) bool {
	select {
	case r.toBackend <- frame:
		return true
	case <-r.done:
		return false
	}
}

// serveClient tells the backend of one client, reads its lines until it
// goes away, and tells the backend that.
func (r *Relay) serveClient(id uint64, p peer) {
	defer func() {
		r.mu.Lock()
		delete(r.clients, id)
		r.mu.Unlock()
		p.close()
		r.open.Add(-1)
		r.send(AppendFrame(nil, id, KindClose, nil))
	}()
	if !r.send(AppendFrame(nil, id, KindOpen, nil)) {
		return
	}
	if p.ws != nil {
		r.readWebsocket(id, p.ws)
		return
	}
	r.readLines(id, p.tcp)
}

// readLines reads a line client's lines until it goes away.
func (r *Relay) readLines(id uint64, c net.Conn) {
	lr := newLineReader(bufio.NewReaderSize(c, r.cfg.MaxLine))
	for {
		line, cut, err := lr.next(true)
		if err != nil {
			return
		}
		if cut {
			r.long.Add(1)
		}
		r.in.Add(1)
		if !r.send(AppendFrame(make([]byte, 0, len(line)+24), id, KindData, line)) {
			return
		}
	}
}

// writeBackend writes the clients' frames to the backend, as many as are
// waiting in one write.
func (r *Relay) writeBackend() {
	bw := bufio.NewWriterSize(r.backend, 64<<10)
	for {
		select {
		case f := <-r.toBackend:
			_, _ = bw.Write(f)
		case <-r.done:
			return
		}
	drain:
		for {
			select {
			case f := <-r.toBackend:
				_, _ = bw.Write(f)
			default:
				break drain
			}
		}
		if err := bw.Flush(); err != nil {
			r.log.Warn("floor.relay.backend_lost", "err", err)
			r.stop(ErrBackendLost)
			return
		}
	}
}

// readBackend routes the backend's lines to their clients, each written
// straight to the client's socket (CRLF-ended, or a v1 text message): the floor trusts its
// clients to read (a client that stops reading holds up the others once
// its socket buffer is full, which the benchmark's clients never do).
func (r *Relay) readBackend() {
	// A frame holds an id, a client's (cut) line and what the echo adds
	// to it (the probe's time), or the greeting.
	lr := newLineReader(bufio.NewReaderSize(r.backend, max(r.cfg.MaxLine, DefaultMaxLine)+256))
	var buf []byte
	for {
		line, _, err := lr.next(false)
		if err != nil {
			select {
			case <-r.done:
			default:
				r.log.Warn("floor.relay.backend_lost", "err", err)
			}
			r.stop(ErrBackendLost)
			return
		}
		id, k, payload, err := ParseFrame(line)
		if err != nil || k == KindOpen {
			r.orphans.Add(1)
			continue
		}
		r.mu.Lock()
		c := r.clients[id]
		r.mu.Unlock()
		if c == (peer{}) {
			r.orphans.Add(1)
			continue
		}
		if k == KindClose { // the echo hangs up: the client's reader ends and tells it
			r.hangUp(c)
			continue
		}
		if buf, err = c.writeLine(buf, payload); err == nil {
			r.out.Add(1)
		}
	}
}
