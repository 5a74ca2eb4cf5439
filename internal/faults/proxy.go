package faults

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// ProxyConfig configures [NewProxy]. Only Target is required.
type ProxyConfig struct {
	// Target is the host:port connections are relayed to.
	Target string
	// Listen is the address to listen on; "" means 127.0.0.1:0, a
	// random loopback port.
	Listen string
	// Seed seeds the jitter: with the same seed, the same connection
	// number draws the same delays.
	Seed uint64
	// DialTimeout bounds dialling the target for each connection; 0
	// means 5 s. A connection whose target does not answer is closed.
	DialTimeout time.Duration
	// BufferSize is the largest chunk read at once, in bytes; 0 means
	// 8 KiB.
	BufferSize int
	// Window bounds the bytes one direction of one connection holds on
	// their way (read, not yet written), like a TCP window; 0 means
	// 1 MiB. A held or slowed stream then pushes back on its sender
	// instead of growing, and a delayed one carries at most Window per
	// delay.
	Window int
}

const (
	defaultDialTimeout = 5 * time.Second
	defaultBufferSize  = 8 << 10
	maxBufferSize      = 1 << 20
	defaultWindow      = 1 << 20
	maxWindow          = 1 << 30
	// chunksPerStream bounds the chunks one direction of one connection
	// holds between its reader and its writer, whatever their size.
	chunksPerStream = 1024
)

// Validate reports every problem of cfg.
func (cfg ProxyConfig) Validate() error {
	var errs []error
	if cfg.Target == "" {
		errs = append(errs, errors.New("missing Target"))
	}
	if cfg.DialTimeout < 0 {
		errs = append(errs, fmt.Errorf("DialTimeout %v is negative", cfg.DialTimeout))
	}
	if cfg.BufferSize < 0 || cfg.BufferSize > maxBufferSize {
		errs = append(errs, fmt.Errorf("BufferSize %d: want 0 to %d", cfg.BufferSize, maxBufferSize))
	}
	if cfg.Window < 0 || cfg.Window > maxWindow {
		errs = append(errs, fmt.Errorf("the Window %d is out of range: want 0 to %d", cfg.Window, maxWindow))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	return nil
}

// Stats counts what a proxy did.
type Stats struct {
	// Accepted is how many connections were relayed.
	Accepted int64
	// Active is how many connections are relayed now.
	Active int
	// Refused is how many connections were closed at once ([Proxy.Refuse]).
	Refused int64
	// DialFailed is how many connections were closed because the target
	// could not be reached.
	DialFailed int64
	// Reset, Cut and Vanished count the connections ended by
	// [Proxy.Reset], [Proxy.Cut] and [Proxy.Vanish].
	Reset, Cut, Vanished int64
}

// Proxy relays TCP connections to a target, shaped by the toxics in
// place. Create one with [NewProxy]; every method is safe for concurrent
// use.
type Proxy struct {
	cfg    ProxyConfig
	ln     net.Listener    // nil for a proxy made by newProxy (tests attach pipes)
	ctx    context.Context // ends at Close: stops dials and the accept loop
	cancel context.CancelFunc
	wg     sync.WaitGroup // every goroutine of the proxy
	nextID atomic.Uint64  // connection numbers, from 1, in accept order
	state  atomic.Pointer[toxicState]
	once   sync.Once // Close
	bufs   sync.Pool // *[]byte of cfg.BufferSize

	mu        sync.Mutex // guards the fields below
	target    string
	refuse    bool
	closed    bool
	conns     map[*conn]struct{}
	toxics    map[uint64]Toxic // in place, by the order they were added
	nextToxic uint64
	stats     Stats
}

// toxicState is an immutable snapshot of the toxics in place.
type toxicState struct {
	toxics  []Toxic
	changed chan struct{} // closed when the snapshot is replaced
}

// NewProxy listens and relays every connection it accepts to cfg.Target
// until [Proxy.Close].
func NewProxy(cfg ProxyConfig) (*Proxy, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	addr := cfg.Listen
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("faults: listen: %w", err)
	}
	p := newProxy(cfg)
	p.ln = ln
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// newProxy makes a proxy with no listener: tests attach connections to it.
func newProxy(cfg ProxyConfig) *Proxy {
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = defaultDialTimeout
	}
	if cfg.BufferSize == 0 {
		cfg.BufferSize = defaultBufferSize
	}
	if cfg.Window == 0 {
		cfg.Window = defaultWindow
	}
	cfg.BufferSize = min(cfg.BufferSize, cfg.Window)
	p := &Proxy{cfg: cfg, target: cfg.Target, conns: map[*conn]struct{}{}, toxics: map[uint64]Toxic{}}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.bufs.New = func() any { b := make([]byte, cfg.BufferSize); return &b }
	p.state.Store(&toxicState{changed: make(chan struct{})})
	return p
}

