package capacity

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// game is a fake trial: it holds up to capacity, and may be told to
// break or be unhealthy on chosen calls. It records the levels tried.
type game struct {
	capacity  float64
	breakOn   map[int]bool // calls (1-based) that break whatever the level
	sickOn    map[int]bool // calls whose generator is unhealthy
	sickAbove float64      // levels above this have an unhealthy generator (0: none)
	cancel    func()       // called at call cancelAt
	cancelAt  int
	calls     int
	levels    []float64
}

func (g *game) trial(ctx context.Context, level float64) (Outcome, error) {
	g.calls++
	g.levels = append(g.levels, level)
	if g.cancel != nil && g.calls == g.cancelAt {
		g.cancel()
		return Outcome{}, ctx.Err()
	}
	o := Outcome{Held: level <= g.capacity && !g.breakOn[g.calls]}
	if !o.Held {
		o.Broken = []string{"p99(*) < 50ms (actual 80ms)"}
	}
	if g.sickOn[g.calls] || g.sickAbove > 0 && level > g.sickAbove {
		o.GeneratorProblems = []string{"generator CPU saturated"}
	}
	return o, nil
}

func phases(res Result) []Phase {
	var out []Phase
	for _, t := range res.Trials {
		out = append(out, t.Phase)
	}
	return out
}

func TestSearchScenarios(t *testing.T) {
	t.Parallel()
	cfg := Config{Start: 10, Max: 1000, Resolution: 0.05, Relative: true, Confirm: 2, Integral: true}
	tests := []struct {
		name        string
		cfg         Config
		game        *game
		wantVerdict Verdict
		wantCap     float64
		wantAtMax   bool
		wantLevels  []float64
	}{
		{
			name: "monotone", cfg: cfg, game: &game{capacity: 100},
			wantVerdict: VerdictHeld, wantCap: 100,
			// ramp 10..160, bisect between 80 and 160, confirm 100 twice
			wantLevels: []float64{10, 20, 40, 80, 160, 120, 100, 110, 105, 100, 100},
		},
		{
			name: "always holds, capped at max", cfg: Config{Start: 10, Max: 100, Resolution: 0.05, Relative: true, Confirm: 2, Integral: true},
			game:        &game{capacity: 1e9},
			wantVerdict: VerdictHeld, wantCap: 100, wantAtMax: true,
			wantLevels: []float64{10, 20, 40, 80, 100, 100, 100},
		},
		{
			name: "never holds", cfg: cfg, game: &game{capacity: 5},
			wantVerdict: VerdictNeverHeld,
			wantLevels:  []float64{10},
		},
		{
			name: "noisy confirmation steps down", cfg: cfg,
			// call 10 is the first confirmation of 100: it breaks once.
			game:        &game{capacity: 100, breakOn: map[int]bool{10: true}},
			wantVerdict: VerdictHeld, wantCap: 95,
			wantLevels: []float64{10, 20, 40, 80, 160, 120, 100, 110, 105, 100, 95, 95},
		},
		{
			name: "noisy bisection settles lower", cfg: cfg,
			// call 7 (100 in the bisection) breaks by chance: the answer is lower, never higher.
			game:        &game{capacity: 100, breakOn: map[int]bool{7: true}},
			wantVerdict: VerdictHeld, wantCap: 97,
			wantLevels: []float64{10, 20, 40, 80, 160, 120, 100, 90, 95, 97, 97, 97},
		},
		{
			name: "confirmation fails at the start", cfg: Config{Start: 10, Max: 1000, Resolution: 0.05, Relative: true, Confirm: 2, Integral: true},
			game:        &game{capacity: 10, breakOn: map[int]bool{6: true}},
			wantVerdict: VerdictNeverHeld,
			wantLevels:  []float64{10, 20, 15, 12, 11, 10},
		},
		{
			name: "unhealthy generator twice: refused", cfg: cfg, game: &game{capacity: 100, sickAbove: 50},
			wantVerdict: VerdictRefused,
			wantLevels:  []float64{10, 20, 40, 80, 80},
		},
		{
			name: "unhealthy generator once: retried", cfg: cfg, game: &game{capacity: 100, sickOn: map[int]bool{2: true}},
			wantVerdict: VerdictHeld, wantCap: 100,
			wantLevels: []float64{10, 20, 20, 40, 80, 160, 120, 100, 110, 105, 100, 100},
		},
		{
			name: "absolute resolution, no confirmation", cfg: Config{Start: 1, Max: 1e6, Resolution: 50, Confirm: 0, Integral: true},
			game:        &game{capacity: 1000},
			wantVerdict: VerdictHeld, wantCap: 992,
			wantLevels: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 768, 896, 960, 992},
		},
		{
			name: "start equals max", cfg: Config{Start: 7, Max: 7, Resolution: 0.05, Relative: true, Confirm: 1, Integral: true},
			game:        &game{capacity: 100},
			wantVerdict: VerdictHeld, wantCap: 7, wantAtMax: true,
			wantLevels: []float64{7, 7},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := Search(context.Background(), tt.cfg, tt.game.trial)
			if err != nil {
				t.Fatalf("Search: %v", err)
			}
			if res.Verdict != tt.wantVerdict || res.Capacity != tt.wantCap || res.AtMax != tt.wantAtMax {
				t.Errorf("got %s %v at max %v, want %s %v at max %v (reason %q)", res.Verdict, res.Capacity, res.AtMax, tt.wantVerdict, tt.wantCap, tt.wantAtMax, res.Reason)
			}
			if diff := cmp.Diff(tt.wantLevels, tt.game.levels); diff != "" {
				t.Errorf("levels tried (-want +got):\n%s", diff)
			}
			if len(res.Trials) != len(tt.game.levels) {
				t.Errorf("got %d trials in the curve, want %d", len(res.Trials), len(tt.game.levels))
			}
			if res.Verdict != VerdictHeld && res.Reason == "" {
				t.Errorf("verdict %s without a reason", res.Verdict)
			}
		})
	}
}

