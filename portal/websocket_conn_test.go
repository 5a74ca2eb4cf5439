package portal_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/portalsim/portalsim/internal/faults"
	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
)

// wsStack starts an embedded portal and game server with the websocket door open.
func wsStack(t *testing.T, cfg portal.Config) *testutil.Stack {
	t.Helper()
	cfg.WebsocketAddr = "127.0.0.1:0"
	if cfg.MaxConnectionRate == 0 {
		cfg.MaxConnectionRate = -1
	}
	st, err := testutil.StartStack(testutil.StackConfig{Portal: cfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	return st
}

func dialWS(t *testing.T, st *testutil.Stack, query string, subprotocols ...string) *testutil.WebsocketClient {
	t.Helper()
	c, err := testutil.DialWebsocket(st.Portal.DoorAddr(portal.DoorWebsocket).String(), query, subprotocols...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Drop() })
	return c
}

func wsExpect(t *testing.T, c *testutil.WebsocketClient, re string) string {
	t.Helper()
	got, err := c.Expect(regexp.MustCompile(re), wait)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// wsLogin creates and connects an account and waits for its room.
func wsLogin(t *testing.T, c *testutil.WebsocketClient, name string) {
	t.Helper()
	wsExpect(t, c, `connect <username> <password>`)
	if err := c.Send("create " + name + " pw-" + name); err != nil {
		t.Fatal(err)
	}
	wsExpect(t, c, `created`)
	if err := c.Send("connect " + name + " pw-" + name); err != nil {
		t.Fatal(err)
	}
	wsExpect(t, c, `You become `+name)
}

// serverSessions counts the game server's sessions logged in as uname.
func serverSessions(t *testing.T, st *testutil.Stack, uname string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	n := 0
	for _, d := range st.Server().Sessions(ctx) {
		if d.Uname == uname {
			n++
		}
	}
	return n
}

// awaitTables waits until the portal's and the server's session tables agree.
func awaitTables(t *testing.T, st *testutil.Stack) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := testutil.Await(wait, 5*time.Millisecond, func() error { return testutil.SessionTablesAgree(ctx, st.Portal, st.Server()) }); err != nil {
		t.Fatal(err)
	}
}

func TestWebsocketPlaysEvenniaV1(t *testing.T) {
	t.Parallel()
	st := wsStack(t, portal.Config{})
	for _, offer := range [][]string{nil, {"no.such.protocol", "v1.evennia.com"}} {
		c := dialWS(t, st, "", offer...)
		if want := map[bool]string{true: "", false: "v1.evennia.com"}[offer == nil]; c.Subprotocol() != want {
			t.Errorf("offered %q: subprotocol %q, want %q", offer, c.Subprotocol(), want)
		}
		name := "ws" + map[bool]string{true: "plain", false: "sub"}[offer == nil]
		wsLogin(t, c, name)
		out, err := c.Command("look", wait)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "Limbo") {
			t.Errorf("look: %q, want the room", out)
		}
		frames := c.Frames()
		if !slicesAny(frames, func(f string) bool { return strings.HasPrefix(f, `["text",["`) && strings.HasSuffix(f, `{}]`) }) {
			t.Errorf("no v1 text frame among %q", frames)
		}
		if err := c.Send("quit"); err != nil {
			t.Fatal(err)
		}
		if err := c.WaitClosed(wait); err != nil {
			t.Fatal(err)
		}
		if code := c.CloseStatus(); code != websocket.StatusNormalClosure {
			t.Errorf("close status %v, want 1000", code)
		}
	}
}

func slicesAny(ss []string, f func(string) bool) bool {
	for _, s := range ss {
		if f(s) {
			return true
		}
	}
	return false
}

