package storm

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// HoldSummary is what [Hold] found.
type HoldSummary struct {
	// Target is where the connections went; Dialers and Sources how.
	Target  string `json:"target"`
	Dialers int    `json:"dialers"`
	Sources int    `json:"sources"`
	// Wanted is how many connections were to be held; Connected how many
	// were accepted (the portal's first byte came) and held; Answered how
	// many of them then answered the echo probe, all open at once.
	Wanted    int `json:"wanted"`
	Connected int `json:"connected"`
	Answered  int `json:"answered"`
	// Failed counts connections that stopped short, by "stage: cause".
	Failed map[string]int `json:"failed,omitempty"`
	// ConnectAll is from the first dial to the last first byte;
	// ProbeAll from the first probe to the last answer.
	ConnectAll time.Duration `json:"connect_all_ns"`
	ProbeAll   time.Duration `json:"probe_all_ns"`
	// ToBanner is from each dial to its first byte; ProbeWait from each
	// probe to its answer.
	ToBanner  Percentiles `json:"connect_to_banner"`
	ProbeWait Percentiles `json:"probe_wait"`
}

// Hold opens cfg.Conns connections from cfg.Dialers goroutines and keeps
// every one that was accepted open; once all are open (or failed), each
// sends the echo probe, all at once, and waits for its answer (bounded
// by cfg.Timeout). Then, with every connection still open, whileHeld
// runs (if set: to look at the portal holding them), and the connections
// are closed. cfg must be valid and cfg.Conns positive.
func Hold(ctx context.Context, cfg Config, whileHeld func(HoldSummary)) HoldSummary {
	cfg = cfg.withDefaults()
	s := HoldSummary{Target: cfg.Target, Dialers: cfg.Dialers, Sources: len(cfg.Sources), Wanted: cfg.Conns, Failed: map[string]int{}}
	conns := make([]*conn, cfg.Conns)
	res := make([]Result, cfg.Conns)
	var next atomic.Int64
	var wg sync.WaitGroup
	first := time.Now()
	for range cfg.Dialers {
		wg.Go(func() {
			for ctx.Err() == nil {
				seq := int(next.Add(1) - 1)
				if seq >= cfg.Conns {
					return
				}
				conns[seq], res[seq] = dial(ctx, cfg.Target, source(cfg.Sources, seq), seq, cfg.Timeout)
			}
		})
	}
	wg.Wait()
	var lastBanner time.Time
	var banners []time.Duration
	for i, c := range conns {
		if c == nil {
			continue
		}
		s.Connected++
		banners = append(banners, res[i].Banner)
		if t := res[i].Start.Add(res[i].Banner); t.After(lastBanner) {
			lastBanner = t
		}
	}
	s.ConnectAll = lastBanner.Sub(first)
	s.ToBanner = percentiles(banners)

	probeStart := time.Now()
	stop := context.AfterFunc(ctx, func() {
		for _, c := range conns {
			if c != nil {
				_ = c.nc.SetDeadline(time.Now())
			}
		}
	})
	for i, c := range conns {
		if c != nil {
			wg.Go(func() { c.probe(&res[i], cfg.Timeout) })
		}
	}
	wg.Wait()
	stop()
	var lastAnswer time.Time
	var waits []time.Duration
	for i, r := range res {
		if r.Stage != StageNone {
			s.Failed[r.Stage.String()+": "+failure(r.Err)]++
			continue
		}
		if r.Answer == 0 || conns[i] == nil {
			continue
		}
		s.Answered++
		waits = append(waits, r.ProbeWait)
		if t := r.Start.Add(r.Answer); t.After(lastAnswer) {
			lastAnswer = t
		}
	}
	if s.Answered > 0 {
		s.ProbeAll = lastAnswer.Sub(probeStart)
	}
	s.ProbeWait = percentiles(waits)
	if len(s.Failed) == 0 {
		s.Failed = nil
	}
	if whileHeld != nil {
		whileHeld(s)
	}
	for _, c := range conns {
		if c != nil {
			c.close()
		}
	}
	return s
}
