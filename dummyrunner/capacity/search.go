package capacity

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
)

// TrialFunc runs one trial at a level and says what it found. It returns
// an error only when the trial could not run at all (a context ended, a
// scenario the level makes invalid, a game that did not start): a game
// that broke down is an Outcome, not an error.
type TrialFunc func(ctx context.Context, level float64) (Outcome, error)

// Phase is the part of the search a trial belongs to.
type Phase string

// The phases of a search, in order.
const (
	// PhaseRamp: the level doubles from the start until a trial breaks the SLO or the maximum is reached.
	PhaseRamp Phase = "ramp"
	// PhaseBisect: the level halves the interval between the last level that held and the first that broke.
	PhaseBisect Phase = "bisect"
	// PhaseConfirm: the best level is run again to confirm it.
	PhaseConfirm Phase = "confirm"
)

// Verdict is how a search ended.
type Verdict string

// The verdicts of a search.
const (
	// VerdictHeld: the capacity was found (and confirmed): the game held
	// Result.Capacity, or at least the maximum when Result.AtMax.
	VerdictHeld Verdict = "held"
	// VerdictNeverHeld: the game broke the SLO at the start level (or
	// failed every confirmation down to it).
	VerdictNeverHeld Verdict = "never_held"
	// VerdictRefused: a trial's generator was unhealthy twice in a row,
	// so its numbers describe the generator, not the game: no answer.
	VerdictRefused Verdict = "refused"
	// VerdictInterrupted: the search was stopped (its context ended)
	// before it had an answer.
	VerdictInterrupted Verdict = "interrupted"
)

// Trial is one trial of a search, as the curve lists it.
type Trial struct {
	Outcome
	// Phase is the part of the search the trial belongs to.
	Phase Phase `json:"phase"`
	// Retry marks the second run of a level whose first run's generator
	// was unhealthy.
	Retry bool `json:"retry,omitempty"`
}

// Result is the answer of a search and every trial that led to it.
type Result struct {
	// Verdict says how the search ended.
	Verdict Verdict `json:"verdict"`
	// Capacity is the highest level that held and was confirmed; 0
	// unless Verdict is VerdictHeld.
	Capacity float64 `json:"capacity"`
	// AtMax says the game held the maximum level: its capacity is at
	// least Capacity, the search went no higher.
	AtMax bool `json:"at_max,omitempty"`
	// Reason says why the search found no capacity (refused, never held,
	// interrupted).
	Reason string `json:"reason,omitempty"`
	// Trials is the curve: every trial in the order it ran.
	Trials []Trial `json:"trials"`
}

// Config bounds a search. Levels are positive numbers (players, or a
// rate); with Integral they are whole numbers.
type Config struct {
	// Start is the first level tried: above 0, at most Max.
	Start float64
	// Max is the highest level tried.
	Max float64
	// Resolution is how close the bisection gets: the interval between
	// the level that held and the one that broke is at most this (a
	// fraction of the level that held when Relative, else a level
	// difference). Above 0; a relative one below 1.
	Resolution float64
	// Relative says Resolution is a fraction of the level.
	Relative bool
	// Confirm is how many times the best level is run again: 0 or more.
	Confirm int
	// Integral rounds levels down to whole numbers (players).
	Integral bool
}

// maxConfirm bounds Config.Confirm.
const maxConfirm = 100

// Validate reports every problem of c, joined.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	if !finite(c.Start) || c.Start <= 0 || c.Integral && c.Start < 1 {
		bad("start %v: want a positive level (at least 1 player)", c.Start)
	}
	if !finite(c.Max) || c.Max < c.Start {
		bad("max %v: want at least the start %v", c.Max, c.Start)
	}
	switch {
	case !finite(c.Resolution) || c.Resolution <= 0:
		bad("resolution %v: want above 0", c.Resolution)
	case c.Relative && c.Resolution >= 1:
		bad("resolution %v%%: want below 100%%", 100*c.Resolution)
	}
	if c.Confirm < 0 || c.Confirm > maxConfirm {
		bad("confirm %d: want 0 to %d", c.Confirm, maxConfirm)
	}
	return errors.Join(errs...)
}

// step is the resolution at level: the smallest difference between two
// levels the search tells apart there.
func (c Config) step(level float64) float64 {
	s := c.Resolution
	if c.Relative {
		s *= level
	}
	if c.Integral {
		s = max(math.Floor(s), 1)
	}
	return s
}

// round rounds a level down to a whole number with Integral.
func (c Config) round(level float64) float64 {
	if c.Integral {
		return math.Floor(level)
	}
	return level
}

// search is the state of one Search.
type search struct {
	cfg   Config
	trial TrialFunc
	res   Result
}

