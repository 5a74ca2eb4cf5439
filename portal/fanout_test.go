package portal

import (
	"fmt"
	"io"
	"net"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/link"
)

// fanoutSink counts the bytes every player socket of a fan-out
// benchmark was written, and wakes the benchmark when they reach want.
type fanoutSink struct {
	n, want atomic.Int64
	reached chan struct{}
}

// await waits until want bytes were written in all.
func (k *fanoutSink) await(tb testing.TB) {
	tb.Helper()
	deadline := time.After(10 * time.Second)
	for k.n.Load() < k.want.Load() {
		select {
		case <-k.reached:
		case <-deadline:
			tb.Fatalf("%d of %d bytes written", k.n.Load(), k.want.Load())
		}
	}
}

// fanoutConn is a player socket that counts what it is written into its
// sink and whose reads block until it is closed.
type fanoutConn struct {
	sink   *fanoutSink
	port   int
	closed chan struct{}
	once   sync.Once

	// mu guards the fields below.
	mu        sync.Mutex
	recording bool
	got       []byte
}

func (c *fanoutConn) Read([]byte) (int, error) {
	<-c.closed
	return 0, io.EOF
}
func (c *fanoutConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	if c.recording {
		c.got = append(c.got, p...)
	}
	c.mu.Unlock()
	if c.sink.n.Add(int64(len(p))) >= c.sink.want.Load() {
		select {
		case c.sink.reached <- struct{}{}:
		default:
		}
	}
	return len(p), nil
}
func (c *fanoutConn) Close() error { c.once.Do(func() { close(c.closed) }); return nil }
func (c *fanoutConn) LocalAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4000}
}
func (c *fanoutConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: c.port}
}
func (c *fanoutConn) SetDeadline(time.Time) error      { return nil }
func (c *fanoutConn) SetReadDeadline(time.Time) error  { return nil }
func (c *fanoutConn) SetWriteDeadline(time.Time) error { return nil }

// fanoutPortal is a portal with a live link (whose far end discards
// what it is sent) and n telnet players, served by their own writer
// goroutines, on fanoutConns.
type fanoutPortal struct {
	p     *Portal
	lc    *link.Conn
	sink  *fanoutSink
	ids   []uint64
	conns []*fanoutConn
}

func newFanoutPortal(tb testing.TB, n int) *fanoutPortal {
	tb.Helper()
	p, err := New(Config{MaxConnectionRate: -1, MaxCommandRate: -1, HandshakeTimeout: -1, LoginTimeout: -1, Keepalive: -1})
	if err != nil {
		tb.Fatal(err)
	}
	far := &fanoutConn{sink: &fanoutSink{reached: make(chan struct{}, 1)}, closed: make(chan struct{})}
	far.sink.want.Store(1 << 62)
	lc := link.NewConn(far, link.Config{})
	tb.Cleanup(func() {
		_ = lc.Close()
		_ = p.Close()
	})
	if err := p.up.admit(lc, link.Hello{}); err != nil {
		tb.Fatal(err)
	}
	if err := p.up.attach(lc, make(chan struct{}), link.Hello{}, 1); err != nil {
		tb.Fatal(err)
	}
	if err := p.up.syncServer(lc, p.h, link.Message{Op: link.OpPortalSync}); err != nil {
		tb.Fatal(err)
	}
	fp := &fanoutPortal{p: p, lc: lc, sink: &fanoutSink{reached: make(chan struct{}, 1)}}
	for i := range n {
		c := &fanoutConn{sink: fp.sink, port: 10000 + i, closed: make(chan struct{})}
		fp.conns = append(fp.conns, c)
		p.serveTelnetAs(c, "telnet")
	}
	for _, s := range p.h.Sessions() {
		fp.ids = append(fp.ids, s.Sessid())
	}
	if len(fp.ids) != n {
		tb.Fatalf("%d sessions, want %d", len(fp.ids), n)
	}
	slices.Sort(fp.ids) // in the order of conns: Connect numbers them as they are served
	return fp
}

