package portal

import (
	"io"
	"math"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/link"
)

// The steady path of one player command and its answer through the
// portal, without sockets: the client's line is decoded by its telnet
// connection's reader code and relayed by the handler as a DATAIN,
// encoded onto a live link whose far end discards it; the server's
// answer (a DATAOUT frame with a room description and a prompt) is
// decoded, dispatched by the handler to the session's telnet protocol,
// encoded for the wire and written to a client socket that discards it.
// Acknowledgements are taken as they come, so nothing piles up.

// discardConn is a net.Conn that takes every write and whose reads block
// until it is closed: the far end of a link, or a client socket, in a
// benchmark.
type discardConn struct {
	closed chan struct{}
	once   sync.Once
}

func newDiscardConn() *discardConn { return &discardConn{closed: make(chan struct{})} }

func (d *discardConn) Read([]byte) (int, error) {
	<-d.closed
	return 0, io.EOF
}
func (d *discardConn) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardConn) Close() error                { d.once.Do(func() { close(d.closed) }); return nil }
func (d *discardConn) LocalAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4000}
}
func (d *discardConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50000}
}
func (d *discardConn) SetDeadline(time.Time) error      { return nil }
func (d *discardConn) SetReadDeadline(time.Time) error  { return nil }
func (d *discardConn) SetWriteDeadline(time.Time) error { return nil }

// benchStack is a portal with a live link and one released, logged-in
// telnet session whose socket is a discardConn. Its goroutines are the
// link's writer only: the session's output is flushed by the benchmark.
type benchStack struct {
	p     *Portal
	lc    *link.Conn // the portal's end of the link
	tc    *telnetConn
	s     *Session
	flush func([]chunk, bool) error
	batch []chunk
}

// newBenchStack builds a benchStack; throttles are off, as in the
// issue's measurements.
func newBenchStack(tb testing.TB) *benchStack {
	tb.Helper()
	p, err := New(Config{MaxConnectionRate: -1, MaxCommandRate: -1, HandshakeTimeout: -1})
	if err != nil {
		tb.Fatal(err)
	}
	lc := link.NewConn(newDiscardConn(), link.Config{})
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
	tc := newTelnetConn(p, newDiscardConn(), "telnet")
	tc.hs.done = true // the negotiation is over: no timer
	tc.gotLine = true // past the first line's HTTP check
	s := p.h.Connect(tc)
	if s.State() != StateConnected {
		tb.Fatalf("session state %v, want connected", s.State())
	}
	if err := p.h.ServerLoggedIn(s.Sessid(), link.SessionData{Sessid: s.Sessid(), Uid: 1, Uname: "bench", LoggedIn: true}); err != nil {
		tb.Fatal(err)
	}
	st := &benchStack{p: p, lc: lc, tc: tc, s: s, flush: streamFlush(tc.nc, &tc.comp)}
	st.ack()
	st.drain(tb)
	return st
}

// ack acknowledges everything the portal sent the server, as the Ack an
// answer carries does.
func (st *benchStack) ack() { st.p.up.ack(st.lc, math.MaxUint64) }

// drain writes what the session's outbox holds to its socket, as the
// writer goroutine does (outbox.run).
func (st *benchStack) drain(tb testing.TB) {
	o := st.tc.out
	o.mu.Lock()
	st.batch, o.pending = o.pending, st.batch[:0]
	o.size = 0
	o.mu.Unlock()
	select {
	case <-o.wake:
	default:
	}
	if len(st.batch) > 0 {
		if err := st.flush(st.batch, false); err != nil {
			tb.Fatal(err)
		}
	}
	clear(st.batch)
}

// benchCommand is what the client types: one line of the echo probe the
// issue measures with.
const benchCommand = "dummyrunner_echo_response 1f3a9c\r\n"

// benchAnswer is the server's answer to one command: a room description
// and a prompt, as the link codec's DATAOUT benchmark has it.
func benchAnswer(sessid uint64) link.Message {
	return link.Message{Op: link.OpDataOut, Sessid: sessid, Ack: 1234, Data: []link.Command{
		link.Text("Limbo\nThe void between the worlds. Exits: north, south.\n"),
		link.Prompt("> "),
	}}
}

// input is one socket read of the client holding one command line,
// handled as the telnet reader does, and acknowledged.
func (st *benchStack) input(line []byte) {
	st.tc.dec.Decode(line, st.tc.onEvent)
	st.ack()
}

// answer handles one frame from the server as the link reader does
// (Portal.handleServer) and writes the session's output.
func (st *benchStack) answer(tb testing.TB, frame []byte) {
	m, err := link.DecodeFrame(frame)
	if err != nil {
		tb.Fatal(err)
	}
	st.p.handleServer(st.lc, m)
	st.drain(tb)
}

// answerFrame is benchAnswer's frame for the stack's session.
func (st *benchStack) answerFrame(tb testing.TB) []byte {
	frame, err := link.AppendFrame(nil, benchAnswer(st.s.Sessid()))
	if err != nil {
		tb.Fatal(err)
	}
	return frame
}

// BenchmarkDataIn: one op is one command relayed by Handler.DataIn: the
// command rate checked, the DATAIN encoded onto the live link, kept until
// acknowledged, and acknowledged. The command itself is built once: its
// allocation is the reader's (BenchmarkTelnetInput).
func BenchmarkDataIn(b *testing.B) {
	st := newBenchStack(b)
	cmds := link.TextData("dummyrunner_echo_response 1f3a9c")
	b.ReportAllocs()
	for b.Loop() {
		st.s.DataIn(cmds...)
		st.ack()
	}
}

// BenchmarkTelnetInput: one op is one line read from a telnet client
// (the bytes of one socket read): decoded, split into a line, checked
// as UTF-8 and relayed as in BenchmarkDataIn.
func BenchmarkTelnetInput(b *testing.B) {
	st := newBenchStack(b)
	in := []byte(benchCommand)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		st.input(in)
	}
}

// BenchmarkDataOut: one op is one answer (text and prompt) dispatched by
// Handler.DataOut to a telnet session, encoded for the wire and written
// to its socket.
func BenchmarkDataOut(b *testing.B) {
	st := newBenchStack(b)
	m := benchAnswer(st.s.Sessid())
	b.ReportAllocs()
	for b.Loop() {
		st.p.h.DataOut(m.Sessid, m.Data)
		st.drain(b)
	}
}

// BenchmarkServerFrame: one op is one answer as it comes off the link:
// the DATAOUT frame decoded and handled as the link reader does
// (Portal.handleServer), then written to the client as in
// BenchmarkDataOut.
func BenchmarkServerFrame(b *testing.B) {
	st := newBenchStack(b)
	frame := st.answerFrame(b)
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		st.answer(b, frame)
	}
}

// BenchmarkRoundTrip: one op is one command and its answer through the
// portal: BenchmarkTelnetInput, then BenchmarkServerFrame.
func BenchmarkRoundTrip(b *testing.B) {
	st := newBenchStack(b)
	in := []byte(benchCommand)
	frame := st.answerFrame(b)
	b.ReportAllocs()
	for b.Loop() {
		st.input(in)
		st.answer(b, frame)
	}
}
