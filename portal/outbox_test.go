package portal

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"

	"github.com/portalsim/portalsim/internal/telnet"
)

// An idle outbox's producer writes itself; what the socket refuses goes
// first, a cut chunk keeping its tail; a hold writes what it kept at its
// release, in one write; once compression was asked for, only the writer
// writes.
func TestOutboxDirectWrite(t *testing.T) {
	t.Parallel()
	o := newOutbox(1 << 20)
	var direct []string
	take := 3 // bytes the "socket" takes at the next direct write
	o.direct = func(batch []chunk) int {
		var all []byte
		for _, c := range batch {
			all = append(all, c.data...)
		}
		direct = append(direct, string(all))
		return min(take, len(all))
	}
	check := func(want string) {
		t.Helper()
		if got := fmt.Sprintf("%q", direct); got != want {
			t.Fatalf("direct writes %s, want %s", got, want)
		}
	}
	if !o.write([]byte("abcdef")) {
		t.Fatal("write refused")
	}
	check(`["abcdef"]`)
	if got := len(o.wake); got != 1 {
		t.Fatalf("writer woken %d times, want 1 (for the refused rest)", got)
	}
	o.hold()
	o.write([]byte("gh"))
	o.write([]byte("ij"))
	check(`["abcdef"]`)
	take = 100
	o.release()
	check(`["abcdef" "defghij"]`)
	take = 1
	o.write([]byte("kl"))
	check(`["abcdef" "defghij" "kl"]`)
	var flushed []byte
	done := make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		errc <- o.run(done, func(batch []chunk, _ bool) error {
			for _, c := range batch {
				flushed = append(flushed, c.data...)
			}
			close(done)
			return nil
		})
	}()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if got, want := string(flushed), "l"; got != want {
		t.Fatalf("writer wrote %q, want %q", got, want)
	}
	if !o.halted {
		t.Fatal("the writer ended and the outbox is not halted")
	}
	o2 := newOutbox(0)
	o2.direct = o.direct
	o2.startCompress([]byte("start"))
	o2.write([]byte("zip"))
	check(`["abcdef" "defghij" "kl"]`)
}

// Producers on several goroutines, the writer and a socket that fills
// up: the bytes arrive whole, each producer's in its order.
func TestOutboxDirectWriteIntoAFullSocket(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	peer := <-accepted
	defer peer.Close()
	if err := nc.(*net.TCPConn).SetWriteBuffer(4 << 10); err != nil {
		t.Fatal(err)
	}
	o := newOutbox(0)
	o.direct = newDirectWrite(nc)
	if o.direct == nil {
		t.Fatal("no direct write for a TCP socket")
	}
	stop := make(chan struct{})
	wrote := make(chan error, 1)
	var comp telnet.Compressor
	go func() { wrote <- o.run(stop, streamFlush(nc, &comp)) }()
	const producers, each = 4, 300
	line := func(g, i int) []byte { return fmt.Appendf(nil, "%d:%04d:%s\n", g, i, bytes.Repeat([]byte{'x'}, 200)) }
	var wg sync.WaitGroup
	for g := range producers {
		wg.Go(func() {
			for i := range each {
				o.write(line(g, i))
			}
		})
	}
	got := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(peer)
		got <- b
	}()
	wg.Wait()
	o.closeAfterFlush()
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
	nc.Close()
	next := make([]int, producers)
	for _, l := range bytes.SplitAfter(<-got, []byte("\n")) {
		if len(l) == 0 {
			continue
		}
		var g, i int
		if _, err := fmt.Sscanf(string(l), "%d:%d:", &g, &i); err != nil || g >= producers || !bytes.Equal(l, line(g, next[g])) {
			t.Fatalf("got line %q, want producer %d's line %d", l, g, next[g])
		}
		next[g]++
	}
	for g, n := range next {
		if n != each {
			t.Fatalf("producer %d: %d lines arrived, want %d", g, n, each)
		}
	}
	close(stop)
}