// errRefused stops a search whose generator was unhealthy twice.
var errRefused = errors.New("refused")

// Search finds the highest level that holds (see the package doc). It
// returns the answer with the curve; the error is the one that stopped it
// (a trial's, or the context's, then with VerdictInterrupted), and
// Result holds the trials run until then.
func Search(ctx context.Context, cfg Config, trial TrialFunc) (Result, error) {
	if err := cfg.Validate(); err != nil {
		return Result{}, err
	}
	s := &search{cfg: cfg, trial: trial}
	err := s.run(ctx)
	switch {
	case errors.Is(err, errRefused):
		s.res.Verdict, s.res.Capacity, s.res.AtMax = VerdictRefused, 0, false
		return s.res, nil
	case err != nil && ctx.Err() != nil:
		s.res.Verdict, s.res.Capacity, s.res.AtMax = VerdictInterrupted, 0, false
		s.res.Reason = fmt.Sprintf("stopped after %d trials: %v", len(s.res.Trials), context.Cause(ctx))
		return s.res, err
	case err != nil:
		s.res.Verdict, s.res.Capacity, s.res.AtMax = "", 0, false
		return s.res, err
	}
	return s.res, nil
}

func (s *search) run(ctx context.Context) error {
	cfg := s.cfg
	// Ramp: double until a trial breaks or the maximum held.
	lo, hi := 0.0, 0.0        // the last level that held, the first that broke
	top := cfg.round(cfg.Max) // the highest level tried: with Integral, a fractional Max rounds down
	for level := cfg.round(cfg.Start); ; level = cfg.round(min(2*level, top)) {
		held, err := s.try(ctx, level, PhaseRamp)
		if err != nil {
			return err
		}
		if !held {
			hi = level
			break
		}
		lo = level
		if level >= top {
			break
		}
	}
	if lo == 0 {
		s.res.Verdict = VerdictNeverHeld
		s.res.Reason = fmt.Sprintf("broke the SLO at the start level %s", FormatLevel(cfg.Start))
		return nil
	}
	// Bisect between lo (held) and hi (broke).
	for hi > 0 && hi-lo > cfg.step(lo) {
		mid := cfg.round((lo + hi) / 2)
		if mid <= lo || mid >= hi {
			break
		}
		held, err := s.try(ctx, mid, PhaseBisect)
		if err != nil {
			return err
		}
		if held {
			lo = mid
		} else {
			hi = mid
		}
	}
	// Confirm lo, stepping down while a confirmation fails.
	for {
		ok, err := s.confirm(ctx, lo)
		if err != nil {
			return err
		}
		if ok {
			s.res.Verdict, s.res.Capacity, s.res.AtMax = VerdictHeld, lo, hi == 0
			return nil
		}
		if lo <= cfg.Start {
			s.res.Verdict = VerdictNeverHeld
			s.res.Reason = fmt.Sprintf("held once but failed its confirmation at the start level %s", FormatLevel(cfg.Start))
			return nil
		}
		hi = lo
		lo = max(cfg.round(lo-cfg.step(lo)), cfg.round(cfg.Start))
	}
}

// confirm runs level Confirm more times; it reports whether all held.
func (s *search) confirm(ctx context.Context, level float64) (bool, error) {
	for range s.cfg.Confirm {
		held, err := s.try(ctx, level, PhaseConfirm)
		if err != nil || !held {
			return false, err
		}
	}
	return true, nil
}

// try runs one trial at level, and once more if its generator was
// unhealthy; it reports whether the SLO held. A second unhealthy trial
// returns errRefused, with the reason in the result.
func (s *search) try(ctx context.Context, level float64, phase Phase) (bool, error) {
	for attempt := range 2 {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		o, err := s.trial(ctx, level)
		if err != nil {
			return false, fmt.Errorf("trial at %s: %w", FormatLevel(level), err)
		}
		o.Level = level
		s.res.Trials = append(s.res.Trials, Trial{Outcome: o, Phase: phase, Retry: attempt > 0})
		if o.Healthy() {
			return o.Held, nil
		}
	}
	last := s.res.Trials[len(s.res.Trials)-1]
	s.res.Reason = fmt.Sprintf("the generator was not healthy at %s, twice: %s", FormatLevel(level), strings.Join(last.GeneratorProblems, "; "))
	return false, errRefused
}

// FormatLevel writes a level with thousands separators ("6,800"), and
// with four significant digits when it is not whole ("2.5").
func FormatLevel(x float64) string {
	if x != math.Trunc(x) || math.Abs(x) >= 1e15 {
		return fmt.Sprintf("%.4g", x)
	}
	n := int64(x)
	neg := n < 0
	if neg {
		n = -n
	}
	digits := fmt.Sprint(n)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
