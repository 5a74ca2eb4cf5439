package link

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// smallBufferPair is a loopback TCP pair whose sender's buffer is
// small, so that a sender that nobody reads meets a full socket soon.
// (The receiver's stays large: both small make loopback TCP crawl.)
func smallBufferPair(t *testing.T) (*Conn, *Conn) {
	t.Helper()
	ac, dc := tcpPair(t)
	if err := dc.(*net.TCPConn).SetWriteBuffer(4 << 10); err != nil {
		t.Fatal(err)
	}
	s, r := NewConn(dc, Config{}), NewConn(ac, Config{})
	t.Cleanup(func() { s.Close(); r.Close() })
	return s, r
}

// Senders on several goroutines, into a socket that fills up: every
// frame arrives once, each sender's in its order, whether its sender
// wrote it, the writer goroutine did, or the two shared it (a direct
// write the socket took part of).
func TestConnConcurrentSendersIntoAFullSocket(t *testing.T) {
	t.Parallel()
	s, r := smallBufferPair(t)
	const senders, each = 4, 200
	body := strings.Repeat("x", 3000)
	var wg sync.WaitGroup
	for g := range senders {
		wg.Go(func() {
			for i := range each {
				m := Message{Op: OpDataIn, Sessid: uint64(g*1_000_000 + i), Data: []Command{Text(body)}}
				if err := s.Send(m); err != nil {
					t.Errorf("sender %d, Send #%d: %v", g, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	s.mu.Lock()
	blocked := s.written < s.queued
	s.mu.Unlock()
	if !blocked {
		t.Fatal("everything was written before the peer read: the socket never filled up")
	}
	next := make([]int, senders)
	for range senders * each {
		m, err := r.Recv()
		if err != nil {
			t.Fatalf("Recv: %v", err)
		}
		g, i := int(m.Sessid/1_000_000), int(m.Sessid%1_000_000)
		if g >= senders || i != next[g] {
			t.Fatalf("got message %d of sender %d, want %d", i, g, next[g])
		}
		if len(m.Data) != 1 || m.Data[0].Args[0] != body {
			t.Fatalf("message %d of sender %d arrived damaged", i, g)
		}
		next[g]++
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatalf("Flush: %v", err)
	}
}

// Closing a link while senders write into it neither deadlocks nor
// leaves a goroutine behind (TestMain checks), and every Send after the
// close fails.
func TestConnCloseUnderConcurrentSenders(t *testing.T) {
	t.Parallel()
	s, r := smallBufferPair(t)
	go func() { // a reader, so that some direct writes succeed
		for {
			if _, err := r.Recv(); err != nil {
				return
			}
		}
	}()
	var wg sync.WaitGroup
	started := make(chan struct{}, 4)
	for range 4 {
		wg.Go(func() {
			started <- struct{}{}
			for {
				if err := s.Send(Message{Op: OpDataIn, Sessid: 1, Data: []Command{Text("abc")}}); err != nil {
					if !s.Lost(err) {
						t.Errorf("Send after Close: %v, want a lost link", err)
					}
					return
				}
			}
		})
	}
	for range 4 {
		<-started
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if err := s.Send(Message{Op: OpDataIn}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Send after Close = %v, want ErrClosed", err)
	}
}

// BenchmarkConnPingPong is one message each way over a loopback link,
// one at a time, as a player's command and its answer go: what a Send
// costs when the link is idle. Besides the wall time it reports the
// process's CPU time per round trip (cpu-ns/op), which a busy machine
// disturbs less.
func BenchmarkConnPingPong(b *testing.B) {
	ac, dc := tcpPair(b)
	p, s := NewConn(dc, Config{}), NewConn(ac, Config{})
	defer p.Close()
	defer s.Close()
	go func() { // the echo
		for {
			m, err := s.Recv()
			if err != nil {
				return
			}
			m.Op = OpDataOut
			if s.Send(m) != nil {
				return
			}
		}
	}()
	m := Message{Op: OpDataIn, Sessid: 12, Data: []Command{Text("dummyrunner_echo_response 12345")}}
	b.ReportAllocs()
	before := cpuTime(b)
	for b.Loop() {
		if err := p.Send(m); err != nil {
			b.Fatal(err)
		}
		if _, err := p.Recv(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime(b)-before)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime(tb testing.TB) time.Duration {
	tb.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
