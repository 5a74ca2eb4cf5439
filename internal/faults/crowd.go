package faults

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/portalsim/portalsim/internal/telnet"
)

// Dialer opens a connection to addr; nil in a crowd's config means TCP.
type Dialer func(ctx context.Context, addr string) (net.Conn, error)

// MaxCrowd bounds the clients of a crowd: each costs two file
// descriptors when the server runs in the same process, whose limit here
// is 20,000.
const MaxCrowd = 10_000

// Failure reasons of a storm's connections.
const (
	// StormDial: the connection could not be made.
	StormDial = "dial"
	// StormClosed: the server closed the connection before its login screen.
	StormClosed = "closed"
	// StormTimeout: no login screen within the timeout.
	StormTimeout = "timeout"
)

// StormConfig configures [Storm].
type StormConfig struct {
	// Addr is the telnet server (host:port) the crowd connects to.
	Addr string
	// Clients is how many connect at once in each round, 1 to [MaxCrowd].
	Clients int
	// Rounds is how many times they do it, one round after the other; 0 means 1.
	Rounds int
	// Timeout bounds each connection's wait for its login screen; 0 means 30 s.
	Timeout time.Duration
	// Dial, if set, opens the connections instead of TCP.
	Dial Dialer
}

// StormResult is what a storm saw.
type StormResult struct {
	// Attempts is how many connections were tried, Served how many saw
	// their login screen (text ended by a telnet GA or EOR).
	Attempts, Served int
	// Failed counts the others by reason (StormDial, StormClosed, StormTimeout).
	Failed map[string]int
	// Median and Slowest are the time from dialling to the login screen
	// of the served connections.
	Median, Slowest time.Duration
	// Rounds is how long each round took, until its last connection was
	// served or failed.
	Rounds []time.Duration
}

// Storm runs a reconnect storm: in each round all the clients dial at
// once, refuse every telnet option, wait for their login screen and
// close, as players do whose connection dropped and whose clients
// reconnect together. It returns when the last round ends or ctx does.
func Storm(ctx context.Context, cfg StormConfig) (StormResult, error) {
	if cfg.Addr == "" || cfg.Clients < 1 || cfg.Clients > MaxCrowd || cfg.Rounds < 0 || cfg.Timeout < 0 {
		return StormResult{}, fmt.Errorf("%w: storm needs an Addr, 1 to %d Clients, and no negative Rounds or Timeout", ErrInvalidConfig, MaxCrowd)
	}
	if cfg.Rounds == 0 {
		cfg.Rounds = 1
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	dial := cfg.Dial
	if dial == nil {
		dial = dialTCP
	}
	res := StormResult{Failed: map[string]int{}}
	var waits []time.Duration
	for range cfg.Rounds {
		if ctx.Err() != nil {
			break
		}
		start := time.Now()
		var mu sync.Mutex
		var wg sync.WaitGroup
		for range cfg.Clients {
			wg.Go(func() {
				wait, reason := stormClient(ctx, dial, cfg.Addr, cfg.Timeout)
				mu.Lock()
				defer mu.Unlock()
				res.Attempts++
				if reason != "" {
					res.Failed[reason]++
					return
				}
				res.Served++
				waits = append(waits, wait)
			})
		}
		wg.Wait()
		res.Rounds = append(res.Rounds, time.Since(start))
	}
	if len(waits) > 0 {
		slices.Sort(waits)
		res.Median, res.Slowest = waits[len(waits)/2], waits[len(waits)-1]
	}
	return res, nil
}

func dialTCP(ctx context.Context, addr string) (net.Conn, error) {
	return (&net.Dialer{}).DialContext(ctx, "tcp", addr)
}

// stormClient connects, waits for the login screen and closes; it
// returns the wait, or the reason it failed.
func stormClient(ctx context.Context, dial Dialer, addr string, timeout time.Duration) (time.Duration, string) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	nc, err := dial(ctx, addr)
	if err != nil {
		return 0, StormDial
	}
	defer nc.Close()
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	defer stop()
	if awaitPrompt(nc) {
		return time.Since(start), ""
	}
	if ctx.Err() != nil {
		return 0, StormTimeout
	}
	return 0, StormClosed
}

