package portal_test

import (
	"context"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
)

// halfCloseSetup starts a portal with cfg and a hand-driven game server
// that acknowledges only when told, and dials a raw client.
func halfCloseSetup(t *testing.T, cfg portal.Config) (*portal.Portal, *testutil.FakeServer, *net.TCPConn, chan portal.CloseReason) {
	t.Helper()
	reasons := make(chan portal.CloseReason, 1)
	cfg.OnSessionClosed = func(_ uint64, _ portal.SessionState, r portal.CloseReason) { reasons <- r }
	p := startPortal(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	f, err := testutil.DialFakeServer(ctx, p.LinkAddr().String(), testutil.FakeServerConfig{Secret: p.LinkSecret()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	nc, err := net.Dial("tcp", p.TelnetAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return p, f, nc.(*net.TCPConn), reasons
}

// awaitInputs waits until the fake server has n DATAINs and returns, for
// each, its sessid and the acknowledgement that says it was processed
// (the count of messages the server had received up to it, every op counted).
func awaitInputs(t *testing.T, f *testutil.FakeServer, n int) (sessid uint64, acks []uint64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := f.Await(ctx, func(log []testutil.FakeMessage) bool {
		return len(slices.DeleteFunc(slices.Clone(log), func(m testutil.FakeMessage) bool { return m.Op != link.OpDataIn })) >= n
	}); err != nil {
		t.Fatalf("the server never got %d inputs: %v", n, err)
	}
	for i, m := range f.Messages() {
		if m.Op == link.OpDataIn {
			sessid = m.Sessid
			acks = append(acks, uint64(i+1))
		}
	}
	return sessid, acks
}

// readToEOF reads what the portal writes until it closes the connection.
func readToEOF(t *testing.T, nc net.Conn) string {
	t.Helper()
	_ = nc.SetReadDeadline(time.Now().Add(wait))
	b, err := io.ReadAll(nc)
	if err != nil {
		t.Fatalf("reading to the end: %v (after %q)", err, b)
	}
	return string(b)
}

// A client that sends its commands and shuts down its sending side
// still gets every answer, then the portal closes.
func TestHalfClosedClientGetsItsAnswers(t *testing.T) {
	t.Parallel()
	p, f, nc, reasons := halfCloseSetup(t, portal.Config{})
	if _, err := nc.Write([]byte("look\r\nscore\r\n")); err != nil {
		t.Fatal(err)
	}
	if err := nc.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	id, acks := awaitInputs(t, f, 2)
	if err := testutil.Await(wait, time.Millisecond, func() error {
		if p.Handler().Stats().HalfCloseWaits != 1 {
			return errWaiting
		}
		return nil
	}); err != nil {
		t.Fatalf("precondition: the session waits for its answers after the end of its input: %v", err)
	}
	// Each answer's last frame acknowledges its command, as the game server does.
	answer := func(ack uint64, cmds ...link.Command) {
		if err := f.Send(link.Message{Op: link.OpDataOut, Sessid: id, Data: cmds, Ack: ack}); err != nil {
			t.Fatal(err)
		}
	}
	answer(acks[0], link.Text("A garden."), link.Prompt("> "))
	answer(acks[0], link.Text("Your score:"))
	answer(acks[1], link.Text("7 points."), link.Prompt("> "))

	got := readToEOF(t, nc)
	for _, want := range []string{"A garden.", "Your score:", "7 points."} {
		if !strings.Contains(got, want) {
			t.Fatalf("the half-closed client got %q: no %q", got, want)
		}
	}
	if r := <-reasons; r != portal.ReasonClientQuit {
		t.Fatalf("reason %v, want client-quit", r)
	}
	if st := p.Handler().Stats(); st.HalfCloseWaits != 1 || st.HalfCloseTimeouts != 0 {
		t.Fatalf("HalfCloseWaits %d, HalfCloseTimeouts %d; want 1, 0", st.HalfCloseWaits, st.HalfCloseTimeouts)
	}
}

// A server that never acknowledges (or does before it answers) holds a
// half-closed session only for the grace time.
func TestHalfClosedClientWaitsAtMostTheGrace(t *testing.T) {
	t.Parallel()
	p, f, nc, reasons := halfCloseSetup(t, portal.Config{HalfCloseGrace: 200 * time.Millisecond})
	if _, err := nc.Write([]byte("look\r\n")); err != nil {
		t.Fatal(err)
	}
	if err := nc.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	id, _ := awaitInputs(t, f, 1)
	if err := f.Send(link.Message{Op: link.OpDataOut, Sessid: id, Data: []link.Command{link.Text("no ack with this")}}); err != nil {
		t.Fatal(err)
	}
	if got := readToEOF(t, nc); !strings.Contains(got, "no ack with this") {
		t.Fatalf("the client got %q", got)
	}
	if r := <-reasons; r != portal.ReasonClientQuit {
		t.Fatalf("reason %v, want client-quit", r)
	}
	if st := p.Handler().Stats(); st.HalfCloseTimeouts != 1 {
		t.Fatalf("HalfCloseTimeouts = %d, want 1", st.HalfCloseTimeouts)
	}
}

// With nothing unanswered, a client's close closes the session at once,
// however long the grace.
func TestHalfClosedClientWithNothingUnansweredClosesAtOnce(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"nothing sent", "all answered"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p, f, nc, reasons := halfCloseSetup(t, portal.Config{HalfCloseGrace: time.Hour})
			if name == "all answered" {
				if _, err := nc.Write([]byte("look\r\n")); err != nil {
					t.Fatal(err)
				}
				id, acks := awaitInputs(t, f, 1)
				if err := f.Send(link.Message{Op: link.OpDataOut, Sessid: id, Data: []link.Command{link.Text("answered")}, Ack: acks[0]}); err != nil {
					t.Fatal(err)
				}
				if err := testutil.Await(wait, time.Millisecond, func() error {
					if p.Handler().Stats().Unacked != 0 { // the answer acknowledged the PCONN and the input
						return errWaiting
					}
					return nil
				}); err != nil {
					t.Fatal(err)
				}
			}
			if err := nc.CloseWrite(); err != nil {
				t.Fatal(err)
			}
			readToEOF(t, nc) // within wait: the hour's grace is not waited for
			if r := <-reasons; r != portal.ReasonClientQuit {
				t.Fatalf("reason %v, want client-quit", r)
			}
			if st := p.Handler().Stats(); st.HalfCloseWaits != 0 {
				t.Fatalf("HalfCloseWaits = %d, want 0", st.HalfCloseWaits)
			}
		})
	}
}
