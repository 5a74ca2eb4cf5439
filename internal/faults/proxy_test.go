package faults

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// echoServer echoes every line back on a loopback port until the test ends.
type echoServer struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
	wg    sync.WaitGroup
}

func startEcho(t *testing.T) *echoServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := &echoServer{ln: ln}
	e.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			e.mu.Lock()
			e.conns = append(e.conns, c)
			e.mu.Unlock()
			e.wg.Go(func() { _, _ = io.Copy(c, c); c.Close() })
		}
	})
	t.Cleanup(func() {
		ln.Close()
		e.mu.Lock()
		for _, c := range e.conns {
			c.Close()
		}
		e.mu.Unlock()
		e.wg.Wait()
	})
	return e
}

func (e *echoServer) addr() string { return e.ln.Addr().String() }

func startProxy(t *testing.T, target string) *Proxy {
	t.Helper()
	p, err := NewProxy(ProxyConfig{Target: target})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// roundTrip sends a line through c and reads it back.
func roundTrip(t *testing.T, c net.Conn, r *bufio.Reader, line string) {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		t.Fatal(err)
	}
	got, err := r.ReadString('\n')
	if err != nil || got != line+"\n" {
		t.Fatalf("round trip of %q: got %q, %v", line, got, err)
	}
}

func dialProxy(t *testing.T, p *Proxy) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, bufio.NewReader(c)
}

// awaitActive waits until the proxy relays n connections.
func awaitActive(t *testing.T, p *Proxy, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for p.Stats().Active != n {
		if time.Now().After(deadline) {
			t.Fatalf("the proxy relays %d connections, want %d", p.Stats().Active, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// readErr reads from c until it fails and returns the error.
func readErr(c net.Conn) error {
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := io.Copy(io.Discard, c)
	if err == nil {
		return io.EOF
	}
	return err
}

func TestProxyRelaysOverTCP(t *testing.T) {
	t.Parallel()
	e := startEcho(t)
	p := startProxy(t, e.addr())
	c, r := dialProxy(t, p)
	roundTrip(t, c, r, "hello")
	roundTrip(t, c, r, strings.Repeat("x", 100_000)) // more than a buffer
	if s := p.Stats(); s.Accepted != 1 || s.Active != 1 {
		t.Errorf("stats %+v: want 1 accepted and active", s)
	}
}

func TestResetSendsRST(t *testing.T) {
	t.Parallel()
	e := startEcho(t)
	p := startProxy(t, e.addr())
	c, r := dialProxy(t, p)
	roundTrip(t, c, r, "before")
	if n := p.Reset(1); n != 1 {
		t.Fatalf("Reset: got %d, want 1", n)
	}
	if err := readErr(c); !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("the client's read after Reset: got %v, want ECONNRESET", err)
	}
	awaitActive(t, p, 0)
	if s := p.Stats(); s.Reset != 1 {
		t.Errorf("stats %+v: want 1 reset", s)
	}
}

func TestResetTakesItsFraction(t *testing.T) {
	t.Parallel()
	e := startEcho(t)
	p := startProxy(t, e.addr())
	const n = 20
	for range n {
		c, r := dialProxy(t, p)
		roundTrip(t, c, r, "hi") // one after the other: numbered in this order
	}
	want := 0
	for i := uint64(1); i <= n; i++ {
		if Picked(i, 0.25) {
			want++
		}
	}
	if got := p.Affected(0.25); got != want {
		t.Errorf("Affected(0.25): got %d, want %d", got, want)
	}
	if got := p.Reset(0.25); got != want {
		t.Errorf("Reset(0.25): got %d, want %d", got, want)
	}
	awaitActive(t, p, n-want)
	// A second act takes its share of those left, not the same numbers again.
	left, again := n-want, 0
	for i := uint64(1); i <= uint64(left); i++ {
		if Picked(i, 0.25) {
			again++
		}
	}
	if got := p.Reset(0.25); got != again || again == 0 {
		t.Errorf("a second Reset(0.25) of the %d left: got %d, want %d", left, got, again)
	}
	awaitActive(t, p, left-again)
}

func TestCutRefuseAndSetTarget(t *testing.T) {
	t.Parallel()
	e1, e2 := startEcho(t), startEcho(t)
	p := startProxy(t, e1.addr())
	c, r := dialProxy(t, p)
	roundTrip(t, c, r, "one")
	if n := p.Cut(); n != 1 {
		t.Fatalf("Cut: got %d, want 1", n)
	}
	if err := readErr(c); !errors.Is(err, io.EOF) {
		t.Errorf("the client's read after Cut: got %v, want EOF", err)
	}

	p.Refuse(true)
	c2, _ := dialProxy(t, p)
	if err := readErr(c2); !errors.Is(err, io.EOF) {
		t.Errorf("a connection while refusing: got %v, want closed at once", err)
	}
	p.Refuse(false)
	p.SetTarget(e2.addr())
	c3, r3 := dialProxy(t, p)
	roundTrip(t, c3, r3, "two")
	e2.mu.Lock()
	got := len(e2.conns)
	e2.mu.Unlock()
	if got != 1 {
		t.Errorf("the new target has %d connections, want 1", got)
	}
	if s := p.Stats(); s.Refused != 1 || s.Cut != 1 {
		t.Errorf("stats %+v: want 1 refused and 1 cut", s)
	}
}

func TestDialFailureClosesTheClient(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	p := startProxy(t, dead)
	c, _ := dialProxy(t, p)
	if err := readErr(c); errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("a connection to a dead target: got %v, want it closed", err)
	}
	if s := p.Stats(); s.DialFailed != 1 {
		t.Errorf("stats %+v: want 1 failed dial", s)
	}
}

func TestProxyConfigValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cfg   ProxyConfig
		field string
	}{
		{ProxyConfig{}, "Target"},
		{ProxyConfig{Target: "x", DialTimeout: -1}, "DialTimeout"},
		{ProxyConfig{Target: "x", BufferSize: -1}, "BufferSize"},
		{ProxyConfig{Target: "x", Window: maxWindow + 1}, "Window"},
	} {
		_, err := NewProxy(tc.cfg)
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("NewProxy(%+v): got %v, want ErrInvalidConfig naming %s", tc.cfg, err, tc.field)
		}
	}
}
