package portal_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
)

// awaitStat waits until f of the handler's stats reaches want.
func awaitStat(t *testing.T, p *portal.Portal, what string, want uint64, f func(portal.HandlerStats) uint64) {
	t.Helper()
	if err := testutil.Await(wait, 5*time.Millisecond, func() error {
		if got := f(p.Handler().Stats()); got < want {
			return fmt.Errorf("%s %d, want %d", what, got, want)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// A message of many lines (terminal.mudstandards.org) is many inputs:
// the command rate counts every one, as it counts telnet's lines.
func TestWebsocketCommandRateCountsEveryLine(t *testing.T) {
	t.Parallel()
	st := wsStack(t, portal.Config{MaxCommandRate: 5})
	c := dialWS(t, st, "", "terminal.mudstandards.org")
	wsExpect(t, c, `connect <username>`)
	before := st.Server().Stats().Commands
	if err := c.SendRaw(websocket.MessageText, []byte(strings.Repeat("help\n", 1000))); err != nil {
		t.Fatal(err)
	}
	awaitStat(t, st.Portal, "RateDropped", 995, func(s portal.HandlerStats) uint64 { return s.RateDropped })
	if ran := st.Server().Stats().Commands - before; ran > 5 {
		t.Errorf("MaxCommandRate 5/s, yet one message ran %d commands", ran)
	}
}

// The character limit applies to every string argument of a text input,
// whatever the case and spaces of its name (the game server's reading).
func TestWebsocketCharLimitOnEveryTextArgument(t *testing.T) {
	t.Parallel()
	st := wsStack(t, portal.Config{MaxCharLimit: 100})
	c := dialWS(t, st, "")
	wsExpect(t, c, `connect <username>`)
	before := st.Portal.Handler().Stats().CharDropped
	long := strings.Repeat("y", 5000)
	for _, cmd := range []struct {
		name string
		args []any
	}{{"Text", []any{long}}, {"text ", []any{long}}, {"text", []any{"x", long}}} {
		if err := c.SendCommand(cmd.name, cmd.args, nil); err != nil {
			t.Fatal(err)
		}
	}
	awaitStat(t, st.Portal, "CharDropped", before+3, func(s portal.HandlerStats) uint64 { return s.CharDropped })
}

// Bytes that are not UTF-8 are counted and the player told, once per
// connection, as on telnet; the message is still read.
func TestWebsocketInvalidUTF8Counted(t *testing.T) {
	t.Parallel()
	st := wsStack(t, portal.Config{})
	c := dialWS(t, st, "", "terminal.mudstandards.org")
	wsExpect(t, c, `connect <username>`)
	if err := c.SendRaw(websocket.MessageBinary, []byte("say \xff\xfe hi\n")); err != nil {
		t.Fatal(err)
	}
	wsExpect(t, c, regexp.QuoteMeta(portal.InvalidUTF8WebWarning))
	v := dialWS(t, st, "")
	wsExpect(t, v, `connect <username>`)
	if err := v.SendRaw(websocket.MessageText, []byte("[\"text\",[\"say \xff hi\"],{}]")); err != nil {
		t.Fatal(err)
	}
	wsExpect(t, v, regexp.QuoteMeta(portal.InvalidUTF8WebWarning))
	if n := st.Portal.Handler().Stats().InvalidUTF8; n != 2 {
		t.Errorf("InvalidUTF8 = %d, want 2", n)
	}
}

// One output larger than half the outbound buffer is cut with a marker,
// as on telnet, not taken for a slow consumer; the client plays on.
func TestWebsocketLargeOutputIsCut(t *testing.T) {
	t.Parallel()
	st := wsStack(t, portal.Config{OutboundLimit: 8 << 10})
	c := dialWS(t, st, "")
	wsLogin(t, c, "talker")
	sess := st.Portal.Handler().Sessions()[0]
	if err := c.Send("say " + strings.Repeat("&", 1500)); err != nil { // &amp; in HTML: 7.5 KB
		t.Fatal(err)
	}
	wsExpect(t, c, `output cut: \d+ bytes not shown`)
	if _, err := c.ReadPrompt(wait); err != nil {
		t.Fatal(err)
	}
	out, err := c.Command("look", wait)
	if err != nil || !strings.Contains(out, "Limbo") {
		t.Fatalf("look after the cut: %q, %v", out, err)
	}
	if sess.State() == portal.StateClosed || st.Portal.Handler().Stats().OutputCut == 0 {
		t.Errorf("session %v (%v), OutputCut %d", sess.State(), sess.CloseReason(), st.Portal.Handler().Stats().OutputCut)
	}
}

// A connection to the websocket door that never upgrades is closed once
// idle for DoorHandshakeTimeout: no descriptor is held by a stranger.
func TestWebsocketDoorClosesIdleHTTP(t *testing.T) {
	t.Parallel()
	st := wsStack(t, portal.Config{DoorHandshakeTimeout: 200 * time.Millisecond})
	nc, err := net.Dial("tcp", st.Portal.DoorAddr(portal.DoorWebsocket).String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	fmt.Fprintf(nc, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	_ = nc.SetReadDeadline(time.Now().Add(wait))
	_, err = io.Copy(io.Discard, bufio.NewReader(nc))
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Errorf("the door still held the idle connection after %v", wait)
	}
}

// Behind a proxy, an X-Forwarded-For entry that is not a bare address
// (the proxy wrote a port) ends the walk: an address the client forged
// further left is not taken.
func TestWebsocketForwardedForStopsAtAnUnreadableHop(t *testing.T) {
	t.Parallel()
	st := wsStack(t, portal.Config{UpstreamIPs: []string{"127.0.0.1"}})
	c, err := testutil.DialWebsocketHeader(st.Portal.DoorAddr(portal.DoorWebsocket).String(), "",
		http.Header{"X-Forwarded-For": {"6.6.6.6, 203.0.113.7:51234"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Drop()
	wsExpect(t, c, `connect <username>`)
	if a := st.Portal.Handler().Sessions()[0].Data().Address; a != "127.0.0.1" {
		t.Errorf("address %q, want the proxy's own 127.0.0.1", a)
	}
}

// A browser page may open the websocket door only from the portal's own
// web door (or Config.WebsocketOrigins); clients without an Origin are
// not browsers and get in.
func TestWebsocketOriginChecked(t *testing.T) {
	t.Parallel()
	st := wsStack(t, portal.Config{WebAddr: "127.0.0.1:0"})
	ws := st.Portal.DoorAddr(portal.DoorWebsocket).String()
	if c, err := testutil.DialWebsocketHeader(ws, "", http.Header{"Origin": {"http://evil.example"}}); err == nil {
		_ = c.Drop()
		t.Errorf("a foreign origin was let in")
	}
	c, err := testutil.DialWebsocketHeader(ws, "", http.Header{"Origin": {"http://" + st.Portal.DoorAddr(portal.DoorWeb).String()}})
	if err != nil {
		t.Fatalf("the web door's origin: %v", err)
	}
	_ = c.Drop()
}

// A quit in any tab logs the browser out, also in a tab that started
// logged in from another's login (they share its nonce), and also when
// the tab is closed before the game's answer to the quit arrives.
func TestWebsocketQuitLogsTheBrowserOut(t *testing.T) {
	t.Parallel()
	st := wsStack(t, portal.Config{})
	t.Run("in the first tab, after a second closed", func(t *testing.T) {
		const key = "Rv3kP9xW2mLr7TnB4vYc8HdJ6sQf1GaE"
		a := dialWS(t, st, key+"&tabA&b")
		wsLogin(t, a, "victim")
		b := dialWS(t, st, key+"&tabB&b")
		wsExpect(t, b, `You become victim`)
		awaitTables(t, st)
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
		_ = b.WaitClosed(wait)
		if err := a.Send("quit"); err != nil {
			t.Fatal(err)
		}
		if err := a.WaitClosed(wait); err != nil {
			t.Fatal(err)
		}
		next := dialWS(t, st, key+"&tabC&b")
		if got := wsExpect(t, next, `You become victim|connect <username>`); strings.Contains(got, "You become") {
			t.Errorf("after the quit, the browser still logs in: %q", got)
		}
	})
	t.Run("the tab closed at once after quit", func(t *testing.T) {
		const key = "Qc3kP9xW2mLr7TnB4vYc8HdJ6sQf1GaE"
		a := dialWS(t, st, key+"&tabA&b")
		wsLogin(t, a, "leaver")
		if err := a.Send("quit"); err != nil {
			t.Fatal(err)
		}
		_ = a.Close()
		awaitTables(t, st)
		// The game's answer to the quit (SDISCONN) may still be on its way
		// once the tables agree: the tab closed before it came.
		if err := testutil.Await(wait, 5*time.Millisecond, func() error {
			if st.Portal.Handler().BrowserRemembered(key) {
				return errors.New("the browser is still remembered as logged in after the quit")
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		next := dialWS(t, st, key+"&tabB&b")
		if got := wsExpect(t, next, `You become leaver|connect <username>`); strings.Contains(got, "You become") {
			t.Errorf("after the quit, the browser still logs in: %q", got)
		}
	})
}
