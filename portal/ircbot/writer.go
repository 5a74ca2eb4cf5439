package ircbot

import (
	"time"
)

// write sends what is queued until the connection ends: the QUIT and
// urgent lines at once, the others at the flood-control pace ([Pace]).
// It also keeps the connection honest: a server silent for
// Config.Keepalive gets a PING, one silent twice that long, or a
// connection not in its channel within Config.RegisterTimeout, is closed.
func (c *conn) write() {
	defer close(c.done)
	defer c.q.end()
	cfg := &c.b.f.cfg
	tick := time.NewTicker(max(min(cfg.Keepalive, cfg.RegisterTimeout)/4, time.Millisecond))
	defer tick.Stop()
	var clock, pinged time.Time
	for {
		now := time.Now()
		at, next := Pace(clock, now, cfg.LineInterval, cfg.LineBurst)
		line, kind, dropped, ok := c.q.pop(!at.After(now))
		c.b.f.stats.linesDropped.Add(uint64(dropped))
		if ok {
			if kind == lineNormal {
				clock = next
			}
			if !c.writeLine(line) {
				return
			}
			if kind == lineQuit {
				_ = c.nc.SetReadDeadline(time.Now().Add(quitGrace)) // the reader ends at the server's close, or then
				return
			}
			continue
		}
		if !c.idle(at, tick.C, &pinged) {
			return
		}
	}
}

// idle waits for something to do: a new line, the pace's next slot (at,
// if lines wait for it), a keepalive tick. False when the connection ended.
func (c *conn) idle(at time.Time, tick <-chan time.Time, pinged *time.Time) bool {
	var slot <-chan time.Time
	if c.q.waiting() {
		t := time.NewTimer(time.Until(at))
		defer t.Stop()
		slot = t.C
	}
	select {
	case <-c.q.wake:
	case <-slot:
	case <-c.ended:
		return false
	case now := <-tick:
		return c.keepalive(now, pinged)
	}
	return true
}

// writeLine writes one line; false (the connection closed) if it failed.
func (c *conn) writeLine(line []byte) bool {
	_ = c.nc.SetWriteDeadline(time.Now().Add(writeTimeout))
	if _, err := c.nc.Write(line); err != nil {
		c.nc.Close()
		return false
	}
	c.b.f.stats.linesSent.Add(1)
	return true
}

// keepalive checks the connection at now; false when it closed it.
func (c *conn) keepalive(now time.Time, pinged *time.Time) bool {
	cfg := &c.b.f.cfg
	silent := now.Sub(time.Unix(0, c.heard.Load()))
	switch {
	case !c.joined.Load() && now.Sub(c.dialed) > cfg.RegisterTimeout:
		c.failWith(ErrRegistration)
		return false
	case silent > 2*cfg.Keepalive:
		c.failWith(ErrServerSilent)
		return false
	case silent > cfg.Keepalive && now.Sub(*pinged) > cfg.Keepalive:
		*pinged = now
		c.sendUrgent("PING", "keepalive")
	}
	return true
}

// failWith closes the connection for err, which the reader then reports.
func (c *conn) failWith(err error) {
	c.mu.Lock()
	c.fail = err
	c.mu.Unlock()
	c.nc.Close()
}
