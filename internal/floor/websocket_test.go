package floor

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// wsClient is a test's websocket client of a relay, speaking v1.
type wsClient struct {
	t  testing.TB
	ws *websocket.Conn
}

func dialWS(t testing.TB, r *Relay) *wsClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, r.WebsocketURL()+"?csessid", &websocket.DialOptions{Subprotocols: []string{SubprotocolV1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ws.CloseNow() })
	if got := ws.Subprotocol(); got != SubprotocolV1 {
		t.Fatalf("subprotocol %q, want %q", got, SubprotocolV1)
	}
	c := &wsClient{t: t, ws: ws}
	if got, err := c.line(); err != nil || got != Greeting {
		t.Fatalf("first message %q, %v; want the greeting", got, err)
	}
	return c
}

// send sends raw as one text message.
func (c *wsClient) send(raw string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return c.ws.Write(ctx, websocket.MessageText, []byte(raw))
}

// sendLine sends line as the dummyrunner does: ["text", [line], {}].
func (c *wsClient) sendLine(line string) error {
	return c.send(`["text",[` + string(mustJSON(c.t, line)) + `],{}]`)
}

// line reads one message, a v1 text, and returns its text.
func (c *wsClient) line() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	typ, b, err := c.ws.Read(ctx)
	if err != nil {
		return "", err
	}
	if typ != websocket.MessageText {
		return "", fmt.Errorf("a %v message, want text", typ)
	}
	return decodeV1Text(c.t, b), nil
}

// Websocket and line clients send at once over the one backend
// connection; each gets exactly its own answers, in order, in its own
// format.
func TestRelayWebsocketInterleavedClients(t *testing.T) {
	t.Parallel()
	e, r := startFloor(t, RelayConfig{WebsocketAddr: "127.0.0.1:0"})
	const clients, lines = 20, 40
	type sender struct {
		send func(string) error
		line func() (string, error)
	}
	var ss []sender
	for range clients {
		w := dialWS(t, r)
		ss = append(ss, sender{w.sendLine, w.line})
		l := dialClient(t, r)
		ss = append(ss, sender{l.send, l.line})
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(ss))
	for i, s := range ss {
		wg.Go(func() {
			want := make([]string, 0, lines)
			for j := range lines {
				line := fmt.Sprintf("say %d %d <&>", i, j)
				if j%2 == 0 {
					line = fmt.Sprintf("%s c%d-%d", EchoCommand, i, j)
				}
				if err := s.send(line); err != nil {
					errs <- err
					return
				}
				want = append(want, line)
			}
			for j, w := range want {
				got, err := s.line()
				if err != nil {
					errs <- fmt.Errorf("client %d line %d: %w", i, j, err)
					return
				}
				if j%2 == 0 {
					w = strings.Replace(w, " ", ":", 1) + ","
				}
				if !strings.HasPrefix(got, w) || (j%2 == 1 && got != w) {
					errs <- fmt.Errorf("client %d line %d: got %q, want %q", i, j, got, w)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st := r.Stats()
	n := int64(len(ss))
	if st.Accepted != n || st.Websocket != clients || st.LinesIn != n*lines || st.LinesOut != n*(lines+1) || st.Orphans != 0 || st.BadFrames != 0 {
		t.Errorf("relay stats %+v: want %d accepted (%d websockets), %d lines in, %d out (greetings too), no orphans nor bad frames",
			st, n, clients, n*lines, n*(lines+1))
	}
	if b := e.Stats().Backends; b != 1 {
		t.Errorf("the echo saw %d backend connections, want 1", b)
	}
}

// Messages the door cannot read are refused and counted, out-of-band
// ones dropped and counted, and the client goes on; a text with line
// ends is several lines.
func TestRelayWebsocketRefusesBadFrames(t *testing.T) {
	t.Parallel()
	_, r := startFloor(t, RelayConfig{WebsocketAddr: "127.0.0.1:0"})
	c := dialWS(t, r)
	for _, bad := range []string{"look", `[]`, `["text",[1],{}]`, `{"text":"look"}`} {
		if err := c.send(bad); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageBinary, []byte(`["text",["binary"],{}]`)); err != nil {
		t.Fatal(err)
	}
	if err := c.send(`["get_value",[],{"name":"room_name"}]`); err != nil {
		t.Fatal(err)
	}
	if err := c.sendLine("one\r\ntwo"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"one", "two"} {
		if got, err := c.line(); err != nil || got != want {
			t.Fatalf("got %q, %v; want %q", got, err, want)
		}
	}
	if st := r.Stats(); st.BadFrames != 5 || st.OOB != 1 || st.LinesIn != 2 {
		t.Errorf("stats %+v: want 5 bad frames, 1 out-of-band, 2 lines in", st)
	}
}

// A line longer than MaxLine is cut to it and counted; a message over
// the door's limit closes the client (1009) and is counted; the relay
// and its other clients go on.
func TestRelayWebsocketLongLines(t *testing.T) {
	t.Parallel()
	_, r := startFloor(t, RelayConfig{WebsocketAddr: "127.0.0.1:0", MaxLine: 64})
	c := dialWS(t, r)
	long := strings.Repeat("y", 1000)
	if err := c.sendLine(long); err != nil {
		t.Fatal(err)
	}
	if err := c.sendLine("after"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{long[:64], "after"} {
		if got, err := c.line(); err != nil || got != want {
			t.Fatalf("got %q, %v; want %q", got, err, want)
		}
	}
	if n := r.Stats().LongLines; n != 1 {
		t.Errorf("LongLines = %d, want 1", n)
	}
	other := dialWS(t, r)
	if err := c.sendLine(strings.Repeat("z", int(wsMessageLimit(64))+1)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.line(); websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
		t.Errorf("after a message over the limit: %v, want closed with 1009", err)
	}
	if err := other.sendLine("still here"); err != nil {
		t.Fatal(err)
	}
	if got, err := other.line(); err != nil || got != "still here" {
		t.Fatalf("the other client: %q, %v", got, err)
	}
	if n := r.Stats().BadFrames; n != 1 {
		t.Errorf("BadFrames = %d, want 1 (the message over the limit)", n)
	}
}

// quit is answered by a close frame (1000); Close closes websocket
// clients too; the door is off unless asked for.
func TestRelayWebsocketLifecycle(t *testing.T) {
	t.Parallel()
	_, plain := startFloor(t, RelayConfig{})
	if u := plain.WebsocketURL(); u != "" {
		t.Errorf("WebsocketURL() = %q without WebsocketAddr, want none", u)
	}
	_, r := startFloor(t, RelayConfig{WebsocketAddr: "127.0.0.1:0"})
	quitter := dialWS(t, r)
	if err := quitter.sendLine(QuitCommand); err != nil {
		t.Fatal(err)
	}
	if _, err := quitter.line(); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Errorf("after quit: %v, want a normal close", err)
	}
	stay := dialWS(t, r)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := stay.line(); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("after Close the client reads on (%v), want its connection closed", err)
	}
	if st := r.Stats(); st.Open != 0 {
		t.Errorf("%d clients open after Close", st.Open)
	}
}
