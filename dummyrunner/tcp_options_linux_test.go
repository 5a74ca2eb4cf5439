package dummyrunner

import (
	"net"
	"syscall"
	"testing"
	"time"
)

// sockopt reads an IPPROTO_TCP option of c's socket.
func sockopt(t *testing.T, c net.Conn, opt int) int {
	t.Helper()
	tc, ok := c.(*net.TCPConn)
	if !ok {
		t.Fatalf("%T is not a TCP connection", c)
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var v int
	var gerr error
	if err := rc.Control(func(fd uintptr) { v, gerr = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, opt) }); err != nil {
		t.Fatal(err)
	}
	if gerr != nil {
		t.Fatal(gerr)
	}
	return v
}

// TestTCPNoDelay: every dial sets TCP_NODELAY.
func TestTCPNoDelay(t *testing.T) {
	t.Parallel()
	p := newTelnetPair(t)
	if v := sockopt(t, p.c.nc, syscall.TCP_NODELAY); v == 0 {
		t.Error("TCP_NODELAY is off on a telnet dial")
	}
}

// TestTCPQuickAck: with quickack on, TCP_QUICKACK is set again after
// each read, after request/answer rounds that put the socket in the
// kernel's delayed-ACK ("pingpong") mode.
func TestTCPQuickAck(t *testing.T) {
	t.Parallel()
	for _, on := range []bool{false, true} {
		p := newTelnetPairWith(t, telnetOptions{quickack: on})
		buf := make([]byte, 64)
		for i := range 20 {
			if err := p.c.send("look"); err != nil {
				t.Fatal(err)
			}
			_ = p.srv.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := p.srv.Read(buf); err != nil {
				t.Fatal(err)
			}
			if _, err := p.srv.Write([]byte("answer\r\n")); err != nil {
				t.Fatal(err)
			}
			select {
			case ev := <-p.c.recv():
				if ev.kind != evText {
					t.Fatalf("round %d: event %v", i, ev.kind)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("no answer")
			}
		}
		// The reader re-armed the option after the read that carried the
		// last answer (the event is sent after it), before its next read.
		v := sockopt(t, p.c.nc, syscall.TCP_QUICKACK)
		t.Logf("quickack %v: TCP_QUICKACK reads %d after the rounds", on, v)
		if on && v != 1 {
			t.Errorf("TCP_QUICKACK = %d after a read, want 1", v)
		}
	}
}
