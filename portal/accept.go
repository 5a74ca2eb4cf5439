package portal

import (
	"context"
	"errors"
	"net"
	"time"
)

// Accepting connections, for the doors and the link alike.
//
// An accept that fails is almost always EMFILE or ENFILE: every file
// descriptor the process (or the system) may hold is taken, by players
// most likely (19,000 sessions hold 95% of a 20,000 limit). The pending
// connection stays in the kernel's backlog and the next accept fails the
// same way until a descriptor is freed, so retrying at once would spin a
// core and write a log line per spin. acceptLoop counts each failure
// (HandlerStats.AcceptErrors), logs at most one line per acceptLogEvery
// with the number suppressed, and waits before it retries, from 5 ms
// doubling to 1 s (net/http's schedule); the first accept that succeeds
// resets the wait.

// acceptLogEvery bounds the log lines of failing accepts: one at most per interval.
const acceptLogEvery = 10 * time.Second

// acceptRetryDelay is the wait before the next accept after one failed,
// the wait before it having been last (0 after a success).
func acceptRetryDelay(last time.Duration) time.Duration {
	const first, most = 5 * time.Millisecond, time.Second
	if last == 0 {
		return first
	}
	return min(2*last, most)
}

// openListener binds a door or the link at addr. TCP keepalive is off
// where the portal's own keepalive (Config.Keepalive: a telnet NOP, a
// websocket ping) finds dead peers, as it does for what keepaliveOwn
// says: TCP's would cost four setsockopt calls for every connection
// accepted (SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT),
// about a third of the system calls a connection costs the portal.
func (p *Portal) openListener(addr string, keepaliveOwn bool) (net.Listener, error) {
	var lc net.ListenConfig
	if keepaliveOwn && p.cfg.Keepalive > 0 {
		lc.KeepAlive = -1
	}
	return lc.Listen(context.Background(), "tcp", addr)
}

// acceptLoop hands each connection of ln to serve until ln closes (or
// the portal stops), backing off and counting when accept fails (see
// above). what names the listener in the log: a door, or "link".
func (p *Portal) acceptLoop(what string, ln net.Listener, serve func(net.Conn)) {
	var wait time.Duration
	for {
		nc, err := ln.Accept()
		if err == nil {
			wait = 0
			serve(nc)
			continue
		}
		if p.stopping.Load() || errors.Is(err, net.ErrClosed) {
			return
		}
		p.h.stats.acceptErrors.Add(1)
		p.acceptLog.log(p.log, "accept.failed", what, err)
		wait = acceptRetryDelay(wait)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-p.ctx.Done():
			t.Stop()
			return
		}
	}
}
