package ircbot

import (
	"context"
	"net"
	"strconv"
	"testing"

	"github.com/portalsim/portalsim/portal"
)

// newTestBot returns a factory, a portal's handler (the portal is not
// started) and a bot of the factory on it, not running.
func newTestBot(t *testing.T, set Settings) (*Factory, *portal.Handler, *bot) {
	t.Helper()
	f, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := portal.New(portal.Config{MaxConnectionRate: -1, MaxCommandRate: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	h := p.Handler()
	b := newBot(context.Background(), f, h, set)
	t.Cleanup(func() { b.stop() })
	return f, h, b
}

var testSettings = Settings{UID: 7, Nick: "evbot", Channel: "#ev", Network: "127.0.0.1", Port: 6667}

// A bot replaced while its session is already closed by its own
// connection's end (the IRC server dropped it; connect has not yet
// cleared its connection) still stops: otherwise it would reconnect
// with the old settings beside the new bot, unknown to the factory.
func TestRetireStopsBotWhoseSessionAlreadyClosed(t *testing.T) {
	t.Parallel()
	_, h, b := newTestBot(t, testSettings)
	a, z := net.Pipe()
	t.Cleanup(func() { a.Close(); z.Close() })
	c := newConn(b, a)
	if !b.setConn(c) {
		t.Fatal("setConn")
	}
	s := h.Connect(c) // the bot joined: its session (Bind sets c.sess)
	// The IRC server dropped the connection: conn.run closes the session
	// with its own reason (the bot stays wanted), and has not yet returned.
	s.Close(closeReason(net.ErrClosed, false), "")
	if b.isStopped() {
		t.Fatal("setup: an own close stopped the bot")
	}
	b.retire() // Start: an SCONN with other settings replaced it
	if !b.isStopped() {
		t.Fatal("retire left the replaced bot running: it reconnects with the old settings beside the new bot")
	}
}

// An SCONN with the same settings as a bot that is stopping (stopped,
// not yet forgotten by the factory) starts a new bot: it is no duplicate.
func TestStartReplacesStoppingBot(t *testing.T) {
	t.Parallel()
	f, h, old := newTestBot(t, testSettings)
	f.bots[old.key] = old
	old.mu.Lock()
	old.stopped = true // stop's first step; its forget has not run
	old.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the new bot ends at once: no network
	config := map[string]any{"uid": 7, "botname": "evbot", "channel": "#ev", "network": "127.0.0.1", "port": strconv.Itoa(6667), "ssl": false}
	if err := f.Start(ctx, h, config); err != nil {
		t.Fatal(err)
	}
	if st := f.Stats(); st.Duplicates != 0 || st.Started != 1 {
		t.Fatalf("stats %+v: an SCONN for a stopping bot started nothing", st)
	}
}

// panicConn is a connection whose reads panic.
type panicConn struct{ net.Conn }

func (panicConn) Read([]byte) (int, error) { panic("read") }

// A panic while reading still ends the connection: the writer stops and
// the session closes (the game hears of it), rather than staying open
// with IRC input dead.
func TestConnPanicEndsSession(t *testing.T) {
	t.Parallel()
	_, h, b := newTestBot(t, testSettings)
	a, z := net.Pipe()
	t.Cleanup(func() { a.Close(); z.Close() })
	c := newConn(b, panicConn{a})
	s := h.Connect(c)
	go c.write()
	func() {
		defer func() {
			if recover() == nil {
				t.Error("no panic")
			}
		}()
		_ = c.run()
	}()
	<-c.done
	if st := s.State(); st != portal.StateClosed {
		t.Fatalf("session %v after the reader panicked, want closed", st)
	}
}
