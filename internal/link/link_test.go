package link

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// amplifyFrame is a 1 MB SSYNC of a million empty sessions: a byte each
// on the wire, 240 MB decoded.
func amplifyFrame() []byte {
	const n = 1 << 20
	body := binary.AppendUvarint([]byte{fSessions}, n)
	body = append(body, make([]byte, n)...) // sEnd is 0
	return append(binary.BigEndian.AppendUint32(nil, uint32(1+len(body))), append([]byte{byte(OpServerSync)}, body...)...)
}

// deepFrame is a DATAIN whose argument nests lists deeper than allowed.
func deepFrame() []byte {
	body := []byte{fData, 1, 1, 'x', 1}
	for range maxDepth + 2 {
		body = append(body, kList, 1)
	}
	body = append(body, kNil, 0)
	return append(binary.BigEndian.AppendUint32(nil, uint32(1+len(body))), append([]byte{byte(OpDataIn)}, body...)...)
}

func TestOpString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		op   Op
		want string
	}{
		{OpPortalConnect, "PCONN"},
		{OpServerSync, "SSYNC"},
		{OpError, "ERROR"},
		{Op(0), "OP(0)"},
		{Op(200), "OP(200)"},
	}
	for _, tt := range tests {
		if got := tt.op.String(); got != tt.want {
			t.Errorf("Op(%d).String() = %q, want %q", tt.op, got, tt.want)
		}
	}
	for op := OpHello; op < opEnd; op++ {
		if opNames[op] == "" {
			t.Errorf("op %d has no name", op)
		}
	}
}

func sampleMessages() []Message {
	now := time.Date(2026, 11, 25, 12, 0, 0, 123456789, time.UTC)
	return []Message{
		{Op: OpPortalConnect, Sessid: 7, Session: &SessionData{Sessid: 7, Seq: 3, ProtocolKey: "telnet", Address: "127.0.0.1", ConnTime: now, CmdLast: now, CmdLastVisible: now, ProtocolFlags: map[string]any{"SCREENWIDTH": float64(80), "ANSI": true, "NONE": nil}}},
		{Op: OpServerSync, Clean: true, ConnSeq: 9, Sessions: []SessionData{
			{Sessid: 1, Uid: 5, LoggedIn: true, Uname: "bob", ConnTime: now, CmdLast: now, CmdLastVisible: now, Puid: -3, CmdTotal: 12, SyncRev: 4, Csessid: "c", Suid: "s", CmdsetStorage: "cs"},
			{Sessid: 2, ServerData: map[string]any{"login_screen": "pending", "nested": map[string]any{"list": []any{1.5, "x", false, []any{}}}}},
		}},
		{Op: OpDataOut, Sessid: 9, Ack: 77, Sessids: []uint64{3, 1 << 40}, Data: []Command{Text("hello\nworld"), {Name: "prompt", Args: []any{"> "}, Kwargs: map[string]any{"x": "y"}}}},
		{Op: OpDataIn, Sessid: 9, Data: []Command{Text(strings.Repeat("x", 200_000))}},
		{Op: OpDataIn, Sessid: 9, Data: []Command{{Name: "text"}, {Name: "gmcp", Args: []any{map[string]any{"hp": float64(-1e300)}}}}},
		{Op: OpServerDisconnect, Sessid: 4, Reason: "idle timeout exceeded"},
		{Op: OpServerReload, Mode: ModeReload, Takeover: "tok"},
		{Op: OpPortalSync, Link: 3, Seen: 1 << 62},
		{Op: OpServerConnect, Protocol: "irc", Config: map[string]any{"network": "localhost"}},
		{Op: OpError, Err: "unknown thing"},
		{Op: OpAck},
	}
}

func TestFrameRoundTrip(t *testing.T) {
	t.Parallel()
	var buf []byte
	want := sampleMessages()
	for _, m := range want {
		var err error
		if buf, err = AppendFrame(buf, m); err != nil {
			t.Fatalf("AppendFrame(%v): %v", m.Op, err)
		}
	}
	fr := NewFrameReader(bytes.NewReader(buf), 0)
	for i, w := range want {
		got, err := fr.Read()
		if err != nil {
			t.Fatalf("Read #%d: %v", i, err)
		}
		if d := cmp.Diff(w, got); d != "" {
			t.Errorf("message #%d (-want +got):\n%s", i, d)
		}
	}
}

