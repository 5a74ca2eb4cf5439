package dummyrunner

import (
	"bytes"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/telnet"
)

// telnetPair is a dummy client connected to a hand-written server side.
type telnetPair struct {
	c   *telnetConn
	srv net.Conn
	dec telnet.Decoder // decodes what the client sends
}

func newTelnetPair(t *testing.T) *telnetPair {
	t.Helper()
	return newTelnetPairWith(t, telnetOptions{})
}

// newTelnetPairWith is newTelnetPair with a client accepting opts.
func newTelnetPairWith(t *testing.T, opts telnetOptions) *telnetPair {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	c, err := dialTelnet(t.Context(), ln.Addr().String(), 5*time.Second, opts)
	if err != nil {
		t.Fatalf("dialTelnet: %v", err)
	}
	srv, ok := <-accepted
	if !ok {
		t.Fatal("accept failed")
	}
	p := &telnetPair{c: c, srv: srv}
	t.Cleanup(func() {
		c.close()
		_ = srv.Close()
		for range c.events { // let the reader finish
		}
	})
	return p
}

// write sends raw bytes from the server.
func (p *telnetPair) write(t *testing.T, b ...byte) {
	t.Helper()
	if _, err := p.srv.Write(b); err != nil {
		t.Fatalf("server write: %v", err)
	}
}

// expect reads n telnet events the client sent to the server, as strings.
func (p *telnetPair) expect(t *testing.T, n int) []string {
	t.Helper()
	var got []string
	buf := make([]byte, 1024)
	_ = p.srv.SetReadDeadline(time.Now().Add(5 * time.Second))
	for len(got) < n {
		k, err := p.srv.Read(buf)
		p.dec.Decode(buf[:k], func(e telnet.Event) { got = append(got, e.String()) })
		if err != nil {
			t.Fatalf("server read after %q: %v", got, err)
		}
	}
	return got
}

// next returns the client's next event.
func (p *telnetPair) next(t *testing.T) connEvent {
	t.Helper()
	select {
	case ev, ok := <-p.c.events:
		if !ok {
			t.Fatal("events closed")
		}
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event from the client")
	}
	return connEvent{}
}

func nawsReply(w, h int) string {
	var payload []byte
	payload = append(payload, byte(w>>8), byte(w), byte(h>>8), byte(h))
	return telnet.Event{Kind: telnet.EventSubneg, Opt: telnet.OptNAWS, Data: payload}.String()
}

func negotiation(v telnet.Verb, o telnet.Option) string {
	return telnet.Event{Kind: telnet.EventNegotiation, Verb: v, Opt: o}.String()
}

func TestTelnetNegotiation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		verb telnet.Verb
		opt  telnet.Option
		want []string
	}{
		{"DO NAWS: WILL and the size", telnet.DO, telnet.OptNAWS, []string{negotiation(telnet.WILL, telnet.OptNAWS), nawsReply(80, 24)}},
		{"DO TTYPE: WILL", telnet.DO, telnet.OptTTYPE, []string{negotiation(telnet.WILL, telnet.OptTTYPE)}},
		{"WILL EOR: DO", telnet.WILL, telnet.OptEOR, []string{negotiation(telnet.DO, telnet.OptEOR)}},
		{"DO ECHO: WONT", telnet.DO, telnet.OptEcho, []string{negotiation(telnet.WONT, telnet.OptEcho)}},
		{"WILL MCCP2: DONT", telnet.WILL, telnet.OptMCCP2, []string{negotiation(telnet.DONT, telnet.OptMCCP2)}},
		{"WILL GMCP: DONT", telnet.WILL, telnet.OptGMCP, []string{negotiation(telnet.DONT, telnet.OptGMCP)}},
		{"DO EOR: WONT (the client marks nothing)", telnet.DO, telnet.OptEOR, []string{negotiation(telnet.WONT, telnet.OptEOR)}},
		{"WILL NAWS: DONT (only the client sends its size)", telnet.WILL, telnet.OptNAWS, []string{negotiation(telnet.DONT, telnet.OptNAWS)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newTelnetPair(t)
			p.write(t, telnet.AppendNegotiation(nil, tt.verb, tt.opt)...)
			if got := p.expect(t, len(tt.want)); !slices.Equal(got, tt.want) {
				t.Errorf("reply to %v %v = %q, want %q", tt.verb, tt.opt, got, tt.want)
			}
		})
	}
}