// awaitPrompt reads until text ended by GA or EOR, refusing every option
// the server offers; false if the connection ended first.
func awaitPrompt(nc net.Conn) bool {
	var dec telnet.Decoder
	var neg telnet.Negotiator // supports nothing: every offer is refused
	buf := make([]byte, 4096)
	text := false
	for {
		n, err := nc.Read(buf)
		var reply []byte
		done := false
		dec.Decode(buf[:n], func(e telnet.Event) {
			switch e.Kind {
			case telnet.EventData:
				text = text || len(e.Data) > 0
			case telnet.EventCommand:
				done = done || text && (e.Cmd == telnet.GA || e.Cmd == telnet.EOR)
			case telnet.EventNegotiation:
				r, _ := neg.Receive(e.Verb, e.Opt)
				reply = append(reply, r...)
			}
		})
		if done {
			return true
		}
		if len(reply) > 0 {
			if _, werr := nc.Write(reply); werr != nil {
				return false
			}
		}
		if err != nil {
			return false
		}
	}
}

// SlowlorisConfig configures [Slowloris].
type SlowlorisConfig struct {
	// Addr is the server (host:port) the crowd connects to.
	Addr string
	// Clients is how many connections it holds, 1 to [MaxCrowd].
	Clients int
	// Every is the time between two bytes of one connection; 0 means 10 s.
	Every time.Duration
	// Dial, if set, opens the connections instead of TCP.
	Dial Dialer
}

// SlowlorisResult is what a slowloris crowd saw.
type SlowlorisResult struct {
	// Opened is how many connections were made; DialFailed how many
	// could not be.
	Opened, DialFailed int
	// ClosedByPeer is how many the server closed before the end; Open
	// is how many were still open at the end.
	ClosedByPeer, Open int
	// BytesSent is how many bytes the crowd sent in all.
	BytesSent int64
}

// Slowloris holds connections open with as little as possible until ctx
// ends: each sends one byte every Every, an "x" of a line it never ends,
// and reads and drops what the server sends (answering no telnet option).
func Slowloris(ctx context.Context, cfg SlowlorisConfig) (SlowlorisResult, error) {
	if cfg.Addr == "" || cfg.Clients < 1 || cfg.Clients > MaxCrowd || cfg.Every < 0 {
		return SlowlorisResult{}, fmt.Errorf("%w: slowloris needs an Addr, 1 to %d Clients, and no negative Every", ErrInvalidConfig, MaxCrowd)
	}
	if cfg.Every == 0 {
		cfg.Every = 10 * time.Second
	}
	dial := cfg.Dial
	if dial == nil {
		dial = dialTCP
	}
	var res SlowlorisResult
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range cfg.Clients {
		wg.Go(func() {
			sent, opened, closedByPeer := slowClient(ctx, dial, cfg.Addr, cfg.Every)
			mu.Lock()
			defer mu.Unlock()
			res.BytesSent += sent
			switch {
			case !opened:
				res.DialFailed++
			case closedByPeer:
				res.Opened++
				res.ClosedByPeer++
			default:
				res.Opened++
				res.Open++
			}
		})
	}
	wg.Wait()
	return res, nil
}

// slowClient is one slowloris connection, until ctx ends or the server
// closes it.
func slowClient(ctx context.Context, dial Dialer, addr string, every time.Duration) (sent int64, opened, closedByPeer bool) {
	nc, err := dial(ctx, addr)
	if err != nil {
		return 0, false, false
	}
	defer nc.Close()
	gone := make(chan struct{})
	var readers sync.WaitGroup
	readers.Go(func() {
		defer close(gone)
		buf := make([]byte, 4096)
		for {
			if _, err := nc.Read(buf); err != nil {
				return
			}
		}
	})
	defer readers.Wait()
	defer nc.Close() // before Wait: ends the reader
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return sent, true, false
		case <-gone:
			return sent, true, true
		case <-t.C:
			if _, err := nc.Write([]byte{'x'}); err != nil {
				if errors.Is(err, net.ErrClosed) || ctx.Err() != nil {
					return sent, true, false
				}
				return sent, true, true
			}
			sent++
		}
	}
}
