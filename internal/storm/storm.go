package storm

import (
	"context"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Storm opens connections to cfg.Target from cfg.Dialers goroutines,
// each dialling again as soon as its last connection is done: dial, wait
// for the first byte, with cfg.Probe send the echo probe and wait for its
// answer, then close with a reset. Each connection's [Result] comes on
// the channel, which is closed once the storm is over: after cfg.Conns
// connections or cfg.Duration (connections under way finish, bounded by
// cfg.Timeout), or when ctx is cancelled (they are abandoned then). A
// failed connection is a result too; it never stops the storm. cfg must
// be valid ([Config.Validate]).
func Storm(ctx context.Context, cfg Config) <-chan Result {
	cfg = cfg.withDefaults()
	out := make(chan Result, 4*cfg.Dialers)
	start := ctx
	var cancel context.CancelFunc = func() {}
	if cfg.Duration > 0 {
		// Stop starting at Duration; what is under way finishes on ctx.
		start, cancel = context.WithTimeout(ctx, cfg.Duration)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range cfg.Dialers {
		wg.Go(func() {
			for start.Err() == nil {
				seq := int(next.Add(1) - 1)
				if cfg.Conns > 0 && seq >= cfg.Conns {
					return
				}
				r := one(ctx, cfg, source(cfg.Sources, seq), seq)
				select {
				case out <- r:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	go func() {
		wg.Wait()
		cancel()
		close(out)
	}()
	return out
}

// source is the address connection seq dials from.
func source(srcs []netip.Addr, seq int) netip.Addr {
	if len(srcs) == 0 {
		return netip.Addr{}
	}
	return srcs[seq%len(srcs)]
}

// one runs one storm connection.
func one(ctx context.Context, cfg Config, src netip.Addr, seq int) Result {
	c, r := dial(ctx, cfg.Target, src, seq, cfg.Timeout)
	if c == nil {
		return r
	}
	defer c.close()
	if cfg.Probe {
		stop := context.AfterFunc(ctx, func() { _ = c.nc.SetDeadline(time.Now()) })
		c.probe(&r, cfg.Timeout)
		stop()
	}
	return r
}