// TestTelnetSession plays a server's opening (negotiation, then text and
// prompts split across reads at every awkward place) and checks what the
// client answers and reports.
func TestTelnetSession(t *testing.T) {
	t.Parallel()
	p := newTelnetPair(t)
	var opening []byte
	for _, n := range []struct {
		v telnet.Verb
		o telnet.Option
	}{{telnet.DO, telnet.OptNAWS}, {telnet.DO, telnet.OptTTYPE}, {telnet.WILL, telnet.OptEOR}, {telnet.DO, telnet.OptEcho}, {telnet.WILL, telnet.OptMCCP2}} {
		opening = telnet.AppendNegotiation(opening, n.v, n.o)
	}
	opening = telnet.AppendTTYPESend(opening)
	p.write(t, opening...)
	got := p.expect(t, 7)
	ttypeIs := telnet.Event{Kind: telnet.EventSubneg, Opt: telnet.OptTTYPE, Data: append([]byte{telnet.TTYPEIs}, "PORTALSIM-DUMMY"...)}.String()
	want := []string{
		negotiation(telnet.WILL, telnet.OptNAWS), nawsReply(80, 24),
		negotiation(telnet.WILL, telnet.OptTTYPE),
		negotiation(telnet.DO, telnet.OptEOR),
		negotiation(telnet.WONT, telnet.OptEcho),
		negotiation(telnet.DONT, telnet.OptMCCP2),
		ttypeIs,
	}
	if !slices.Equal(got, want) {
		t.Errorf("replies to the opening:\n  %q\nwant\n  %q", got, want)
	}
	neg := p.c.negotiatedAt()
	if neg.IsZero() {
		t.Error("negotiatedAt is zero after the negotiation")
	}

	// Text and markers split around IAC. The server writes a chunk only
	// after the client reported the previous one, so each is a read of
	// its own; the chunk's events must be exactly these.
	type ev struct {
		kind eventKind
		text string
	}
	steps := []struct {
		chunk []byte
		want  []ev
	}{
		{[]byte("Welc"), []ev{{evText, "Welc"}}},
		{[]byte("ome\r\n>"), []ev{{evText, "ome\r\n>"}}},
		{[]byte{telnet.IAC}, nil},                            // a bare IAC: nothing yet
		{[]byte{telnet.GA}, []ev{{kind: evPrompt}}},          // ...completed by the next read
		{[]byte{'o', 'k', telnet.IAC}, []ev{{evText, "ok"}}}, // text before a split IAC
		{[]byte{telnet.EOR, 'n', 'e', 'x', 't'}, []ev{{kind: evPrompt}, {evText, "next"}}},
		{[]byte{'a', telnet.IAC}, []ev{{evText, "a"}}},
		{[]byte{telnet.IAC, 'b'}, []ev{{evText, "\xffb"}}},                             // IAC IAC split: a literal 0xFF
		{[]byte{'c', telnet.IAC, telnet.NOP, 'd'}, []ev{{evText, "c"}, {evText, "d"}}}, // a keepalive is no prompt
		{[]byte{telnet.IAC, telnet.SB, byte(telnet.OptTTYPE)}, nil},
		{[]byte{telnet.TTYPESend, telnet.IAC, telnet.SE, 'z', telnet.IAC, telnet.GA}, []ev{{evText, "z"}, {kind: evPrompt}}},
	}
	for i, s := range steps {
		p.write(t, s.chunk...)
		for _, w := range s.want {
			e := p.next(t)
			if e.kind != w.kind || e.text != w.text {
				t.Errorf("step %d (%q): event {%d %q}, want {%d %q}", i, s.chunk, e.kind, e.text, w.kind, w.text)
			}
			if e.at.IsZero() {
				t.Errorf("step %d: event without a read time", i)
			}
		}
	}
	// The TTYPE request split across reads was answered too.
	if got := p.expect(t, 1); got[0] != ttypeIs {
		t.Errorf("reply to the split TTYPE SEND = %q, want %q", got, ttypeIs)
	}
	// Negotiation after the first text does not move the negotiation time.
	if got := p.c.negotiatedAt(); !got.Equal(neg) {
		t.Errorf("negotiatedAt moved from %v to %v after the first text", neg, got)
	}
	select {
	case e := <-p.c.events:
		t.Errorf("unexpected event {%d %q}", e.kind, e.text)
	default:
	}

	// Commands go out with IAC escaped and CR LF appended.
	if err := p.c.send("say \xff!"); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	_ = p.srv.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := p.srv.Read(buf)
	if err != nil || !bytes.Equal(buf[:n], []byte("say \xff\xff!\r\n")) {
		t.Errorf("server read %q, %v; want %q", buf[:n], err, "say \xff\xff!\r\n")
	}

	// The server hangs up: one evClosed, then the channel closes.
	_ = p.srv.Close()
	if e := p.next(t); e.kind != evClosed || e.err == nil {
		t.Errorf("after the hang-up: event {%d %q %v}, want evClosed with an error", e.kind, e.text, e.err)
	}
	select {
	case _, ok := <-p.c.events:
		if ok {
			t.Error("events not closed after evClosed")
		}
	case <-time.After(5 * time.Second):
		t.Error("events not closed after evClosed")
	}
	if in, out := p.c.bytesIn.Load(), p.c.bytesOut.Load(); in == 0 || out == 0 {
		t.Errorf("bytes in %d, out %d: want both counted", in, out)
	}
}

func TestDialTelnetFails(t *testing.T) {
	t.Parallel()
	if c, err := dialTelnet(t.Context(), deadAddr(t), time.Second, telnetOptions{}); err == nil {
		c.close()
		t.Fatal("dialTelnet to a closed port succeeded")
	} else if !strings.Contains(err.Error(), "refused") {
		t.Logf("dial error: %v", err) // the reason is the OS's; any error will do
	}
}

// TestReadBuffers: a connection reads into its small buffer; a read that
// fills it borrows a large one for the next read, which it gives back
// after a read that leaves room.
func TestReadBuffers(t *testing.T) {
	t.Parallel()
	var b readBuffers
	steps := []struct {
		n        int // what the read brings
		wantNext int // the next read's buffer
	}{
		{10, smallRead},
		{smallRead, largeRead},
		{largeRead, largeRead},
		{largeRead - 1, smallRead},
		{0, smallRead},
	}
	if got := len(b.next()); got != smallRead {
		t.Fatalf("first buffer %d bytes, want %d", got, smallRead)
	}
	for i, s := range steps {
		b.done(s.n)
		if got := len(b.next()); got != s.wantNext {
			t.Errorf("step %d: after a read of %d, next buffer %d bytes, want %d", i, s.n, got, s.wantNext)
		}
	}
	b.done(smallRead)
	b.release()
	if b.large != nil || len(b.next()) != smallRead {
		t.Errorf("after release: large %v, next %d bytes; want none and %d", b.large, len(b.next()), smallRead)
	}
}