// Bug 5.11: an abnormal close (no close frame: 1006) must not leave the
// session behind on either side.
func TestWebsocketAbnormalCloseLeavesNoGhost(t *testing.T) {
	t.Parallel()
	st := wsStack(t, portal.Config{})
	c := dialWS(t, st, "")
	wsLogin(t, c, "ghost")
	sess := st.Portal.Handler().Sessions()
	if len(sess) != 1 {
		t.Fatalf("%d portal sessions, want 1", len(sess))
	}
	if err := c.Drop(); err != nil {
		t.Fatal(err)
	}
	if err := testutil.Await(wait, 5*time.Millisecond, func() error {
		if n := len(st.Portal.Handler().Sessions()); n != 0 {
			return fmt.Errorf("%d portal sessions", n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if r := sess[0].CloseReason(); r != portal.ReasonConnectionLost {
		t.Errorf("close reason %v, want %v", r, portal.ReasonConnectionLost)
	}
	awaitTables(t, st)
	if n := serverSessions(t, st, "ghost"); n != 0 {
		t.Errorf("the server still has %d sessions of ghost", n)
	}
}

// A browser that comes back with its session key starts logged in, and
// the server has one session of the account, never two (5.12).
func TestWebsocketReconnectKeepsLogin(t *testing.T) {
	t.Parallel()
	st := wsStack(t, portal.Config{})
	const key = "Zq3kP9xW2mLr7TnB4vYc8HdJ6sQf1GaE"
	c := dialWS(t, st, key+"&page1&test-browser")
	wsLogin(t, c, "tab")
	if err := c.Drop(); err != nil {
		t.Fatal(err)
	}
	again := dialWS(t, st, key+"&page2&test-browser")
	wsExpect(t, again, `You become tab`)
	if strings.Contains(again.Pending(), "connect <username>") {
		t.Errorf("the login screen came as well: %q", again.Pending())
	}
	out, err := again.Command("look", wait)
	if err != nil || !strings.Contains(out, "Limbo") {
		t.Fatalf("look after the reconnect: %q, %v", out, err)
	}
	awaitTables(t, st)
	if n := serverSessions(t, st, "tab"); n != 1 {
		t.Errorf("the server has %d sessions of tab, want 1", n)
	}

	// Quitting logs the browser out: the next tab sees the login screen.
	if err := again.Send("quit"); err != nil {
		t.Fatal(err)
	}
	if err := again.WaitClosed(wait); err != nil {
		t.Fatal(err)
	}
	third := dialWS(t, st, key+"&page3&test-browser")
	wsExpect(t, third, `connect <username> <password>`)
	if strings.Contains(third.Pending(), "You become") {
		t.Errorf("logged in after quitting: %q", third.Pending())
	}
}

// A session key too short to be a secret carries no login: anyone could
// guess "1" and be whoever used it last.
func TestWebsocketShortKeyCarriesNoLogin(t *testing.T) {
	t.Parallel()
	st := wsStack(t, portal.Config{})
	c := dialWS(t, st, "1")
	wsLogin(t, c, "short")
	if err := c.Drop(); err != nil {
		t.Fatal(err)
	}
	again := dialWS(t, st, "1")
	wsExpect(t, again, `connect <username> <password>`)
	awaitTables(t, st)
	if n := serverSessions(t, st, "short"); n != 0 {
		t.Errorf("the short key logged in %d sessions", n)
	}
}

// Malformed messages (bug 5.33: a command name that is not a string) and
// oversized ones are refused with a message and counted; the connection
// goes on. The character limit applies as on telnet (bug 5.8).
func TestWebsocketRefusesBadInputAndGoesOn(t *testing.T) {
	t.Parallel()
	st := wsStack(t, portal.Config{MaxLineLength: 4096, MaxCharLimit: 100})
	c := dialWS(t, st, "")
	wsExpect(t, c, `connect <username> <password>`)
	bad := []string{`not json`, `[1, ["look"], {}]`, `[]`, `[["x"]]`, `["text", "look", {}]`, `["text", [], []]`,
		`["text", [` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `], {}]`}
	before := st.Portal.Handler().Stats().ProtocolErrors
	for _, b := range bad {
		if err := c.SendRaw(websocket.MessageText, []byte(b)); err != nil {
			t.Fatal(err)
		}
		wsExpect(t, c, regexp.QuoteMeta(portal.MalformedMessageWarning))
	}
	if got := st.Portal.Handler().Stats().ProtocolErrors - before; got != uint64(len(bad)) {
		t.Errorf("%d protocol errors counted, want %d", got, len(bad))
	}
	if err := c.Send(strings.Repeat("x", 101)); err != nil {
		t.Fatal(err)
	}
	wsExpect(t, c, regexp.QuoteMeta(portal.CharLimitWarning))
	if err := c.SendCommand("text", []any{strings.Repeat("y", 5000)}, nil); err != nil {
		t.Fatal(err)
	}
	wsExpect(t, c, regexp.QuoteMeta(portal.LineTooLongWarning))
	out, err := c.Command("help", wait)
	if err != nil || out == "" {
		t.Fatalf("help after the bad input: %q, %v", out, err)
	}
}

// A websocket that stops answering pings (the network went away without
// a word: no FIN, no close frame) is closed as lost at the next
// keepalive, and its session with it.
func TestWebsocketUnansweredPingIsLost(t *testing.T) {
	t.Parallel()
	// A ping every second: the client answers pings only while it reads,
	// and its login must not outlast one interval under a loaded -race
	// run (50 ms did); once held, the session is lost within two.
	st := wsStack(t, portal.Config{Keepalive: time.Second})
	proxy, err := faults.NewProxy(faults.ProxyConfig{Target: st.Portal.DoorAddr(portal.DoorWebsocket).String()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = proxy.Close() })
	c, err := testutil.DialWebsocket(proxy.Addr(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Drop() })
	wsLogin(t, c, "pinged")
	sessions := st.Portal.Handler().Sessions()
	if len(sessions) != 1 {
		t.Fatalf("%d sessions, want 1", len(sessions))
	}
	sess := sessions[0]
	if _, err := proxy.Add(faults.Toxic{Hold: true}); err != nil { // silence, both ways, no close
		t.Fatal(err)
	}
	if err := testutil.Await(wait, 5*time.Millisecond, func() error {
		if s := sess.State(); s != portal.StateClosed {
			return fmt.Errorf("session %v", s)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if r := sess.CloseReason(); r != portal.ReasonConnectionLost {
		t.Errorf("close reason %v, want %v", r, portal.ReasonConnectionLost)
	}
}

// Behind a reverse proxy named in UpstreamIPs, the client's address is
// the first of X-Forwarded-For from the right that is not a proxy; from
// anyone else the header is ignored.
func TestWebsocketClientAddressBehindProxy(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		upstream []string
		want     string
	}{{nil, "127.0.0.1"}, {[]string{"127.0.0.1", "10.0.0.9"}, "203.0.113.7"}} {
		st := wsStack(t, portal.Config{UpstreamIPs: tc.upstream})
		c, err := testutil.DialWebsocketHeader(st.Portal.DoorAddr(portal.DoorWebsocket).String(), "", http.Header{"X-Forwarded-For": {"198.51.100.1, 203.0.113.7, 10.0.0.9"}})
		if err != nil {
			t.Fatal(err)
		}
		wsExpect(t, c, `connect <username>`)
		sessions := st.Portal.Handler().Sessions()
		if len(sessions) != 1 || sessions[0].Data().Address != tc.want {
			t.Errorf("upstream %v: address %q, want %q", tc.upstream, sessions[0].Data().Address, tc.want)
		}
		_ = c.Close()
	}
}

// The MUD standards' formats play too: text in binary messages both ways,
// out-of-band data as JSON objects (json) or GMCP strings (gmcp), the
// game's answer to a GMCP Char.Value.Get coming back the same way; and a
// client's websocket_close closes it.
func TestWebsocketMudStandardsFormats(t *testing.T) {
	t.Parallel()
	st := wsStack(t, portal.Config{})
	for _, tc := range []struct {
		proto, ask, answer, bye string
	}{
		{"json.mudstandards.org", `{"proto":"gmcp","id":"Char.Value.Get","data":"{\"name\":\"location\"}"}`,
			`{"proto":"gmcp","id":"Char.Value.Get","data":"{\"name\":\"location\",\"value\":\"Limbo\"}"}`,
			`{"proto":"websocket_close","id":"","data":""}`},
		{"gmcp.mudstandards.org", `Char.Value.Get {"name":"location"}`,
			`Char.Value.Get {"name":"location","value":"Limbo"}`, ""},
	} {
		t.Run(tc.proto, func(t *testing.T) {
			c := dialWS(t, st, "", tc.proto)
			if c.Subprotocol() != tc.proto {
				t.Fatalf("subprotocol %q, want %q", c.Subprotocol(), tc.proto)
			}
			wsExpect(t, c, `connect <username>`)
			name := "ms" + tc.proto[:4]
			for _, line := range []string{"create " + name + " pw-" + name, "connect " + name + " pw-" + name} {
				if err := c.SendRaw(websocket.MessageBinary, []byte(line+"\n")); err != nil {
					t.Fatal(err)
				}
			}
			wsExpect(t, c, `You become `+name)
			if err := c.SendRaw(websocket.MessageText, []byte(tc.ask)); err != nil {
				t.Fatal(err)
			}
			wsExpect(t, c, regexp.QuoteMeta(tc.answer))
			if tc.bye == "" {
				return
			}
			if err := c.SendRaw(websocket.MessageText, []byte(tc.bye)); err != nil {
				t.Fatal(err)
			}
			if err := c.WaitClosed(wait); err != nil {
				t.Fatal(err)
			}
		})
	}
}