// Addr is where to connect instead of the target, as host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// SetTarget changes where new connections are relayed.
func (p *Proxy) SetTarget(addr string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.target = addr
}

// Refuse makes the proxy close new connections at once (true) or relay
// them again (false). The connections it holds are not touched.
func (p *Proxy) Refuse(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refuse = on
}

// Add puts a toxic in place, for the connections the proxy holds and
// those it accepts later, until remove is called (remove may be called
// more than once).
func (p *Proxy) Add(t Toxic) (remove func(), err error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, ErrProxyClosed
	}
	p.nextToxic++
	id := p.nextToxic
	p.toxics[id] = t
	p.publishLocked()
	return func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if _, ok := p.toxics[id]; ok {
			delete(p.toxics, id)
			p.publishLocked()
		}
	}, nil
}

// publishLocked swaps in a snapshot of the toxics and wakes every writer
// waiting on the old one. p.mu must be held.
func (p *Proxy) publishLocked() {
	ids := make([]uint64, 0, len(p.toxics))
	for id := range p.toxics {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	st := &toxicState{toxics: make([]Toxic, len(ids)), changed: make(chan struct{})}
	for i, id := range ids {
		st.toxics[i] = p.toxics[id]
	}
	close(p.state.Swap(st).changed)
}

// shapeOf is what the toxics in place do to direction dir of connection n.
func (p *Proxy) shapeOf(n uint64, dir Stream) shape {
	return combine(p.state.Load().toxics, n, dir)
}

// held returns the connections held now, in the order they were accepted.
func (p *Proxy) held() []*conn {
	p.mu.Lock()
	cs := make([]*conn, 0, len(p.conns))
	for c := range p.conns {
		cs = append(cs, c)
	}
	p.mu.Unlock()
	slices.SortFunc(cs, func(a, b *conn) int { return cmp.Compare(a.id, b.id) })
	return cs
}

// ranked returns fraction of the connections held now, chosen by their
// rank among them (see [Picked]): a second act on the same fraction hits
// as many of those left, not the same numbers again.
func (p *Proxy) ranked(fraction float64) []*conn {
	var out []*conn
	for i, c := range p.held() {
		if Picked(uint64(i+1), fraction) {
			out = append(out, c)
		}
	}
	return out
}

// Affected returns how many of the connections held now a toxic with
// this Fraction applies to (see [Picked]: by connection number).
func (p *Proxy) Affected(fraction float64) int {
	n := 0
	for _, c := range p.held() {
		if Picked(c.id, fraction) {
			n++
		}
	}
	return n
}

// Reset ends fraction of the connections held now (chosen evenly by
// their rank, see [Picked]) with a TCP RST at both ends (SO_LINGER 0), as
// a crashed host or a middlebox would, and returns how many.
func (p *Proxy) Reset(fraction float64) int {
	cs := p.ranked(fraction)
	for _, c := range cs {
		c.close(true)
	}
	p.count(func(s *Stats) { s.Reset += int64(len(cs)) })
	return len(cs)
}

// Cut closes every connection held now at both ends (a FIN), and returns
// how many.
func (p *Proxy) Cut() int {
	cs := p.held()
	for _, c := range cs {
		c.close(false)
	}
	p.count(func(s *Stats) { s.Cut += int64(len(cs)) })
	return len(cs)
}

// Vanish arms fraction of the connections held now (chosen evenly by
// their rank, see [Picked]): each relays what its client sends up to the next line
// end, then closes at both ends at once, while the answer is on its way.
// With partial, only the first half of that line is relayed, so the
// client is gone in the middle of typing it. It returns how many were
// armed, and a channel closed once all of them are gone (or the proxy is
// closed).
func (p *Proxy) Vanish(fraction float64, partial bool) (armed int, gone <-chan struct{}) {
	mode := vanishLine
	if partial {
		mode = vanishPartial
	}
	cs := p.ranked(fraction)
	for _, c := range cs {
		c.vanish.Store(mode)
	}
	done := make(chan struct{})
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		close(done)
		return len(cs), done
	}
	p.wg.Add(1) // under mu: Close cannot be waiting yet
	p.mu.Unlock()
	go func() {
		defer p.wg.Done()
		defer close(done)
		for _, c := range cs {
			<-c.closed // Close closes every connection
		}
	}()
	return len(cs), done
}