// Go values of other types arrive as JSON would bring them: numbers as
// float64, lists and maps of any, other types as their JSON.
func TestFrameValuesAsJSONWould(t *testing.T) {
	t.Parallel()
	type point struct{ X, Y int }
	m := Message{Op: OpDataOut, Data: []Command{{Name: "x", Args: []any{int(3), int64(-4), uint32(5), float32(0.5), []string{"a", "b"}, point{1, 2}, map[string]int{"k": 1}}}}}
	b, err := AppendFrame(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := NewFrameReader(bytes.NewReader(b), 0).Read()
	if err != nil {
		t.Fatal(err)
	}
	want := []any{3.0, -4.0, 5.0, 0.5, []any{"a", "b"}, map[string]any{"X": 1.0, "Y": 2.0}, map[string]any{"k": 1.0}}
	if d := cmp.Diff(want, got.Data[0].Args); d != "" {
		t.Fatalf("args (-want +got):\n%s", d)
	}
	// Values JSON cannot carry are refused, and the buffer is left as it was.
	prefix := []byte("kept")
	for _, bad := range []any{math.NaN(), math.Inf(1), func() {}} {
		out, err := AppendFrame(prefix, Message{Op: OpDataIn, Data: []Command{{Name: "x", Args: []any{bad}}}})
		if err == nil || string(out) != "kept" {
			t.Errorf("AppendFrame(%T) = %q, %v; want an error and the buffer untouched", bad, out, err)
		}
	}
}

func TestFrameErrors(t *testing.T) {
	t.Parallel()
	big, _ := AppendFrame(nil, Message{Op: OpDataIn, Data: []Command{Text(strings.Repeat("y", 1000))}})
	badOp := []byte{0, 0, 0, 3, 99, '{', '}'}
	badBody := []byte{0, 0, 0, 3, byte(OpDataIn), fSessid, 0xff}
	tests := []struct {
		name string
		in   []byte
		max  int
		want error
	}{
		{"too large", big, 100, ErrFrameTooLarge},
		{"zero length", []byte{0, 0, 0, 0}, 0, ErrFrameTooLarge},
		{"bad op", badOp, 0, ErrBadOp},
		{"truncated", big[:50], 0, nil},
		{"bad body", badBody, 0, errCodec},
		{"unknown field", []byte{0, 0, 0, 2, byte(OpDataIn), 200}, 0, errCodec},
		{"count past the end", []byte{0, 0, 0, 3, byte(OpDataIn), fData, 100}, 0, errCodec},
		{"deep nesting", deepFrame(), 0, errCodec},
		{"a million empty sessions", amplifyFrame(), 0, errCodec},
		{"handshake frame", []byte{0, 0, 0, 3, byte(OpHello), '{', '}'}, 0, ErrHandshake},
		{"NaN", append([]byte{0, 0, 0, 16, byte(OpDataIn), fData, 1, 1, 'x', 1, kFloat}, append(binary.LittleEndian.AppendUint64(nil, math.Float64bits(math.NaN())), 0)...), 0, errCodec},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewFrameReader(bytes.NewReader(tt.in), tt.max).Read()
			if err == nil {
				t.Fatal("Read succeeded, want an error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("Read error = %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := AppendFrame(nil, Message{Op: 0}); !errors.Is(err, ErrBadOp) {
		t.Fatalf("AppendFrame(op 0) = %v, want ErrBadOp", err)
	}
}

func FuzzFrameReader(f *testing.F) {
	for _, m := range sampleMessages() {
		b, _ := AppendFrame(nil, m)
		f.Add(b)
	}
	f.Add([]byte{0, 0, 0, 2, byte(OpDataIn), fData})
	f.Add(deepFrame())
	f.Fuzz(func(t *testing.T, b []byte) {
		fr := NewFrameReader(bufio.NewReader(bytes.NewReader(b)), 1<<16)
		for range 100 {
			m, err := fr.Read()
			if err != nil {
				return
			}
			// Whatever decodes must encode and decode again to the same thing.
			enc, err := AppendFrame(nil, m)
			if err != nil {
				t.Fatalf("re-encode %v: %v", m.Op, err)
			}
			again, err := NewFrameReader(bytes.NewReader(enc), 0).Read()
			if err != nil {
				t.Fatalf("re-decode: %v", err)
			}
			if !reflect.DeepEqual(m, again) { // cmp.Diff only to explain: it is slow on deep values
				t.Fatalf("round trip changed the message (-first +again):\n%s", cmp.Diff(m, again))
			}
		}
	})
}

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t testing.TB) (accepted, dialed net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ch := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		ch <- c
	}()
	dc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	return <-ch, dc
}

func pipe(t *testing.T) (*Conn, *Conn) {
	t.Helper()
	ac, dc := tcpPair(t)
	a := NewConn(ac, Config{})
	b := NewConn(dc, Config{})
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// testSecret is a secret for tests.
var testSecret = Secret("0123456789abcdef0123456789abcdef")

func TestConnHandshakeAndOrder(t *testing.T) {
	t.Parallel()
	portal, server := pipe(t)
	ctx := context.Background()
	errc := make(chan error, 1)
	go func() {
		h, err := server.ServerHandshake(ctx, testSecret, Hello{PID: 7})
		if err == nil && h.RunID != "run-1" {
			err = errors.New("server saw run id " + h.RunID)
		}
		errc <- err
	}()
	var admitted Hello
	h, err := portal.PortalHandshake(ctx, testSecret, Hello{RunID: "run-1"}, func(peer Hello) error { admitted = peer; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if h.PID != 7 || h.Version != Version || admitted != h {
		t.Fatalf("portal saw hello %+v, admitted %+v", h, admitted)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	const n = 5000
	go func() {
		for i := 1; i <= n; i++ {
			_ = portal.Send(Message{Op: OpDataIn, Sessid: uint64(i)})
		}
	}()
	for i := 1; i <= n; i++ {
		m, err := server.Recv()
		if err != nil {
			t.Fatalf("Recv #%d: %v", i, err)
		}
		if m.Sessid != uint64(i) {
			t.Fatalf("message #%d has sessid %d: out of order", i, m.Sessid)
		}
	}
	if err := portal.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
}

// handshakeBoth runs both sides and returns their errors.
func handshakeBoth(t *testing.T, portalSecret, serverSecret Secret, admit func(Hello) error) (perr, serr error) {
	t.Helper()
	portal, server := pipe(t)
	errc := make(chan error, 1)
	go func() {
		_, err := server.ServerHandshake(context.Background(), serverSecret, Hello{Takeover: "tok"})
		errc <- err
	}()
	_, perr = portal.PortalHandshake(context.Background(), portalSecret, Hello{RunID: "run-1"}, admit)
	return perr, <-errc
}

func TestHandshakeWrongSecretFailsBothSides(t *testing.T) {
	t.Parallel()
	other := Secret("another secret, as long as needed")
	admitted := false
	perr, serr := handshakeBoth(t, testSecret, other, func(Hello) error { admitted = true; return nil })
	if !errors.Is(perr, ErrAuth) || !errors.Is(serr, ErrAuth) {
		t.Fatalf("portal %v, server %v: want ErrAuth on both sides", perr, serr)
	}
	if !strings.Contains(serr.Error(), "secrets differ") {
		t.Errorf("the server is not told why: %v", serr)
	}
	if admitted {
		t.Error("admit was called for a server that did not authenticate")
	}
}

func TestHandshakeRefusal(t *testing.T) {
	t.Parallel()
	var peer Hello
	perr, serr := handshakeBoth(t, testSecret, testSecret, func(h Hello) error { peer = h; return errors.New("another game server is linked") })
	if !errors.Is(perr, ErrRefused) || !errors.Is(serr, ErrRefused) {
		t.Fatalf("portal %v, server %v: want ErrRefused on both sides", perr, serr)
	}
	if !strings.Contains(serr.Error(), "another game server is linked") {
		t.Errorf("the server is not told why: %v", serr)
	}
	if peer.Takeover != "tok" {
		t.Errorf("admit saw %+v, want the server's takeover token", peer)
	}
}

func TestHandshakeRefusesAShortSecret(t *testing.T) {
	t.Parallel()
	portal, _ := pipe(t)
	_, err := portal.PortalHandshake(context.Background(), Secret("short"), Hello{}, func(Hello) error { return nil })
	if !errors.Is(err, ErrSecret) {
		t.Fatalf("PortalHandshake = %v, want ErrSecret", err)
	}
}

// rawPeer is the other end of a portal's Conn as a bare socket, for a
// peer that speaks no protocol or an old one.
func rawPeer(t *testing.T, cfg Config) (*Conn, net.Conn) {
	t.Helper()
	ac, raw := tcpPair(t)
	c := NewConn(ac, cfg)
	t.Cleanup(func() { c.Close(); raw.Close() })
	return c, raw
}

// A client that knows no secret learns nothing but the version and a
// challenge: no run id, no pid, whatever it sends.
func TestHandshakeTellsAStrangerNothing(t *testing.T) {
	t.Parallel()
	portal, raw := rawPeer(t, Config{HandshakeTimeout: 200 * time.Millisecond})
	errc := make(chan error, 1)
	go func() {
		_, err := portal.PortalHandshake(context.Background(), testSecret, Hello{RunID: "secret-run-id", PID: 4242}, func(Hello) error { return nil })
		errc <- err
	}()
	// A guess at the server's answer, with a made-up MAC.
	fake := []byte(`{"hello":{"version":` + strconv.Itoa(Version) + `,"nonce":"` + strings.Repeat("A", 43) + `=","mac":"` + strings.Repeat("B", 43) + `="}}`)
	_, _ = raw.Write(append(binary.BigEndian.AppendUint32(nil, uint32(1+len(fake))), append([]byte{byte(OpHello)}, fake...)...))
	got, _ := io.ReadAll(raw) // until the portal closes
	if err := <-errc; !errors.Is(err, ErrAuth) {
		t.Fatalf("PortalHandshake = %v, want ErrAuth", err)
	}
	for _, leak := range []string{"secret-run-id", "4242", "run_id", "pid"} {
		if bytes.Contains(got, []byte(leak)) {
			t.Fatalf("a stranger received %q: %s", leak, got)
		}
	}
	if !bytes.Contains(got, []byte(`"nonce"`)) || !bytes.Contains(got, []byte("secrets differ")) {
		t.Fatalf("a stranger received %q, want the challenge and the refusal", got)
	}
}

// Before authentication, a frame bigger than a handshake's is refused
// without reading it, and a peer that says nothing is closed at the timeout.
func TestHandshakeLimits(t *testing.T) {
	t.Parallel()
	t.Run("big frame", func(t *testing.T) {
		t.Parallel()
		portal, raw := rawPeer(t, Config{})
		go func() {
			_, _ = raw.Write(binary.BigEndian.AppendUint32(nil, 60<<20))
			_, _ = raw.Write([]byte{byte(OpHello)})
		}()
		_, err := portal.PortalHandshake(context.Background(), testSecret, Hello{}, func(Hello) error { return nil })
		if !errors.Is(err, ErrFrameTooLarge) {
			t.Fatalf("PortalHandshake = %v, want ErrFrameTooLarge", err)
		}
	})
	t.Run("silent peer", func(t *testing.T) {
		t.Parallel()
		portal, _ := rawPeer(t, Config{HandshakeTimeout: 50 * time.Millisecond})
		_, err := portal.PortalHandshake(context.Background(), testSecret, Hello{}, func(Hello) error { return nil })
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("PortalHandshake = %v, want a timeout", err)
		}
	})
}

// A peer of another version is told both versions, and so is this side,
// whichever speaks first: the handshake frames are JSON in every version.
func TestHandshakeNamesBothVersions(t *testing.T) {
	t.Parallel()
	portal, raw := rawPeer(t, Config{})
	// What a version-2 server sent first.
	old := []byte(`{"hello":{"version":2,"role":"server","pid":1,"started":"2026-11-01T00:00:00Z"}}`)
	go func() {
		_, _ = raw.Write(append(binary.BigEndian.AppendUint32(nil, uint32(1+len(old))), append([]byte{byte(OpHello)}, old...)...))
	}()
	_, err := portal.PortalHandshake(context.Background(), testSecret, Hello{}, func(Hello) error { return nil })
	if !errors.Is(err, ErrVersion) || !strings.Contains(err.Error(), fmt.Sprintf("version 2, this side %d", Version)) {
		t.Fatalf("PortalHandshake = %v, want ErrVersion naming 2 and %d", err, Version)
	}
	// And what the old peer read from us: a hello whose version it can read.
	fr := NewFrameReader(bufio.NewReader(raw), 0)
	op, body, err := fr.readRaw()
	if err != nil || op != OpHello || !bytes.Contains(body, []byte(`"version":`+strconv.Itoa(Version))) {
		t.Fatalf("first frame %v %s (%v), want a HELLO with version %d", op, body, err, Version)
	}
}

func TestConnQueueFull(t *testing.T) {
	t.Parallel()
	// Nobody reads the other end of a net.Pipe, so writes block forever.
	a, _ := net.Pipe()
	c := NewConn(a, Config{MaxQueue: 1 << 10})
	defer c.Close()
	var err error
	for i := 0; i < 100 && err == nil; i++ {
		err = c.Send(Message{Op: OpDataIn, Data: []Command{Text(strings.Repeat("z", 100))}})
	}
	if !errors.Is(err, ErrQueueFull) {
		t.Fatalf("Send = %v, want ErrQueueFull", err)
	}
	<-c.Done()
	if err := c.Send(Message{Op: OpDataIn}); err == nil {
		t.Fatal("Send after failure succeeded")
	}
}

func TestConnCloseIdempotentAndRecvFails(t *testing.T) {
	t.Parallel()
	a, b := pipe(t)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Recv(); err == nil {
		t.Fatal("Recv after the peer closed succeeded")
	}
	<-b.Done()
	if b.Err() == nil {
		t.Fatal("Err is nil after close")
	}
}

func TestFlushHonoursContext(t *testing.T) {
	t.Parallel()
	a, _ := net.Pipe()
	c := NewConn(a, Config{})
	defer c.Close()
	_ = c.Send(Message{Op: OpDataIn})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Flush(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Flush = %v, want context.Canceled", err)
	}
}

func BenchmarkSendRecv(b *testing.B) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	acc := make(chan net.Conn, 1)
	go func() { c, _ := ln.Accept(); acc <- c }()
	d, _ := net.Dial("tcp", ln.Addr().String())
	s, r := NewConn(d, Config{}), NewConn(<-acc, Config{})
	defer s.Close()
	defer r.Close()
	m := Message{Op: OpDataOut, Sessid: 12, Data: []Command{Text("You see a room with a long description."), Prompt("> ")}}
	b.ReportAllocs()
	go func() {
		for i := 0; i < b.N; i++ {
			_ = s.Send(m)
		}
	}()
	for i := 0; i < b.N; i++ {
		if _, err := r.Recv(); err != nil {
			b.Fatal(err)
		}
	}
}

// Lost tells a link that is gone from a message that cannot be encoded.
func TestConnLost(t *testing.T) {
	a, _ := pipe(t)
	err := a.Send(Message{Op: OpPortalConnSync, Session: &SessionData{ProtocolFlags: map[string]any{"X": math.NaN()}}})
	if err == nil || a.Lost(err) {
		t.Fatalf("unencodable message: Send = %v, Lost %v; want an error, not lost", err, a.Lost(err))
	}
	a.Close()
	err = a.Send(Message{Op: OpDataIn})
	if err == nil || !a.Lost(err) {
		t.Fatalf("after Close: Send = %v, Lost %v; want an error, lost", err, a.Lost(err))
	}
}