// dataOut hands the portal a DATAOUT of text for every player, as the
// link reader does, and waits until each player's socket was written it.
func (fp *fanoutPortal) dataOut(tb testing.TB, text string, wire int) {
	fp.sink.want.Add(int64(wire * len(fp.ids)))
	m := link.Message{Op: link.OpDataOut, Sessids: fp.ids, Data: []link.Command{link.Text(text)}}
	fp.p.handleServer(fp.lc, m)
	fp.sink.await(tb)
	fp.p.up.ack(fp.lc, 1<<62)
}

// BenchmarkFanout1000: one op is one line ("X has entered the game.")
// sent by the game server to 1,000 telnet players in one DATAOUT: the
// portal dispatches it to each session, which renders and encodes it and
// queues it for its writer goroutine, which writes it to the player's
// socket (a counting sink here, so no system call is measured).
// ns/msg and allocs/msg are per player reached.
func BenchmarkFanout1000(b *testing.B) {
	benchmarkFanout(b, 1000)
}

func benchmarkFanout(b *testing.B, n int) {
	fp := newFanoutPortal(b, n)
	const text = "Dummy_123 has entered the game."
	wire := len(text) + 2
	fp.sink.await(b) // the negotiation
	fp.sink.want.Store(fp.sink.n.Load())
	var ms0, ms1 runtimeAllocs
	ms0.read()
	b.ResetTimer()
	for b.Loop() {
		fp.dataOut(b, text, wire)
	}
	b.StopTimer()
	ms1.read()
	msgs := float64(b.N * n)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/msgs, "ns/msg")
	b.ReportMetric(float64(ms1.mallocs-ms0.mallocs)/msgs, "allocs/msg")
}

// A fan-out renders and encodes once per distinct way of seeing the
// text: plain text once for everyone, text with markup once per colour
// setting; each player gets its own rendering, once.
func TestFanoutEncodesOncePerRendering(t *testing.T) {
	t.Parallel()
	fp := newFanoutPortal(t, 4)
	fp.sink.await(t)
	for _, c := range fp.conns {
		c.record()
	}
	sr := fp.p.h.Get(fp.ids[3])
	sr.SetFlags(map[string]any{"SCREENREADER": true})

	var enc fanoutEncodings
	fp.p.h.mu.RLock()
	sessions := []*Session{}
	for _, id := range fp.ids {
		sessions = append(sessions, fp.p.h.sessions[id])
	}
	fp.p.h.mu.RUnlock()
	cmds := []link.Command{link.Text("plain words"), link.Text("|rred|n words")}
	for _, s := range sessions {
		fp.p.h.dispatchShared(s, cmds, &enc)
	}
	if got, want := fmt.Sprint(enc.encodings()), "[4 3 1]"; got != want {
		t.Errorf("sessions per encoding: %s, want %s (plain once, markup once per rendering)", got, want)
	}
	for i, c := range fp.conns {
		// What each session's own DATAOUT would have sent it.
		s := fp.p.h.Get(fp.ids[i])
		want := string(encodeTelnetText(s.renderTerminal("plain words", false))) + string(encodeTelnetText(s.renderTerminal("|rred|n words", false)))
		got := c.awaitText(t, want)
		if j := strings.Index(got, "plain words"); j >= 0 {
			got = got[j:] // after the option negotiation
		}
		if got != want {
			t.Errorf("player %d got %q, want %q", i, got, want)
		}
		if i == 3 && strings.Contains(got, "\x1b") || i < 3 && !strings.Contains(got, "\x1b[") {
			t.Errorf("player %d got %q: colour for the screen reader, or none for the others", i, got)
		}
	}
}

// record makes c keep what it is written (after what it was written so far).
func (c *fanoutConn) record() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.recording = true
	c.got = nil
}

// awaitText waits until c has recorded len(want) bytes and returns them.
func (c *fanoutConn) awaitText(tb testing.TB, want string) string {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.mu.Lock()
		got := string(c.got)
		c.mu.Unlock()
		if strings.HasSuffix(got, want) || time.Now().After(deadline) {
			return got
		}
		select {
		case <-c.sink.reached:
		case <-time.After(time.Millisecond):
		}
	}
}

// runtimeAllocs is the process's allocation count at one moment.
type runtimeAllocs struct{ mallocs uint64 }

func (r *runtimeAllocs) read() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	r.mallocs = ms.Mallocs
}
