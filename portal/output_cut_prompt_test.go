package portal_test

import (
	"strings"
	"testing"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/portal"
)

// A message just under the outbound limit was not cut, leaving no room
// for the prompt that follows it (every command's answer ends with one):
// the client, which reads, was dropped as a slow consumer, while one a
// byte larger would have been cut and kept. Now a message over half the
// limit is cut to half, and the prompt fits after it.
func TestMessageJustUnderTheLimitThenItsPromptKeepsAReadingClient(t *testing.T) {
	t.Parallel()
	const lim = 64 << 10
	reasons := make(chan portal.CloseReason, 1)
	p := startPortal(t, portal.Config{OutboundLimit: lim, OnSessionClosed: func(_ uint64, _ portal.SessionState, r portal.CloseReason) { reasons <- r }})
	srv := dialServer(t, p)
	srv.expectOps(link.OpPortalSync)
	c := dial(t, p.TelnetAddr().String())
	id := srv.expectOps(link.OpPortalConnect)[0].Sessid

	big := strings.Repeat("x", lim-2) // + CR LF: exactly the limit
	if err := srv.c.Send(link.Message{Op: link.OpDataOut, Sessid: id, Data: []link.Command{link.Text(big), link.Prompt("> ")}}); err != nil {
		t.Fatal(err)
	}
	out, err := c.ReadPrompt(wait)
	if err != nil {
		t.Fatalf("no prompt after the big message: %v (closed: %v)", err, c.Closed())
	}
	if !strings.Contains(out, "[... output cut: ") {
		t.Errorf("the message was not cut: %d bytes came", len(out))
	}
	select {
	case r := <-reasons:
		t.Fatalf("a client that reads was closed: %v", r)
	default:
	}
}