// TestSearchMonotoneExhaustive runs the search against every capacity
// of a monotone game and checks that the answer is within the
// resolution below it, never above.
func TestSearchMonotoneExhaustive(t *testing.T) {
	t.Parallel()
	for _, cfg := range []Config{
		{Start: 1, Max: 5000, Resolution: 0.05, Relative: true, Confirm: 2, Integral: true},
		{Start: 10, Max: 3000, Resolution: 0.01, Relative: true, Confirm: 1, Integral: true},
		{Start: 3, Max: 2000, Resolution: 25, Confirm: 0, Integral: true},
		{Start: 0.5, Max: 700, Resolution: 0.1, Relative: true, Confirm: 1},
	} {
		for c := cfg.Start; c <= cfg.Max+50; c += 1 + c/97 {
			g := &game{capacity: c}
			res, err := Search(context.Background(), cfg, g.trial)
			if err != nil {
				t.Fatalf("%+v capacity %v: %v", cfg, c, err)
			}
			if res.Verdict != VerdictHeld {
				t.Fatalf("%+v capacity %v: verdict %s (%s)", cfg, c, res.Verdict, res.Reason)
			}
			if res.Capacity > c {
				t.Fatalf("%+v capacity %v: answer %v is above it", cfg, c, res.Capacity)
			}
			if c >= cfg.Max {
				if !res.AtMax || res.Capacity != cfg.Max {
					t.Fatalf("%+v capacity %v: got %v at max %v, want the max", cfg, c, res.Capacity, res.AtMax)
				}
				continue
			}
			if c-res.Capacity >= cfg.step(res.Capacity) {
				t.Fatalf("%+v capacity %v: answer %v is more than a step (%v) below", cfg, c, res.Capacity, cfg.step(res.Capacity))
			}
			if got := phases(res); got[len(got)-1] != PhaseConfirm && cfg.Confirm > 0 {
				t.Fatalf("%+v capacity %v: last phase %s, want confirm", cfg, c, got[len(got)-1])
			}
		}
	}
}

func TestSearchCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	g := &game{capacity: 100, cancel: cancel, cancelAt: 4}
	res, err := Search(ctx, Config{Start: 10, Max: 1000, Resolution: 0.05, Relative: true, Confirm: 2, Integral: true}, g.trial)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got error %v, want context.Canceled", err)
	}
	if res.Verdict != VerdictInterrupted || res.Capacity != 0 || len(res.Trials) != 3 {
		t.Fatalf("got %s capacity %v with %d trials, want interrupted, 0, 3 trials", res.Verdict, res.Capacity, len(res.Trials))
	}
	if g.calls != 4 {
		t.Fatalf("got %d trials run, want none after the cancellation", g.calls)
	}
}

func TestSearchTrialError(t *testing.T) {
	t.Parallel()
	boom := errors.New("game did not start")
	calls := 0
	res, err := Search(context.Background(), Config{Start: 10, Max: 100, Resolution: 0.05, Relative: true, Confirm: 2, Integral: true},
		func(ctx context.Context, level float64) (Outcome, error) {
			if calls++; calls == 2 {
				return Outcome{}, boom
			}
			return Outcome{Held: true}, nil
		})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want %v", err, boom)
	}
	if res.Verdict == VerdictHeld || len(res.Trials) != 1 {
		t.Fatalf("got %s with %d trials, want no answer and 1 trial", res.Verdict, len(res.Trials))
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	good := Config{Start: 10, Max: 100, Resolution: 0.05, Relative: true, Confirm: 2, Integral: true}
	if err := good.Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for _, tt := range []struct {
		name   string
		change func(*Config)
	}{
		{"zero start", func(c *Config) { c.Start = 0 }},
		{"fractional players", func(c *Config) { c.Start = 0.5 }},
		{"max below start", func(c *Config) { c.Max = 5 }},
		{"no resolution", func(c *Config) { c.Resolution = 0 }},
		{"relative resolution of 100%", func(c *Config) { c.Resolution = 1 }},
		{"negative confirm", func(c *Config) { c.Confirm = -1 }},
		{"huge confirm", func(c *Config) { c.Confirm = maxConfirm + 1 }},
	} {
		c := good
		tt.change(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: got no error", tt.name)
		}
		if _, err := Search(context.Background(), c, nil); err == nil {
			t.Errorf("%s: Search ran", tt.name)
		}
	}
}

func TestFormatLevel(t *testing.T) {
	t.Parallel()
	for in, want := range map[float64]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 6800: "6,800", 1234567: "1,234,567", 2.5: "2.5", -1500: "-1,500"} {
		if got := FormatLevel(in); got != want {
			t.Errorf("FormatLevel(%v) = %q, want %q", in, got, want)
		}
	}
}
