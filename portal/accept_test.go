package portal

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"
)

// emfileListener fails every Accept with EMFILE, as a listener does once
// the process holds every descriptor it may, until it is given
// connections to hand out (give); Close ends it.
type emfileListener struct {
	mu     sync.Mutex
	calls  int
	conns  []net.Conn
	closed bool
}

func (l *emfileListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls++
	switch {
	case l.closed:
		return nil, net.ErrClosed
	case len(l.conns) > 0:
		c := l.conns[0]
		l.conns = l.conns[1:]
		return c, nil
	}
	return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
}

func (l *emfileListener) give(c net.Conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.conns = append(l.conns, c)
}

func (l *emfileListener) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	return nil
}

func (l *emfileListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4000} }

func (l *emfileListener) accepts() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.calls
}

// recordHandler keeps the messages of the log records at Warn and above.
type recordHandler struct {
	mu   sync.Mutex
	msgs []string
}

func (h *recordHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (h *recordHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.msgs = append(h.msgs, r.Message)
	return nil
}
func (h *recordHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordHandler) WithGroup(string) slog.Handler      { return h }

func (h *recordHandler) messages() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.msgs...)
}

// A listener out of descriptors: each failed accept is counted, the log
// gets one line per 10 s at most, the loop waits longer and longer
// between tries (no busy loop: 60 s of EMFILE cost a few dozen accepts,
// not millions), and once a descriptor is free the next connection is
// served, the wait reset.
func TestAcceptLoopBacksOffOnEMFILE(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		logs := &recordHandler{}
		p, err := New(Config{Logger: slog.New(logs)})
		if err != nil {
			t.Fatal(err)
		}
		ln := &emfileListener{}
		served := make(chan net.Conn, 1)
		done := make(chan struct{})
		go func() {
			defer close(done)
			p.acceptLoop(DoorTelnet, ln, func(c net.Conn) { served <- c })
		}()
		defer func() {
			ln.Close()
			p.Close() // stops the loop in its wait
			<-done
		}()
		time.Sleep(time.Minute)
		synctest.Wait()
		// 5ms, 10ms, ... 640ms, then 1s: 8 tries in the first 1.3 s, then one a second.
		calls := ln.accepts()
		if calls < 50 || calls > 70 {
			t.Fatalf("%d accepts in a minute of EMFILE, want about 67: one a second once backed off", calls)
		}
		if got := p.h.Stats().AcceptErrors; got != uint64(calls) {
			t.Fatalf("AcceptErrors = %d, want %d (every failed accept)", got, calls)
		}
		if msgs := logs.messages(); len(msgs) < 1 || len(msgs) > 7 || msgs[0] != "accept.failed" {
			t.Fatalf("log lines %v: want accept.failed, one per 10 s at most", msgs)
		}
		// A descriptor frees up: the next try (within the longest wait)
		// serves the connection, and the waits start again at 5 ms.
		a, b := net.Pipe()
		defer b.Close()
		ln.give(a)
		for range 1000 {
			time.Sleep(time.Millisecond)
			synctest.Wait()
			if len(served) > 0 {
				break
			}
		}
		select {
		case c := <-served:
			c.Close()
		default:
			t.Fatal("the connection was not served within the longest wait")
		}
		before := ln.accepts()
		time.Sleep(20 * time.Millisecond) // tries at 5 ms and 15 ms
		synctest.Wait()
		if n := ln.accepts() - before; n != 2 {
			t.Fatalf("%d accepts in the 20 ms after a success, want 2 (after 5 ms, then 10 ms)", n)
		}
	})
}

func TestAcceptRetryDelay(t *testing.T) {
	t.Parallel()
	var got []time.Duration
	d := time.Duration(0)
	for range 10 {
		d = acceptRetryDelay(d)
		got = append(got, d)
	}
	want := "[5ms 10ms 20ms 40ms 80ms 160ms 320ms 640ms 1s 1s]"
	if fmt.Sprint(got) != want {
		t.Fatalf("delays %v, want %s", got, want)
	}
}
