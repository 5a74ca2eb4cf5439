package portal_test

import (
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/portal"
)

// A client that never reads fills only its own outbox: it is disconnected
// as a slow consumer while another client keeps getting its output.
func TestSlowConsumerDisconnectedOthersUnaffected(t *testing.T) {
	t.Parallel()
	reasons := make(chan portal.CloseReason, 4)
	p := startPortal(t, portal.Config{OutboundLimit: 64 << 10, OnSessionClosed: func(_ uint64, _ portal.SessionState, r portal.CloseReason) { reasons <- r }})
	srv := dialServer(t, p)
	srv.expectOps(link.OpPortalSync)

	// The slow client connects with a raw socket, a tiny receive buffer, and never reads.
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) { _ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	}}
	slow, err := d.Dial("tcp", p.TelnetAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	slowID := srv.expectOps(link.OpPortalConnect)[0].Sessid
	fast := dial(t, p.TelnetAddr().String())
	fastID := srv.expectOps(link.OpPortalConnect)[0].Sessid

	chunk := link.Text(strings.Repeat("x", 8<<10))
	for i := 0; i < 1024; i++ { // 8 MiB: beyond the socket buffers and the outbox
		if err := srv.c.Send(link.Message{Op: link.OpDataOut, Sessid: slowID, Data: []link.Command{chunk}}); err != nil {
			t.Fatal(err)
		}
		if i%128 == 0 {
			if err := srv.c.Send(link.Message{Op: link.OpDataOut, Sessid: fastID, Data: []link.Command{link.Text("tick")}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := srv.c.Send(link.Message{Op: link.OpDataOut, Sessid: fastID, Data: []link.Command{link.Text("still here")}}); err != nil {
		t.Fatal(err)
	}
	expect(t, fast, "still here")
	if r := <-reasons; r != portal.ReasonSlowConsumer {
		t.Fatalf("slow client closed with %v, want slow-consumer", r)
	}
	if m := srv.next(); m.Op != link.OpPortalDisconnect || m.Sessid != slowID {
		t.Fatalf("server got %v for %d, want PDISCONN for %d", m.Op, m.Sessid, slowID)
	}
}

// One message larger than the outbound limit (2 MiB against the default
// 1 MiB) is no sign of a slow client: a client that reads gets it cut,
// at a rune, with a marker saying how much is missing, and stays.
func TestOversizedOutputCutForClientThatReads(t *testing.T) {
	t.Parallel()
	reasons := make(chan portal.CloseReason, 1)
	p := startPortal(t, portal.Config{OnSessionClosed: func(_ uint64, _ portal.SessionState, r portal.CloseReason) { reasons <- r }})
	srv := dialServer(t, p)
	srv.expectOps(link.OpPortalSync)
	c := dial(t, p.TelnetAddr().String())
	id := srv.expectOps(link.OpPortalConnect)[0].Sessid

	big := strings.Repeat("é", 1<<20) // 2 MiB; two bytes a rune, so a cut through one would show
	if err := srv.c.Send(link.Message{Op: link.OpDataOut, Sessid: id, Data: []link.Command{link.Text(big), link.Text("still here")}}); err != nil {
		t.Fatal(err)
	}
	got := expect(t, c, `\[\.\.\. output cut: \d+ bytes not shown\]\r\n`)
	kept, marker, _ := strings.Cut(got, "\r\n[... output cut: ")
	if strings.Trim(kept, "é") != "" {
		t.Fatalf("the kept text is not whole runes of the message: ends %q", kept[max(len(kept)-8, 0):])
	}
	var notShown int
	if _, err := fmt.Sscanf(marker, "%d bytes not shown]", &notShown); err != nil {
		t.Fatalf("marker %q: %v", marker, err)
	}
	if len(kept)+notShown != len(big) {
		t.Fatalf("%d bytes shown and %d said not shown, of %d", len(kept), notShown, len(big))
	}
	if len(kept) > portal.DefaultOutboundLimit/2 || len(kept) < portal.DefaultOutboundLimit/4 {
		t.Fatalf("kept %d bytes, want about half the 1 MiB limit", len(kept))
	}
	expect(t, c, "still here")
	select {
	case r := <-reasons:
		t.Fatalf("the client was closed: %v", r)
	default:
	}
	if st := p.Handler().Stats(); st.OutputCut != 1 {
		t.Fatalf("OutputCut = %d, want 1", st.OutputCut)
	}
}
