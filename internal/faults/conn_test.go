package faults

import (
	"bytes"
	"errors"
	"io"
	"net"
	"testing"
	"testing/synctest"
	"time"
)

// piped is a proxy with one connection made of pipes, for synctest
// bubbles: client and server are the test's ends.
type piped struct {
	p              *Proxy
	client, server net.Conn
}

// newPiped relays one connection, numbered n, between two pipes.
func newPiped(t *testing.T, n uint64) *piped {
	t.Helper()
	p := newProxy(ProxyConfig{Target: "pipe", Seed: 1})
	client, cp := net.Pipe()
	sp, server := net.Pipe()
	p.attach(cp, sp, n)
	t.Cleanup(func() { _ = p.Close() })
	return &piped{p: p, client: client, server: server}
}

// addToxic puts t in place or fails the test.
func (pp *piped) addToxic(tb testing.TB, tx Toxic) func() {
	tb.Helper()
	remove, err := pp.p.Add(tx)
	if err != nil {
		tb.Fatal(err)
	}
	return remove
}

// arrival is one read at the far end, and when it happened.
type arrival struct {
	b  []byte
	at time.Time
}

// collect reads from c until it ends, recording every read.
func collect(c net.Conn) <-chan []arrival {
	out := make(chan []arrival, 1)
	go func() {
		var got []arrival
		buf := make([]byte, 64<<10)
		for {
			n, err := c.Read(buf)
			if n > 0 {
				got = append(got, arrival{bytes.Clone(buf[:n]), time.Now()})
			}
			if err != nil {
				out <- got
				return
			}
		}
	}()
	return out
}

func joined(as []arrival) []byte {
	var b []byte
	for _, a := range as {
		b = append(b, a.b...)
	}
	return b
}

func TestLatencyDelaysEveryChunkExactly(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		pp := newPiped(t, 1)
		pp.addToxic(t, Toxic{Stream: Upstream, Latency: 200 * time.Millisecond})
		got := collect(pp.server)
		start := time.Now()
		for _, s := range []string{"look\r\n", "say hi\r\n"} {
			if _, err := pp.client.Write([]byte(s)); err != nil {
				t.Fatal(err)
			}
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(time.Second)
		pp.client.Close()
		as := <-got
		if len(as) != 2 {
			t.Fatalf("got %d reads, want 2: %q", len(as), joined(as))
		}
		for i, want := range []time.Duration{200 * time.Millisecond, 250 * time.Millisecond} {
			if d := as[i].at.Sub(start); d != want {
				t.Errorf("chunk %d arrived after %v, want %v", i, d, want)
			}
		}
	})
}

func TestJitterNeverReorders(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		pp := newPiped(t, 1)
		const latency, jitter = 100 * time.Millisecond, 90 * time.Millisecond
		pp.addToxic(t, Toxic{Latency: latency, Jitter: jitter})
		got := collect(pp.server)
		var sent []byte
		var sentAt []time.Time
		for i := range 100 {
			b := []byte{byte(i)}
			sent = append(sent, b...)
			sentAt = append(sentAt, time.Now())
			if _, err := pp.client.Write(b); err != nil {
				t.Fatal(err)
			}
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(time.Second)
		pp.client.Close()
		as := <-got
		if !bytes.Equal(joined(as), sent) {
			t.Fatalf("got %v, want %v in order", joined(as), sent)
		}
		spread := map[time.Duration]bool{}
		for i, a := range as {
			d := a.at.Sub(sentAt[i])
			spread[d] = true
			if d < latency-jitter || (d > latency+jitter && (i == 0 || a.at != as[i-1].at)) {
				t.Errorf("byte %d delayed %v: want %v ± %v unless held behind the one before", i, d, latency, jitter)
			}
			if i > 0 && a.at.Before(as[i-1].at) {
				t.Errorf("byte %d arrived before byte %d", i, i-1)
			}
		}
		if len(spread) < 10 {
			t.Errorf("only %d distinct delays over 100 bytes: the jitter does not vary", len(spread))
		}
	})
}

func TestBandwidthPacesTheBytes(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		pp := newPiped(t, 1)
		pp.addToxic(t, Toxic{Stream: Downstream, BytesPerSecond: 100})
		got := collect(pp.client)
		start := time.Now()
		msg := bytes.Repeat([]byte("ab"), 250) // 500 bytes: 5 s at 100 B/s
		if _, err := pp.server.Write(msg); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Second)
		pp.server.Close()
		as := <-got
		if !bytes.Equal(joined(as), msg) {
			t.Fatalf("got %d bytes, want the %d sent", len(joined(as)), len(msg))
		}
		// Pieces of 2 bytes (20 ms worth): the last starts 4.98 s in.
		if last := as[len(as)-1].at.Sub(start); last != 4980*time.Millisecond {
			t.Errorf("the last byte arrived after %v, want 4.98s", last)
		}
		for _, a := range as {
			if len(a.b) > 2 {
				t.Fatalf("a write of %d bytes: want at most 20 ms worth (2 bytes)", len(a.b))
			}
		}
	})
}

