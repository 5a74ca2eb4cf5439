package ircbot

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/portalsim/portalsim/portal"
)

// Factory starts IRC bots for a portal's game server: its [Factory.Start]
// is the [portal.ProtocolFactory] registered under [Name]. It keeps one
// bot per portal and account: a second SCONN for a bot that runs starts
// nothing (with the same settings) or replaces it (with others). Safe
// for concurrent use.
type Factory struct {
	cfg   Config
	log   *slog.Logger
	stats counters

	// mu guards bots.
	mu   sync.Mutex
	bots map[botKey]*bot
}

// botKey names a bot: its portal (handler) and account.
type botKey struct {
	h   *portal.Handler
	uid int64
}

// counters are what a Factory counts; see [Stats].
type counters struct {
	started, duplicates, replaced       atomic.Uint64
	connects, connectFailures, sessions atomic.Uint64
	inputs, linesSent, linesDropped     atomic.Uint64
	ignored, refused, badLines          atomic.Uint64
	namesDropped                        atomic.Uint64
}

// Stats is a snapshot of a Factory's counters.
type Stats struct {
	// Started counts bots started; Duplicates SCONNs for a bot already
	// running with the same settings (nothing started); Replaced bots
	// stopped for an SCONN with other settings.
	Started, Duplicates, Replaced uint64
	// Connects counts connections made to IRC servers (TLS handshake
	// included); ConnectFailures attempts that failed.
	Connects, ConnectFailures uint64
	// Sessions counts portal sessions made (channels joined).
	Sessions uint64
	// Inputs counts bot_data_in inputs sent to the game.
	Inputs uint64
	// LinesSent counts lines written to IRC servers; LinesDropped lines
	// not sent: the queue was full (Config.QueueLimit), or the
	// connection ended with them still queued.
	LinesSent, LinesDropped uint64
	// Ignored counts output commands a bot ignores, as Evennia's does
	// ("text", "prompt", ...); Refused output it could not send: a
	// private message to something that is not a nick, a line IRC
	// cannot carry.
	Ignored, Refused uint64
	// BadLines counts lines from IRC servers that do not parse.
	BadLines uint64
	// NamesDropped counts tokens of NAMES replies left out of the nick
	// list: longer than a nick, or past the list's bounds (10000 nicks,
	// 64 KiB).
	NamesDropped uint64
}

// New returns a Factory, or the problems of cfg (wrapping [ErrInvalidConfig]).
func New(cfg Config) (*Factory, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &Factory{
		cfg:  cfg,
		log:  cfg.Logger.With("component", "portal.ircbot"),
		bots: make(map[botKey]*bot),
	}, nil
}

var _ portal.ProtocolFactory = (*Factory)(nil).Start

// Start starts a bot with the settings of an SCONN (see [ParseSettings];
// invalid ones are the error, which goes back to the game server). The
// bot connects in the background; ctx ends it (the portal's context).
// A bot already running for the same account on the same portal is
// kept if its settings are the same (this call starts nothing and
// returns nil: a game server sends SCONN again after each reload), and
// replaced if they differ. Once the portal is closing it returns
// [ErrPortalClosing].
func (f *Factory) Start(ctx context.Context, h *portal.Handler, config map[string]any) error {
	set, err := ParseSettings(config)
	if err != nil {
		return err
	}
	key := botKey{h, set.UID}
	f.mu.Lock()
	old := f.bots[key]
	if old != nil && old.isStopped() {
		old = nil // stopping, not yet forgotten: no bot to keep or replace
	}
	if old != nil && old.set == set {
		f.mu.Unlock()
		f.stats.duplicates.Add(1)
		f.log.Info("ircbot.duplicate", "uid", set.UID, "address", set.Address(), "nick", set.Nick)
		return nil
	}
	b := newBot(ctx, f, h, set)
	f.bots[key] = b
	f.mu.Unlock()
	if old != nil {
		f.stats.replaced.Add(1)
		f.log.Info("ircbot.replaced", "uid", set.UID, "old", old.set.Address(), "new", set.Address())
		old.retire()
	}
	f.stats.started.Add(1) // before it runs: by the time it has a session, it is counted
	if !h.Go(b.run) {
		f.stats.started.Add(^uint64(0)) // it never ran
		b.stop()
		return ErrPortalClosing
	}
	f.log.Info("ircbot.started", "uid", set.UID, "address", set.Address(), "nick", set.Nick, "port", set.Port, "tls", set.TLS)
	return nil
}

// forget removes b from the bots, unless another took its place.
func (f *Factory) forget(b *bot) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.bots[b.key] == b {
		delete(f.bots, b.key)
	}
}

// Running returns how many bots run: connected or waiting to reconnect.
func (f *Factory) Running() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.bots)
}

// Stats returns the factory's counters.
func (f *Factory) Stats() Stats {
	c := &f.stats
	return Stats{
		Started: c.started.Load(), Duplicates: c.duplicates.Load(), Replaced: c.replaced.Load(),
		Connects: c.connects.Load(), ConnectFailures: c.connectFailures.Load(), Sessions: c.sessions.Load(),
		Inputs: c.inputs.Load(), LinesSent: c.linesSent.Load(), LinesDropped: c.linesDropped.Load(),
		Ignored: c.ignored.Load(), Refused: c.refused.Load(), BadLines: c.badLines.Load(),
		NamesDropped: c.namesDropped.Load(),
	}
}
