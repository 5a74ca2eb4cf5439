package faults

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// screen is a login screen as a portal sends it: an offer, text, GA.
var screen = []byte("\xff\xfb\x01Welcome!\r\nconnect <username> <password>\r\n> \xff\xf9")

// pipeDialer hands out pipes; serve runs on the server end of each.
func pipeDialer(serve func(i int, c net.Conn)) Dialer {
	var mu sync.Mutex
	n := 0
	return func(ctx context.Context, addr string) (net.Conn, error) {
		client, server := net.Pipe()
		mu.Lock()
		i := n
		n++
		mu.Unlock()
		go serve(i, server)
		return client, nil
	}
}

// telnetScreen sends the login screen and reads until the client goes.
func telnetScreen(_ int, c net.Conn) {
	defer c.Close()
	go func() { _, _ = c.Write(screen) }()
	buf := make([]byte, 64)
	for {
		if _, err := c.Read(buf); err != nil {
			return
		}
	}
}

func TestStormServesEveryRound(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		res, err := Storm(t.Context(), StormConfig{Addr: "pipe", Clients: 50, Rounds: 3, Dial: pipeDialer(telnetScreen)})
		if err != nil {
			t.Fatal(err)
		}
		if res.Attempts != 150 || res.Served != 150 || len(res.Failed) != 0 || len(res.Rounds) != 3 {
			t.Errorf("got %+v, want 150 attempts in 3 rounds, all served", res)
		}
	})
}

func TestStormCountsFailuresByReason(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		serve := func(i int, c net.Conn) {
			switch i % 3 {
			case 0:
				telnetScreen(i, c)
			case 1: // closes before the screen
				c.Close()
			case 2: // says nothing until the client gives up
				defer c.Close()
				_, _ = c.Read(make([]byte, 1))
			}
		}
		start := time.Now()
		res, err := Storm(t.Context(), StormConfig{Addr: "pipe", Clients: 9, Timeout: 5 * time.Second, Dial: pipeDialer(serve)})
		if err != nil {
			t.Fatal(err)
		}
		if res.Served != 3 || res.Failed[StormClosed] != 3 || res.Failed[StormTimeout] != 3 {
			t.Errorf("got %+v, want 3 served, 3 closed, 3 timed out", res)
		}
		if took := time.Since(start); took != 5*time.Second {
			t.Errorf("the round took %v, want the 5s timeout", took)
		}
	})
}

func TestStormRefusesABadConfig(t *testing.T) {
	t.Parallel()
	for _, cfg := range []StormConfig{{}, {Addr: "x"}, {Addr: "x", Clients: MaxCrowd + 1}, {Addr: "x", Clients: 1, Rounds: -1}} {
		if _, err := Storm(t.Context(), cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("Storm(%+v): got %v, want ErrInvalidConfig", cfg, err)
		}
	}
	for _, cfg := range []SlowlorisConfig{{}, {Addr: "x"}, {Addr: "x", Clients: 1, Every: -1}} {
		if _, err := Slowloris(t.Context(), cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("Slowloris(%+v): got %v, want ErrInvalidConfig", cfg, err)
		}
	}
}

func TestSlowlorisSendsOneByteEveryInterval(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		got := map[int][]time.Duration{}
		start := time.Now()
		serve := func(i int, c net.Conn) {
			defer c.Close()
			buf := make([]byte, 16)
			for {
				n, err := c.Read(buf)
				if err != nil {
					return
				}
				mu.Lock()
				for range n {
					got[i] = append(got[i], time.Since(start))
				}
				mu.Unlock()
				if i == 0 { // the server closes the first one after its first byte
					return
				}
			}
		}
		ctx, cancel := context.WithTimeout(t.Context(), 35*time.Second)
		defer cancel()
		res, err := Slowloris(ctx, SlowlorisConfig{Addr: "pipe", Clients: 3, Every: 10 * time.Second, Dial: pipeDialer(serve)})
		if err != nil {
			t.Fatal(err)
		}
		want := SlowlorisResult{Opened: 3, ClosedByPeer: 1, Open: 2, BytesSent: 7}
		if res != want {
			t.Errorf("got %+v, want %+v", res, want)
		}
		synctest.Wait() // the servers have seen their clients go
		mu.Lock()
		defer mu.Unlock()
		for i := 1; i < 3; i++ {
			if d := got[i]; len(d) != 3 || d[0] != 10*time.Second || d[1] != 20*time.Second || d[2] != 30*time.Second {
				t.Errorf("connection %d: bytes at %v, want at 10s, 20s and 30s", i, d)
			}
		}
	})
}