func TestFragmentWritesEveryByteAlone(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		pp := newPiped(t, 1)
		pp.addToxic(t, Toxic{Fragment: 1})
		got := collect(pp.client)
		// An IAC sequence and a three-byte UTF-8 character.
		msg := []byte("\xff\xfb\x01caf\xc3\xa9 \xe2\x9c\x93\r\n")
		if _, err := pp.server.Write(msg); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		pp.server.Close()
		as := <-got
		if !bytes.Equal(joined(as), msg) {
			t.Fatalf("got %q, want %q", joined(as), msg)
		}
		if len(as) != len(msg) {
			t.Errorf("got %d reads for %d bytes, want one per byte", len(as), len(msg))
		}
	})
}

func TestHoldKeepsEverythingUntilReleased(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		pp := newPiped(t, 1)
		release := pp.addToxic(t, Toxic{Hold: true})
		got := collect(pp.server)
		for _, s := range []string{"one\r\n", "two\r\n"} {
			if _, err := pp.client.Write([]byte(s)); err != nil {
				t.Fatal(err)
			}
		}
		pp.client.Close() // the close is held too
		time.Sleep(time.Hour)
		select {
		case as := <-got:
			t.Fatalf("while held, the server saw %q and the end", joined(as))
		default:
		}
		releasedAt := time.Now()
		release()
		release() // a second call does nothing
		as := <-got
		if string(joined(as)) != "one\r\ntwo\r\n" {
			t.Errorf("after the release got %q, want both lines in order", joined(as))
		}
		if as[0].at != releasedAt {
			t.Errorf("delivered %v after the release, want at once", as[0].at.Sub(releasedAt))
		}
	})
}

func TestHoldAppliesToItsFractionOnly(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var in, out uint64
		for n := uint64(1); in == 0 || out == 0; n++ {
			if Picked(n, 0.3) {
				in = n
			} else {
				out = n
			}
		}
		held, free := newPiped(t, in), newPiped(t, out)
		for _, pp := range []*piped{held, free} {
			pp.addToxic(t, Toxic{Hold: true, Fraction: 0.3})
		}
		gotHeld, gotFree := collect(held.server), collect(free.server)
		for _, pp := range []*piped{held, free} {
			if _, err := pp.client.Write([]byte("x\r\n")); err != nil {
				t.Fatal(err)
			}
			pp.client.Close()
		}
		if as := <-gotFree; string(joined(as)) != "x\r\n" {
			t.Errorf("the connection outside the fraction got %q, want it relayed", joined(as))
		}
		synctest.Wait()
		select {
		case as := <-gotHeld:
			t.Errorf("the connection in the fraction got %q: want it held", joined(as))
		default:
		}
		held.p.Close()
	})
}

func TestVanishRelaysTheCommandThenCloses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		partial bool
		want    string
	}{
		{"after the line", false, "look here\r\n"},
		{"in the middle of the line", true, "look "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				pp := newPiped(t, 1)
				got := collect(pp.server)
				if _, err := pp.client.Write([]byte("first\r\n")); err != nil {
					t.Fatal(err)
				}
				synctest.Wait()
				n, gone := pp.p.Vanish(1, tc.partial)
				if n != 1 {
					t.Fatalf("Vanish armed %d connections, want 1", n)
				}
				synctest.Wait()
				select {
				case <-gone:
					t.Fatal("gone before the client said anything")
				default:
				}
				go pp.client.Write([]byte("look here\r\nnever\r\n")) // ends with an error once the proxy closes
				as := <-got                                          // the server side is closed: the read ends
				<-gone
				if got, want := string(joined(as)), "first\r\n"+tc.want; got != want {
					t.Errorf("the server got %q, want %q", got, want)
				}
				if _, err := pp.client.Read(make([]byte, 1)); err != io.EOF {
					t.Errorf("the client's read after vanishing: got %v, want EOF", err)
				}
				synctest.Wait()
				if s := pp.p.Stats(); s.Vanished != 1 || s.Active != 0 {
					t.Errorf("stats %+v: want 1 vanished, none active", s)
				}
			})
		})
	}
}

func TestCloseEndsEverything(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		pp := newPiped(t, 1)
		pp.addToxic(t, Toxic{Latency: time.Minute}) // a writer asleep
		go pp.client.Write([]byte("x"))
		synctest.Wait()
		if err := pp.p.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := pp.p.Add(Toxic{}); !errors.Is(err, ErrProxyClosed) {
			t.Errorf("Add after Close: got %v, want ErrProxyClosed", err)
		}
		if err := pp.p.Close(); err != nil {
			t.Errorf("a second Close: %v", err)
		}
	})
}
