package compare

import (
	"fmt"
	"math"

	"github.com/portalsim/portalsim/reports"
)

// The defaults of the machine-load options.
const (
	// DefaultBusyMargin is the default Options.BusyMargin: a second is
	// busy when other processes used more than 10% of all cores above
	// the quiet level of the pair (the lower of the two runs' median
	// seconds). On the 2-core reference machine a quiet second's
	// background is 0 to 5%, and one busy core beside the run is 50%.
	DefaultBusyMargin = 0.10
	// DefaultLoadDiff is the default Options.LoadDiff: a comparison is
	// inconclusive when the mean background load of the compared
	// seconds differed between the runs by more than 5% of all cores.
	DefaultLoadDiff = 0.05
)

// LoadComparison is the machine's load during the two runs, as Compare
// saw it and what it did about it.
type LoadComparison struct {
	// Base and Head sum up each run's load over its compared seconds,
	// before any was dropped.
	Base reports.LoadSummary `json:"base"`
	Head reports.LoadSummary `json:"head"`
	// Judged reports whether the load could change the verdict (both
	// runs measured it, and with their whole run as their own); Note
	// says why not when it could not.
	Judged bool   `json:"judged"`
	Note   string `json:"note,omitempty"`
	// Quiet is the background load of a quiet second of the pair (the
	// lower of the runs' medians), and BusyAbove the level above which a
	// second was busy (Quiet + BusyMargin).
	Quiet     float64 `json:"quiet"`
	BusyAbove float64 `json:"busy_above"`
	// BusyBase and BusyHead count each run's busy seconds; Dropped is
	// how many seconds were left out of each run (a busy second in
	// either drops the second of the same position in both), and Kept
	// how many were compared after that. Dropped is 0 when nothing was
	// dropped (Options.KeepBusy, or too few seconds would remain).
	BusyBase int `json:"busy_base"`
	BusyHead int `json:"busy_head"`
	Dropped  int `json:"dropped"`
	Kept     int `json:"kept"`
	// Busy says what was done with the busy seconds, if there were any.
	Busy string `json:"busy,omitempty"`
	// OtherBase and OtherHead are the mean background loads (other
	// processes' CPU and steal) of the seconds compared: the figures
	// that decide an inconclusive verdict.
	OtherBase float64 `json:"other_base"`
	OtherHead float64 `json:"other_head"`
}

// background is a second's load that is not the run's: other
// processes' CPU, and the steal of a hypervisor.
func background(l reports.Load) float64 { return l.Other() + l.Steal }

// loadConfig is the machine-load part of Options, defaults applied.
type loadConfig struct {
	ignore, keepBusy     bool
	busyMargin, loadDiff float64
}

func (o Options) resolveLoad() (loadConfig, error) {
	c := loadConfig{ignore: o.IgnoreLoad, keepBusy: o.KeepBusy, busyMargin: o.BusyMargin, loadDiff: o.LoadDiff}
	for _, v := range []*float64{&c.busyMargin, &c.loadDiff} {
		if math.IsNaN(*v) || math.IsInf(*v, 0) || *v < 0 || *v > 1 {
			return c, fmt.Errorf("%w: load margin %v is not a share of the cores from 0 to 1", ErrCompare, *v)
		}
	}
	if c.busyMargin == 0 {
		c.busyMargin = DefaultBusyMargin
	}
	if c.loadDiff == 0 {
		c.loadDiff = DefaultLoadDiff
	}
	return c, nil
}