// Stats returns the proxy's counters.
func (p *Proxy) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.stats
	s.Active = len(p.conns)
	return s
}

func (p *Proxy) count(f func(*Stats)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(&p.stats)
}

// Close stops listening, closes every connection and waits until every
// goroutine of the proxy has ended. It may be called more than once.
func (p *Proxy) Close() error {
	var err error
	p.once.Do(func() {
		p.mu.Lock()
		p.closed = true
		cs := make([]*conn, 0, len(p.conns))
		for c := range p.conns {
			cs = append(cs, c)
		}
		p.mu.Unlock()
		p.cancel()
		if p.ln != nil {
			err = p.ln.Close()
		}
		for _, c := range cs {
			c.close(false)
		}
		p.wg.Wait()
	})
	return err
}

// accept relays every connection until the listener is closed. A failing
// Accept (out of file descriptors, say) is retried with backoff, as
// net/http does.
func (p *Proxy) accept() {
	defer p.wg.Done()
	var delay time.Duration
	for {
		nc, err := p.ln.Accept()
		if err != nil {
			if p.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			select {
			case <-time.After(delay):
				continue
			case <-p.ctx.Done():
				return
			}
		}
		delay = 0
		id := p.nextID.Add(1)
		p.mu.Lock()
		target, refuse := p.target, p.refuse || p.closed
		if refuse {
			p.stats.Refused++
		}
		p.mu.Unlock()
		if refuse {
			nc.Close()
			continue
		}
		p.wg.Add(1)
		go p.dial(nc, id, target)
	}
}

// dial connects an accepted connection to the target and relays it.
func (p *Proxy) dial(client net.Conn, id uint64, target string) {
	defer p.wg.Done()
	ctx, cancel := context.WithTimeout(p.ctx, p.cfg.DialTimeout)
	defer cancel()
	server, err := (&net.Dialer{}).DialContext(ctx, "tcp", target)
	if err != nil {
		// Counted first: whoever sees the client closed sees it counted.
		p.count(func(s *Stats) { s.DialFailed++ })
		client.Close()
		return
	}
	p.attach(client, server, id)
}

// attach relays client to server as connection id; it closes both if
// the proxy is closed.
func (p *Proxy) attach(client, server net.Conn, id uint64) {
	c := newConn(p, id, client, server)
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		client.Close()
		server.Close()
		return
	}
	p.conns[c] = struct{}{}
	p.stats.Accepted++
	p.wg.Add(4) // under mu: Close cannot be waiting yet
	p.mu.Unlock()
	c.start()
}

// forget drops a closed connection.
func (p *Proxy) forget(c *conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, c)
}
