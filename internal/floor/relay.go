package floor

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
)

// RelayConfig configures a [Relay].
type RelayConfig struct {
	// Addr is where clients connect; "" means 127.0.0.1:0.
	Addr string
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
	backend net.Conn
	clients map[uint64]net.Conn
	started bool

	accepted, open, in, out, long, orphans atomic.Int64
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
		done: make(chan struct{}), clients: map[uint64]net.Conn{}}, nil
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
	r.started, r.ln, r.backend = true, ln, be
	r.wg.Go(r.writeBackend)
	r.wg.Go(r.readBackend)
	r.wg.Go(r.accept)
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
		LongLines: r.long.Load(), Orphans: r.orphans.Load()}
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
		if r.backend != nil {
			_ = r.backend.Close()
		}
		for _, c := range r.clients {
			_ = c.Close()
		}
	})
}

func (r *Relay) accept() {
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return // closed
		}
		id := r.nextID.Add(1)
		r.mu.Lock()
		select {
		case <-r.done:
			r.mu.Unlock()
			_ = c.Close()
			return
		default:
		}
		r.clients[id] = c
		r.mu.Unlock()
		r.accepted.Add(1)
		r.open.Add(1)
		r.wg.Go(func() { r.serveClient(id, c) })
	}
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

// serveClient reads one client's lines until it goes away.
func (r *Relay) serveClient(id uint64, c net.Conn) {
	defer func() {
		r.mu.Lock()
		delete(r.clients, id)
		r.mu.Unlock()
		_ = c.Close()
		r.open.Add(-1)
		r.send(AppendFrame(nil, id, KindClose, nil))
	}()
	if !r.send(AppendFrame(nil, id, KindOpen, nil)) {
		return
	}
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

// readBackend routes the backend's lines to their clients, CRLF-ended,
// each written straight to the client's socket: the floor trusts its
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
		if c == nil {
			r.orphans.Add(1)
			continue
		}
		if k == KindClose { // the echo hangs up: the client's reader ends and tells it
			_ = c.Close()
			continue
		}
		buf = append(append(buf[:0], payload...), '\r', '\n')
		if _, err := c.Write(buf); err == nil {
			r.out.Add(1)
		}
	}
}
