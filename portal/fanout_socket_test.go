package portal_test

import (
	"bytes"
	"net"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
)

// A DATAOUT for several sessions (a room) reaches each of them exactly
// once, in order with the output sent to that session alone, and never
// a session it does not name; Sessid and Sessids together reach Sessid
// first.
func TestFanoutOnceInOrderOnlyToTheRoom(t *testing.T) {
	t.Parallel()
	p := startPortal(t, portal.Config{})
	srv := dialServer(t, p)
	srv.expectOps(link.OpPortalSync)
	var clients []*testutil.TelnetClient
	var ids []uint64
	for range 4 {
		clients = append(clients, dial(t, p.TelnetAddr().String()))
		ids = append(ids, srv.expectOps(link.OpPortalConnect)[0].Sessid)
	}
	room := ids[:3] // the fourth is elsewhere
	send := func(m link.Message) {
		t.Helper()
		m.Op = link.OpDataOut
		if err := srv.c.Send(m); err != nil {
			t.Fatal(err)
		}
	}
	say := func(text string) []link.Command { return []link.Command{link.Text(text)} }
	send(link.Message{Sessid: ids[0], Data: say("a-before")})
	send(link.Message{Sessids: room, Data: say("room-1")})
	send(link.Message{Sessid: ids[1], Data: say("b-between")})
	send(link.Message{Sessid: ids[2], Sessids: room[:2], Data: say("room-2")}) // Sessid and Sessids: the same three
	for i, id := range ids {
		send(link.Message{Sessid: id, Data: say("fin-" + string(rune('A'+i)))})
	}
	wantOrder := [][]string{
		{"a-before", "room-1", "room-2", "fin-A"},
		{"room-1", "b-between", "room-2", "fin-B"},
		{"room-1", "room-2", "fin-C"},
		{"fin-D"},
	}
	for i, c := range clients {
		got := expect(t, c, "fin-"+string(rune('A'+i))+"\r\n")
		pos := -1
		for _, w := range wantOrder[i] {
			if n := strings.Count(got, w); n != 1 {
				t.Errorf("client %d got %q %d times, want once:\n%q", i, w, n, got)
			}
			j := strings.Index(got, w)
			if j < pos {
				t.Errorf("client %d got %q out of order:\n%q", i, w, got)
			}
			pos = j
		}
		if i == 3 && strings.Contains(got, "room") {
			t.Errorf("client outside the room got %q", got)
		}
	}
}

// A client that never reads fills only its own outbox, in a fan-out as
// alone: it is closed as a slow consumer, while the other player of the
// room gets every line.
func TestFanoutSlowConsumerIsolated(t *testing.T) {
	t.Parallel()
	reasons := make(chan portal.CloseReason, 4)
	p := startPortal(t, portal.Config{OutboundLimit: 64 << 10, OnSessionClosed: func(_ uint64, _ portal.SessionState, r portal.CloseReason) { reasons <- r }})
	srv := dialServer(t, p)
	srv.expectOps(link.OpPortalSync)
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) { _ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	}}
	slow, err := d.Dial("tcp", p.TelnetAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	slowID := srv.expectOps(link.OpPortalConnect)[0].Sessid
	fast, err := net.Dial("tcp", p.TelnetAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer fast.Close()
	fastID := srv.expectOps(link.OpPortalConnect)[0].Sessid
	var xs atomic.Int64 // x's the fast client read
	moved := make(chan struct{}, 1)
	go func() {
		buf := make([]byte, 64<<10)
		for {
			k, err := fast.Read(buf)
			xs.Add(int64(bytes.Count(buf[:k], []byte("x"))))
			select {
			case moved <- struct{}{}:
			default:
			}
			if err != nil {
				return
			}
		}
	}()

	// The fast client reads each line before the next is sent; the slow
	// one reads nothing: 8 MiB is beyond its socket buffers and outbox.
	const size, lines = 16 << 10, 512
	line := link.Text(strings.Repeat("x", size))
	for i := range lines {
		if err := srv.c.Send(link.Message{Op: link.OpDataOut, Sessids: []uint64{slowID, fastID}, Data: []link.Command{line}}); err != nil {
			t.Fatal(err)
		}
		deadline := time.After(wait)
		for xs.Load() < int64((i+1)*size) {
			select {
			case <-moved:
			case <-deadline:
				t.Fatalf("line %d: the fast client read %d x's, want %d", i, xs.Load(), (i+1)*size)
			}
		}
	}
	if r := <-reasons; r != portal.ReasonSlowConsumer {
		t.Fatalf("slow client closed with %v, want slow-consumer", r)
	}
	if m := srv.next(); m.Op != link.OpPortalDisconnect || m.Sessid != slowID {
		t.Fatalf("server got %v for %d, want PDISCONN for %d", m.Op, m.Sessid, slowID)
	}
}
