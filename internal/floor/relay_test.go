package floor

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// client is a test's line client of a relay.
type client struct {
	t  testing.TB
	c  net.Conn
	br *bufio.Reader
}

func dialClient(t testing.TB, r *Relay) *client {
	t.Helper()
	c, err := net.Dial("tcp", r.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	cl := &client{t: t, c: c, br: bufio.NewReader(c)}
	if got, err := cl.line(); err != nil || got != Greeting {
		t.Fatalf("first line %q, %v; want the greeting", got, err)
	}
	return cl
}

func (c *client) send(line string) error {
	_, err := c.c.Write([]byte(line + "\r\n"))
	return err
}

// line reads one line, checking its CRLF.
func (c *client) line() (string, error) {
	_ = c.c.SetReadDeadline(time.Now().Add(20 * time.Second))
	s, err := c.br.ReadString('\n')
	if err != nil {
		return s, err
	}
	if !strings.HasSuffix(s, "\r\n") {
		return s, fmt.Errorf("line %q does not end in CRLF", s)
	}
	return strings.TrimSuffix(s, "\r\n"), nil
}

func startFloor(t testing.TB, cfg RelayConfig) (*Echo, *Relay) {
	t.Helper()
	e := startEcho(t, EchoConfig{})
	cfg.Backend = e.Addr().String()
	r, err := NewRelay(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return e, r
}

// Many clients send at once over the one backend connection; each gets
// exactly its own answers, in order.
func TestRelayRoutesInterleavedClients(t *testing.T) {
	t.Parallel()
	e, r := startFloor(t, RelayConfig{})
	const clients, lines = 40, 50
	cls := make([]*client, clients)
	for i := range cls {
		cls[i] = dialClient(t, r)
	}
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i, cl := range cls {
		wg.Go(func() {
			// Write everything first: the lines of all clients interleave on the backend.
			var b strings.Builder
			for j := range lines {
				if j%2 == 0 {
					fmt.Fprintf(&b, "dummyrunner_echo_response c%d-%d\r\n", i, j)
				} else {
					fmt.Fprintf(&b, "say %d %d\n", i, j) // a bare LF ends a line too
				}
			}
			if _, err := cl.c.Write([]byte(b.String())); err != nil {
				errs <- err
				return
			}
			for j := range lines {
				got, err := cl.line()
				if err != nil {
					errs <- fmt.Errorf("client %d line %d: %w", i, j, err)
					return
				}
				want := fmt.Sprintf("say %d %d", i, j)
				if j%2 == 0 {
					want = fmt.Sprintf("dummyrunner_echo_response:c%d-%d,", i, j)
				}
				if !strings.HasPrefix(got, want) || (j%2 == 1 && got != want) {
					errs <- fmt.Errorf("client %d line %d: got %q, want %q", i, j, got, want)
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
	if st.Accepted != clients || st.LinesIn != clients*lines || st.LinesOut != clients*(lines+1) || st.Orphans != 0 {
		t.Errorf("relay stats %+v: want %d accepted, %d lines in, %d out (greetings too), no orphans", st, clients, clients*lines, clients*(lines+1))
	}
	if b := e.Stats().Backends; b != 1 {
		t.Errorf("the echo saw %d backend connections, want 1", b)
	}
}

// A line longer than MaxLine is cut to it and counted; the next line
// goes through whole, and the relay goes on.
func TestRelayCutsLongLines(t *testing.T) {
	t.Parallel()
	_, r := startFloor(t, RelayConfig{MaxLine: 64})
	cl := dialClient(t, r)
	long := strings.Repeat("y", 100000)
	if err := cl.send(long); err != nil {
		t.Fatal(err)
	}
	if err := cl.send("after"); err != nil {
		t.Fatal(err)
	}
	got, err := cl.line()
	if err != nil || got != long[:64] {
		t.Fatalf("got %d bytes (%v), want the first 64 of the long line", len(got), err)
	}
	if got, err := cl.line(); err != nil || got != "after" {
		t.Fatalf("got %q, %v; want %q", got, err, "after")
	}
	if n := r.Stats().LongLines; n != 1 {
		t.Errorf("LongLines = %d, want 1", n)
	}
}

// When the echo goes away, the relay stops with ErrBackendLost and
// closes its clients.
func TestRelayBackendLoss(t *testing.T) {
	t.Parallel()
	e, r := startFloor(t, RelayConfig{})
	cl := dialClient(t, r)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-r.Done():
	case <-time.After(20 * time.Second):
		t.Fatal("the relay did not stop after its backend closed")
	}
	if err := r.Err(); !errors.Is(err, ErrBackendLost) {
		t.Errorf("Err() = %v, want ErrBackendLost", err)
	}
	if _, err := cl.line(); err == nil {
		t.Error("the client still reads after the backend's loss, want its connection closed")
	}
	if err := r.Close(); err != nil {
		t.Errorf("Close after the loss: %v", err)
	}
	if err := r.Err(); !errors.Is(err, ErrBackendLost) {
		t.Errorf("Err() after Close = %v, want still ErrBackendLost", err)
	}
}

// A client that goes away is told to the echo; Close is idempotent and
// Start after it refuses.
func TestRelayLifecycle(t *testing.T) {
	t.Parallel()
	if _, err := NewRelay(RelayConfig{}); err == nil {
		t.Error("NewRelay without a backend: no error")
	}
	_, r := startFloor(t, RelayConfig{})
	cl := dialClient(t, r)
	_ = cl.c.Close()
	quitter := dialClient(t, r)
	if err := quitter.send(QuitCommand); err != nil {
		t.Fatal(err)
	}
	if got, err := quitter.line(); err == nil {
		t.Errorf("after quit the client read %q, want its connection closed", got)
	}
	deadline := time.Now().Add(20 * time.Second)
	for r.Stats().Open != 0 { // awaited: the relay's reader sees the close
		if time.Now().After(deadline) {
			t.Fatal("the relay still counts the closed client open")
		}
		time.Sleep(time.Millisecond)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); !errors.Is(err, ErrClosed) {
		t.Errorf("Start after Close = %v, want ErrClosed", err)
	}
	if err := r.Err(); !errors.Is(err, ErrClosed) {
		t.Errorf("Err() = %v, want ErrClosed", err)
	}
}
