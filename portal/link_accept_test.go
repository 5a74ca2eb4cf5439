package portal_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
)

// A raw TCP client on the link port, while a player is logged in, gets
// nothing that names the portal's run, its pid, a session or a player,
// however long it waits: the portal closes it at the handshake timeout.
// It is counted, and logged once with its address.
func TestLinkStrangerLearnsNothing(t *testing.T) {
	t.Parallel()
	logs := &testutil.SyncBuffer{}
	const timeout = 300 * time.Millisecond
	p := startPortal(t, portal.Config{LinkHandshakeTimeout: timeout, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	s := dialServer(t, p)
	s.expectOps(link.OpPortalSync)
	c := dial(t, p.TelnetAddr().String())
	id := s.expectOps(link.OpPortalConnect)[0].Sessid
	login := link.SessionData{Sessid: id, Uid: 1, Uname: "alice-the-admin", LoggedIn: true}
	if err := s.c.Send(link.Message{Op: link.OpServerLogin, Sessid: id, Session: &login}); err != nil {
		t.Fatal(err)
	}
	if err := s.c.Send(link.Message{Op: link.OpDataOut, Sessid: id, Data: []link.Command{link.Text("welcome, alice-the-admin")}}); err != nil {
		t.Fatal(err)
	}
	expect(t, c, "welcome")

	for _, hello := range [][]byte{nil, []byte("hello?\r\n"), []byte(`{"hello":{"version":3}}`)} {
		raw, err := net.Dial("tcp", p.LinkAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, _ = raw.Write(hello)
		_ = raw.SetReadDeadline(time.Now().Add(wait))
		got, err := io.ReadAll(raw)
		elapsed := time.Since(start)
		raw.Close()
		if err != nil {
			t.Fatalf("reading until the portal closes: %v (after %v)", err, elapsed)
		}
		if elapsed > timeout+time.Second {
			t.Errorf("the stranger was closed after %v, want within the handshake timeout", elapsed)
		}
		for _, leak := range []string{p.RunID(), `"pid"`, "alice", "sessid", "run_id", "welcome"} {
			if bytes.Contains(got, []byte(leak)) {
				t.Fatalf("a stranger sending %q received %q: %q", hello, leak, got)
			}
		}
	}
	if err := testutil.Await(wait, time.Millisecond, func() error {
		if n := p.Handler().Stats().LinkRefused; n != 3 {
			return errors.New("LinkRefused = " + strconv.FormatUint(n, 10))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "link.refused") || !strings.Contains(logs.String(), "remote=127.0.0.1:") {
		t.Errorf("no refusal with the remote address in the log:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), string(p.LinkSecret())) {
		t.Errorf("the log holds the link secret")
	}
	if sess := p.Handler().Get(id); sess == nil || !p.ServerConnected() || c.Closed() {
		t.Fatal("a stranger's connection cost the player or the server its link")
	}
}

// A server with the wrong secret is refused at once with the reason,
// and the linked one keeps its link.
func TestLinkWrongSecretRefused(t *testing.T) {
	t.Parallel()
	p := startPortal(t, portal.Config{})
	nc, err := net.Dial("tcp", p.LinkAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	c := link.NewConn(nc, link.Config{})
	defer c.Close()
	start := time.Now()
	_, err = c.ServerHandshake(t.Context(), link.Secret("not the portal's secret, but long"), link.Hello{})
	if !errors.Is(err, link.ErrAuth) || !strings.Contains(err.Error(), "secrets differ") {
		t.Fatalf("ServerHandshake = %v, want ErrAuth saying the secrets differ", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("refused after %v, want within 1s", d)
	}
	if p.ServerConnected() {
		t.Fatal("a server with the wrong secret is linked")
	}
}

// Only so many link connections may be in their handshake at once; one
// more is closed at once, and the slots come back when they end.
func TestLinkHandshakeSlots(t *testing.T) {
	t.Parallel()
	p := startPortal(t, portal.Config{MaxLinkHandshakes: 2, LinkHandshakeTimeout: time.Minute})
	var held []net.Conn
	for range 2 {
		nc, err := net.Dial("tcp", p.LinkAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		readChallenge(t, nc) // its handshake has begun: it holds a slot
		held = append(held, nc)
	}
	extra, err := net.Dial("tcp", p.LinkAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	_ = extra.SetReadDeadline(time.Now().Add(wait))
	if got, err := io.ReadAll(extra); err != nil || len(got) != 0 {
		t.Fatalf("the connection over the limit read %q (%v), want a close and nothing", got, err)
	}
	for _, nc := range held {
		nc.Close()
	}
	dialServer(t, p) // retried until a slot comes back
}

// A link listener beyond loopback needs AllowRemoteLink.
func TestLinkAddrMustBeLoopback(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0"} {
		_, err := portal.New(portal.Config{LinkAddr: addr})
		if !errors.Is(err, portal.ErrInvalidConfig) || !strings.Contains(err.Error(), "AllowRemoteLink") {
			t.Errorf("LinkAddr %q: %v, want refused naming AllowRemoteLink", addr, err)
		}
		if _, err := portal.New(portal.Config{LinkAddr: addr, AllowRemoteLink: true}); err != nil {
			t.Errorf("LinkAddr %q with AllowRemoteLink: %v", addr, err)
		}
	}
}

// readChallenge reads the portal's first handshake frame off nc.
func readChallenge(t *testing.T, nc net.Conn) {
	t.Helper()
	_ = nc.SetReadDeadline(time.Now().Add(wait))
	var hdr [4]byte
	if _, err := io.ReadFull(nc, hdr[:]); err != nil {
		t.Fatalf("no challenge: %v", err)
	}
	body := make([]byte, int(hdr[0])<<24|int(hdr[1])<<16|int(hdr[2])<<8|int(hdr[3]))
	if _, err := io.ReadFull(nc, body); err != nil {
		t.Fatalf("challenge body: %v", err)
	}
	_ = nc.SetReadDeadline(time.Time{})
}

// Before authentication a peer may send only a handshake-sized frame:
// four connections announcing 60 MB frames (which once cost the portal
// 290 MB) are closed at their first header, and the heap stays flat.
// Not parallel: it measures the heap.
func TestLinkHugeFramesBeforeAuthCostNothing(t *testing.T) {
	p := startPortal(t, portal.Config{})
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapInuse
	}
	before := heap()
	junk := bytes.Repeat([]byte("x"), 256<<10)
	for range 4 {
		nc, err := net.Dial("tcp", p.LinkAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		_, _ = nc.Write(append(binary.BigEndian.AppendUint32(nil, 60<<20), byte(link.OpHello)))
		for range 4 {
			if _, err := nc.Write(junk); err != nil {
				break // closed by the portal, as it should be
			}
		}
	}
	if err := testutil.Await(wait, time.Millisecond, func() error {
		if n := p.Handler().Stats().LinkRefused; n != 4 {
			return fmt.Errorf("LinkRefused = %d", n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	after := heap()
	t.Logf("heap in use %d KiB before, %d KiB after", before>>10, after>>10)
	if after > before+4<<20 {
		t.Fatalf("the heap grew from %d to %d bytes", before, after)
	}
}

// A linked server that says nothing for LinkTimeout (stopped, hung) is
// treated as unresponsive: players are told once, what they type is held,
// and when the server speaks again it gets that input, once and in order.
func TestLinkUnresponsiveServer(t *testing.T) {
	t.Parallel()
	p := startPortal(t, portal.Config{LinkTimeout: 200 * time.Millisecond, LinkHeartbeat: 50 * time.Millisecond})
	s := dialServer(t, p) // a hand-driven server: it sends only what the test sends
	s.expectOps(link.OpPortalSync)
	c := dial(t, p.TelnetAddr().String())
	id := s.expectOps(link.OpPortalConnect)[0].Sessid
	if err := s.c.Send(link.Message{Op: link.OpAck, Seen: s.recvd}); err != nil {
		t.Fatal(err)
	}
	expect(t, c, regexp.QuoteMeta(portal.StalledWarning))
	for _, cmd := range []string{"look", "north", "say hi"} {
		if err := c.Send(cmd); err != nil {
			t.Fatal(err)
		}
	}
	if err := testutil.Await(wait, time.Millisecond, func() error {
		if st := p.Handler().Stats(); st.Held != 3 || st.LinkStalls != 1 {
			return fmt.Errorf("held %d, stalls %d", st.Held, st.LinkStalls)
		}
		return nil
	}); err != nil {
		t.Fatalf("the input was not held: %v", err)
	}
	if p.ServerConnected() {
		t.Fatal("an unresponsive server counts as connected")
	}

	// The server speaks again (an acknowledgement, as any message would).
	if err := s.c.Send(link.Message{Op: link.OpAck, Seen: s.recvd}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range s.expectOps(link.OpDataIn, link.OpDataIn, link.OpDataIn) {
		if m.Sessid != id {
			t.Fatalf("input for sessid %d, want %d", m.Sessid, id)
		}
		text, _ := m.Data[0].FirstString()
		got = append(got, text)
	}
	if strings.Join(got, ",") != "look,north,say hi" {
		t.Fatalf("the held input reached the server as %q", got)
	}
	// (It goes quiet again at once, so it may soon stall again: no check
	// of the state after this.)
	if out := expect(t, c, regexp.QuoteMeta(portal.RespondingNotice)); strings.Contains(out, portal.StalledWarning) {
		t.Fatalf("the player was told twice: %q", out)
	}
}

// While the linked server is unresponsive, another server may take its
// place without a takeover token; what the old one was sent and did not
// acknowledge goes to the new one.
func TestLinkUnresponsiveServerReplaced(t *testing.T) {
	t.Parallel()
	p := startPortal(t, portal.Config{LinkTimeout: 200 * time.Millisecond})
	s1 := dialServer(t, p)
	s1.expectOps(link.OpPortalSync)
	c := dial(t, p.TelnetAddr().String())
	s1.expectOps(link.OpPortalConnect)
	expect(t, c, regexp.QuoteMeta(portal.StalledWarning))
	if err := c.Send("look"); err != nil {
		t.Fatal(err)
	}
	s2, err := dialServerAs(t, p, link.Hello{}, link.Message{Op: link.OpPortalSync})
	if err != nil {
		t.Fatalf("a server replacing an unresponsive one: %v", err)
	}
	ops := s2.expectOps(link.OpPortalSync, link.OpPortalConnect, link.OpDataIn)
	if text, _ := ops[2].Data[0].FirstString(); text != "look" {
		t.Fatalf("the new server got %q", text)
	}
}
