package portal

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/link"
)

// ackProbe is a protocol that records, when the server's answer is
// dispatched to it, how many of its session's inputs were still waiting
// for the server.
type ackProbe struct {
	fakeProto
	s       *Session
	waiting chan int64
}

func (a *ackProbe) Bind(s *Session) { a.s = s }

func (a *ackProbe) Output(cmd string) OutputFunc {
	if cmd != "text" {
		return nil
	}
	return func([]any, map[string]any) { a.waiting <- a.s.unanswered.Load() }
}

// The acknowledgement an answer's last frame carries is taken after the
// frame's output is dispatched: a session that waits for its answers
// (its client stopped sending) must have them when it sees its input
// acknowledged.
func TestAckTakenAfterItsFrameIsDispatched(t *testing.T) {
	t.Parallel()
	p, err := New(Config{MaxConnectionRate: -1, Keepalive: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	nc, err := net.Dial("tcp", p.LinkAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	c := link.NewConn(nc, link.Config{})
	defer c.Close()
	if _, err := c.ServerHandshake(ctx, p.LinkSecret(), link.Hello{}); err != nil {
		t.Fatal(err)
	}
	if err := c.Send(link.Message{Op: link.OpPortalSync}); err != nil {
		t.Fatal(err)
	}
	var received uint64 // every message counts toward an acknowledgement
	recv := func(op link.Op) link.Message {
		t.Helper()
		for {
			m, err := c.Recv()
			if err != nil {
				t.Fatal(err)
			}
			received++
			if m.Op == op {
				return m
			}
		}
	}
	recv(link.OpPortalSync)
	probe := &ackProbe{waiting: make(chan int64, 1)}
	s := p.h.Connect(probe)
	s.DataIn(link.Text("look"))
	recv(link.OpDataIn)
	if err := c.Send(link.Message{Op: link.OpDataOut, Sessid: s.Sessid(), Data: []link.Command{link.Text("answer")}, Ack: received}); err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-probe.waiting:
		if n != 1 {
			t.Fatalf("when its answer was dispatched, %d inputs of the session waited; want 1: the acknowledgement the answer carries was taken first", n)
		}
	case <-ctx.Done():
		t.Fatal("the answer was never dispatched")
	}
	for s.unanswered.Load() != 0 {
		select {
		case <-ctx.Done():
			t.Fatal("the input was never taken as processed")
		case <-time.After(time.Millisecond):
		}
	}
}