// judgeLoad looks at the load of the compared seconds of both runs:
// whether it can be judged, and which seconds are busy. When it can and
// busy seconds are to be dropped, it returns the sides without them, if
// at least minSeconds remain of each.
func judgeLoad(base, head *reports.Report, sb, sh side, cfg loadConfig, minSeconds int) (*LoadComparison, side, side) {
	lc := &LoadComparison{Base: reports.SummarizeLoad(sb.tl), Head: reports.SummarizeLoad(sh.tl)}
	switch {
	case cfg.ignore:
		lc.Note = "the machine's load was not judged (told to ignore it)"
	case lc.Base.Seconds*2 < sb.seconds() || lc.Head.Seconds*2 < sh.seconds():
		lc.Note = fmt.Sprintf("the machine's load was not judged: measured in %d of %d compared seconds of the base run and %d of %d of the head run (a report of an older portalsim, or not Linux)",
			lc.Base.Seconds, sb.seconds(), lc.Head.Seconds, sh.seconds())
	case base.Meta.LoadScope == reports.LoadScopeMachines || head.Meta.LoadScope == reports.LoadScopeMachines:
		lc.Note = "the machine's load was not judged: a run merges parts measured on different machines"
	case base.Meta.LoadScope != reports.LoadScopeRun || head.Meta.LoadScope != reports.LoadScopeRun:
		lc.Note = "the machine's load was not judged: the target may run on this machine and its CPU was not told apart from other processes' (give its pids: portalsim run -target-pids)"
	default:
		lc.Judged = true
	}
	if !lc.Judged {
		return lc, sb, sh
	}
	lc.Quiet = min(medianBackground(sb.tl), medianBackground(sh.tl))
	lc.BusyAbove = lc.Quiet + cfg.busyMargin
	busy := func(s side, i int) bool {
		return i < len(s.tl) && s.tl[i].Load.Measured() && background(s.tl[i].Load) > lc.BusyAbove
	}
	n := max(len(sb.tl), len(sh.tl))
	drop := make([]bool, n)
	for i := range n {
		bb, bh := busy(sb, i), busy(sh, i)
		if bb {
			lc.BusyBase++
		}
		if bh {
			lc.BusyHead++
		}
		drop[i] = bb || bh
	}
	kb, kh := keep(sb, drop), keep(sh, drop)
	counts := fmt.Sprintf("background above %.0f%% of all cores: %d in the base run, %d in the head run", 100*lc.BusyAbove, lc.BusyBase, lc.BusyHead)
	switch {
	case lc.BusyBase == 0 && lc.BusyHead == 0:
	case cfg.keepBusy:
		lc.Busy = "busy seconds compared (-keep-busy; " + counts + ")"
	case kb.seconds() < minSeconds || kh.seconds() < minSeconds:
		lc.Busy = fmt.Sprintf("busy seconds compared (%s): dropping them would leave %d, fewer than the %d needed", counts, min(kb.seconds(), kh.seconds()), minSeconds)
	default:
		lc.Dropped = max(sb.seconds()-kb.seconds(), sh.seconds()-kh.seconds())
		sb, sh = kb, kh
		lc.Busy = fmt.Sprintf("%d busy seconds (%s) dropped from both runs by position; %d compared", lc.Dropped, counts, min(sb.seconds(), sh.seconds()))
	}
	lc.Kept = min(sb.seconds(), sh.seconds())
	lc.OtherBase, lc.OtherHead = meanBackground(sb.tl), meanBackground(sh.tl)
	return lc, sb, sh
}

// keep returns s without the seconds whose position drop marks.
func keep(s side, drop []bool) side {
	out := side{tl: make([]reports.Interval, 0, len(s.tl))}
	for i := range s.tl {
		if !drop[i] {
			out.tl = append(out.tl, s.tl[i])
		}
	}
	return out
}

// medianBackground is the median background load of the measured seconds.
func medianBackground(tl []reports.Interval) float64 {
	var xs []float64
	for i := range tl {
		if tl[i].Load.Measured() {
			xs = append(xs, background(tl[i].Load))
		}
	}
	return median(xs)
}

// meanBackground is the mean background load of the measured seconds.
func meanBackground(tl []reports.Interval) float64 {
	s := reports.SummarizeLoad(tl)
	return s.Other + s.Steal
}

// inconclusive returns why a verdict of regression, improvement or no
// change may be the machine's doing rather than the build's, or "": the
// mean background load of the seconds compared differed between the
// runs by more than LoadDiff. A neighbour slows a run down, and on a
// lightly loaded machine it can also speed it up (the run's threads,
// crowded onto fewer cores, wake each other without crossing cores); a
// slowed base can hide a slower head as well as fake one.
func (lc *LoadComparison) inconclusive(v Verdict, cfg loadConfig) string {
	if lc == nil || !lc.Judged || (v != VerdictRegression && v != VerdictImprovement && v != VerdictNoChange) {
		return ""
	}
	busier, quieter, otherBusy, otherQuiet := "HEAD", "BASE", lc.OtherHead, lc.OtherBase
	if lc.OtherBase > lc.OtherHead {
		busier, quieter, otherBusy, otherQuiet = "BASE", "HEAD", lc.OtherBase, lc.OtherHead
	}
	if otherBusy-otherQuiet <= cfg.loadDiff {
		return ""
	}
	what := map[Verdict]string{VerdictRegression: "the regression", VerdictImprovement: "the improvement", VerdictNoChange: "a change, or its absence,"}[v]
	return fmt.Sprintf("inconclusive: the machine was busier during %s: other processes used %.1f%% of all cores on average against %.1f%% during %s, more than %.0f%% apart; %s cannot be told from the machine's doing (run again on a quiet machine, or -ignore-load to judge anyway)",
		busier, 100*otherBusy, 100*otherQuiet, quieter, 100*cfg.loadDiff, what)
}
