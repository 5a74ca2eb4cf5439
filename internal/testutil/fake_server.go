package testutil

import (
	"context"
	"fmt"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/portalsim/portalsim/internal/link"
)

// FakeServerConfig configures [DialFakeServer]. Apart from Secret, the
// zero value syncs with the portal and never acknowledges anything.
type FakeServerConfig struct {
	// Secret is the portal's link secret ([portal.Portal.LinkSecret]).
	Secret link.Secret
	// Takeover is the token to present ([link.Hello.Takeover]).
	Takeover string
	// AutoAck acknowledges what has been received every AckInterval, like
	// the game server does; without it the portal keeps every message it
	// sent for a replay to the next server.
	AutoAck bool
	// AckInterval is the AutoAck period; 0 means 10ms.
	AckInterval time.Duration
	// NoSync skips the PSYNC: the link is up but the portal keeps holding
	// everything, as for a server still starting.
	NoSync bool
	// Silent sends no heartbeat: after its LinkTimeout the portal treats
	// the fake server as unresponsive, as a stopped server.
	Silent bool
}

// FakeMessage is one message a [FakeServer] received, with when it arrived.
type FakeMessage struct {
	// At is when the fake server's reader decoded it.
	At time.Time
	link.Message
}

// FakeServer is a hand-driven game server on a portal's link: it
// handshakes, sends PSYNC, records every message the portal sends it (in
// order, with its arrival time, in a mutex-guarded log) and sends
// whatever a test asks it to. It runs no game: a spec asserts on what
// reached the server (the order of PCONNs, their timing, the absence of a
// PDISCONN) and answers players itself with [FakeServer.SendText].
//
// All methods are safe for concurrent use.
type FakeServer struct {
	c     *link.Conn
	hello link.Hello
	done  chan struct{} // closed when the reader has ended

	// mu guards the fields below.
	mu      sync.Mutex
	log     []FakeMessage
	acked   uint64 // how many non-ACK messages had come at the last acknowledgement
	seen    uint64 // the Seen of the last acknowledgement: heartbeats repeat it
	err     error  // why the reader ended
	changed chan struct{}
}

// DialFakeServer connects to a portal's link address, handshakes as a
// game server and (unless cfg.NoSync) sends PSYNC and waits for the
// portal's PSYNC reply, so the link is live when it returns. The reply is
// the first message in the log. ctx bounds the dial, the handshake and
// the wait for the reply.
func DialFakeServer(ctx context.Context, linkAddr string, cfg FakeServerConfig) (*FakeServer, error) {
	nc, err := (&net.Dialer{}).DialContext(ctx, "tcp", linkAddr)
	if err != nil {
		return nil, fmt.Errorf("fake server: dial %s: %w", linkAddr, err)
	}
	c := link.NewConn(nc, link.Config{})
	hello, err := c.ServerHandshake(ctx, cfg.Secret, link.Hello{Started: time.Now(), Takeover: cfg.Takeover})
	if err != nil {
		return nil, fmt.Errorf("fake server: %w", err)
	}
	f := &FakeServer{c: c, hello: hello, done: make(chan struct{}), changed: make(chan struct{})}
	go f.read()
	if !cfg.Silent {
		go f.every(heartbeatEvery, f.heartbeat)
	}
	if cfg.AutoAck {
		every := cfg.AckInterval
		if every <= 0 {
			every = 10 * time.Millisecond
		}
		go f.every(every, func() { _ = f.Ack() })
	}
	if cfg.NoSync {
		return f, nil
	}
	if err := c.Send(link.Message{Op: link.OpPortalSync}); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("fake server: PSYNC: %w", err)
	}
	if err := f.Await(ctx, func(log []FakeMessage) bool {
		return slices.ContainsFunc(log, func(r FakeMessage) bool { return r.Op == link.OpPortalSync })
	}); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("fake server: waiting for the PSYNC reply: %w", err)
	}
	return f, nil
}

// PortalHello is the portal's handshake: its run id, pid and start time.
func (f *FakeServer) PortalHello() link.Hello { return f.hello }

func (f *FakeServer) read() {
	defer close(f.done)
	for {
		m, err := f.c.Recv()
		now := time.Now()
		f.mu.Lock()
		if err != nil {
			f.err = err
		} else {
			f.log = append(f.log, FakeMessage{At: now, Message: m})
		}
		close(f.changed)
		f.changed = make(chan struct{})
		f.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// every calls fn every d until the link has ended.
func (f *FakeServer) every(d time.Duration, fn func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-f.done:
			return
		case <-t.C:
			fn()
		}
	}
}

// Send sends one message to the portal.
func (f *FakeServer) Send(m link.Message) error { return f.c.Send(m) }

// SendText sends text to a session, followed by a prompt, as the game
// server answers a command.
func (f *FakeServer) SendText(sessid uint64, text string) error {
	return f.c.Send(link.Message{Op: link.OpDataOut, Sessid: sessid, Data: []link.Command{link.Text(text), link.Prompt("> ")}})
}

// Ack acknowledges every message received so far (nothing is sent if
// nothing but the portal's own ACKs came since the last one).
func (f *FakeServer) Ack() error {
	f.mu.Lock()
	n, due := uint64(len(f.log)), uint64(0)
	for _, m := range f.log {
		if m.Op != link.OpAck {
			due++
		}
	}
	if due == f.acked { // the portal's ACKs alone call for none
		f.mu.Unlock()
		return nil
	}
	f.acked, f.seen = due, n
	f.mu.Unlock()
	return f.c.Send(link.Message{Op: link.OpAck, Seen: n})
}

// heartbeatEvery is how often a fake server tells the portal it is
// alive: well within the portal's default LinkTimeout.
const heartbeatEvery = 500 * time.Millisecond

// heartbeat repeats the last acknowledgement, which acknowledges nothing
// new, so the portal knows the fake server is alive.
func (f *FakeServer) heartbeat() {
	f.mu.Lock()
	seen := f.seen
	f.mu.Unlock()
	_ = f.c.Send(link.Message{Op: link.OpAck, Seen: seen})
}

// Messages returns a copy of everything received so far, in order.
func (f *FakeServer) Messages() []FakeMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.log)
}

// Ops returns the received messages with one of the given operations, in order.
func (f *FakeServer) Ops(ops ...link.Op) []FakeMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []FakeMessage
	for _, r := range f.log {
		if slices.Contains(ops, r.Op) {
			out = append(out, r)
		}
	}
	return out
}

// Sessids returns the sessid of every received message with op, in order
// of arrival (duplicates included).
func (f *FakeServer) Sessids(op link.Op) []uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []uint64
	for _, r := range f.log {
		if r.Op == op {
			out = append(out, r.Sessid)
		}
	}
	return out
}

// Await waits until cond, called with the log after each new message
// (and once at the start), returns true. It fails when ctx ends or the
// link closes first. cond must not keep the slice.
func (f *FakeServer) Await(ctx context.Context, cond func([]FakeMessage) bool) error {
	for {
		f.mu.Lock()
		ok := cond(f.log)
		changed, err := f.changed, f.err
		f.mu.Unlock()
		switch {
		case ok:
			return nil
		case err != nil:
			return fmt.Errorf("fake server: link closed: %w", err)
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Err returns why the link ended, or nil while it is up.
func (f *FakeServer) Err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// Done is closed when the link has ended and every message is logged.
func (f *FakeServer) Done() <-chan struct{} { return f.done }

// Close closes the link, as a killed server would, and waits for the reader.
// It always returns nil, so it suits DeferCleanup.
func (f *FakeServer) Close() error {
	_ = f.c.Close()
	<-f.done
	return nil
}
