package ircbot

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/portalsim/portalsim/portal"
)

// bot is one IRC bot: while it is wanted, it keeps one connection to its
// network, made anew with backoff when it ends.
//
// States: running (connected, or waiting to reconnect) -> stopped, once:
// its session closed by the portal or the game (SDISCONN, shutdown), an
// SCONN with other settings replaced it, or the portal's context ended.
// A stopped bot sends QUIT, closes and never reconnects.
type bot struct {
	f    *Factory
	h    *portal.Handler
	set  Settings
	key  botKey
	log  *slog.Logger
	pctx context.Context // the portal's: closes every connection when it ends

	// ctx ends when the bot stops: a dial or a wait to reconnect ends with it.
	ctx    context.Context
	cancel context.CancelFunc

	// mu guards the fields below.
	mu      sync.Mutex
	cur     *conn // the connection now, nil between two
	stopped bool
}

func newBot(pctx context.Context, f *Factory, h *portal.Handler, set Settings) *bot {
	b := &bot{
		f: f, h: h, set: set, key: botKey{h, set.UID}, pctx: pctx,
		log: f.log.With("uid", set.UID, "address", set.Address()),
	}
	b.ctx, b.cancel = context.WithCancel(pctx)
	return b
}

// run connects, and connects again after each connection ends, until
// the bot stops. The delay grows with each connection that did not stay
// joined to its channel for Config.BackoffReset ([Backoff]), and starts
// again at MinBackoff after one that did; a reconnect the game asked
// for goes at once.
func (b *bot) run() {
	defer b.stop()
	fails := 0
	for {
		joinedFor, asked, err := b.connect()
		if b.isStopped() || b.ctx.Err() != nil {
			b.log.Info("ircbot.stopped", "err", err)
			return
		}
		if joinedFor >= b.f.cfg.BackoffReset {
			fails = 0
		}
		var delay time.Duration
		if !asked {
			delay = Backoff(fails, b.f.cfg.MinBackoff, b.f.cfg.MaxBackoff)
			fails++
		}
		b.log.Info("ircbot.reconnect", "in", delay, "err", err)
		if !sleep(b.ctx, delay) {
			return
		}
	}
}

// sleep waits d, or until ctx ends (then false).
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// connect makes one connection and runs it until it ends: it reports
// how long it stayed joined to its channel (0: it never joined),
// whether the game asked for a reconnect, and why it ended.
func (b *bot) connect() (joinedFor time.Duration, asked bool, err error) {
	nc, err := b.dial()
	if err != nil {
		b.f.stats.connectFailures.Add(1)
		return 0, false, err
	}
	b.f.stats.connects.Add(1)
	c := newConn(b, nc)
	if !b.setConn(c) {
		nc.Close()
		return 0, false, nil
	}
	defer b.setConn(nil)
	stop := context.AfterFunc(b.pctx, c.closeSoon)
	defer stop()
	if !b.h.Go(c.write) {
		nc.Close()
		return 0, false, ErrPortalClosing
	}
	b.log.Info("ircbot.connected", "remote", nc.RemoteAddr().String())
	err = c.run()
	if c.joined.Load() {
		joinedFor = time.Since(c.joinedAt)
	}
	return joinedFor, c.asked.Load(), err
}

// dial connects to the network, over TLS if asked, within DialTimeout.
func (b *bot) dial() (net.Conn, error) {
	ctx, cancel := context.WithTimeout(b.ctx, b.f.cfg.DialTimeout)
	defer cancel()
	nc, err := (&net.Dialer{}).DialContext(ctx, "tcp", b.set.hostPort())
	if err != nil || !b.set.TLS {
		return nc, err
	}
	tc := tls.Client(nc, b.f.cfg.tlsFor(b.set.Network))
	if err := tc.HandshakeContext(ctx); err != nil {
		nc.Close()
		return nil, err
	}
	return tc, nil
}

// setConn records the connection now (nil: none); false if the bot has
// stopped, so c must not run.
func (b *bot) setConn(c *conn) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if c != nil && b.stopped {
		return false
	}
	b.cur = c
	return true
}

// isStopped reports whether the bot stopped (see stop).
func (b *bot) isStopped() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.stopped
}

// stop marks the bot unwanted: no reconnect, a dial or a wait to
// reconnect ends, and the factory forgets it (so that a new SCONN for
// its account starts a new bot at once). It returns the connection now,
// if any, which is the caller's to end. Only the first call counts.
func (b *bot) stop() *conn {
	b.mu.Lock()
	if b.stopped {
		b.mu.Unlock()
		return nil
	}
	b.stopped = true
	c := b.cur
	b.mu.Unlock()
	b.cancel()
	b.f.forget(b)
	return c
}

// retire stops a bot replaced by another: first the bot, so that it
// never reconnects whatever state its connection is in (its session
// may already be closed by the connection's own end), then its
// connection quits and its session closes (the game hears of it).
func (b *bot) retire() {
	c := b.stop()
	if c == nil {
		return
	}
	c.quit("Replaced")
	if s := c.session(); s != nil {
		s.Close(portal.ReasonServerDisconnect, "") // a no-op if already closed
	}
}

// closeReason is the close reason of a session whose connection ended
// with err: the bot's own reasons ([ownReason]).
func closeReason(err error, asked bool) portal.CloseReason {
	var se *ServerError
	switch {
	case asked:
		return portal.ReasonClientQuit
	case errors.Is(err, io.EOF), errors.Is(err, ErrServerSilent), errors.As(err, &se):
		return portal.ReasonConnectionLost
	}
	return portal.ReasonReadError
}

// ownReason reports whether a session closed for r was closed by its
// bot, its connection ended (see closeReason), rather than by the portal
// or the game: only those leave the bot wanted.
func ownReason(r portal.CloseReason) bool {
	switch r {
	case portal.ReasonClientQuit, portal.ReasonConnectionLost, portal.ReasonReadError, portal.ReasonWriteError:
		return true
	}
	return false
}
