package capacity

import (
	"fmt"
	"math"
	"time"

	"github.com/portalsim/portalsim/dummyrunner"
)

// Knob is what a capacity search varies.
type Knob string

// The knobs.
const (
	// KnobClients varies the closed model's players; the level is their number.
	KnobClients Knob = "clients"
	// KnobRate varies the command rate. In the closed model the level is
	// the commands per second all players together are paced to send
	// (clients × chance_of_action / the mean tick interval: the timestep
	// is set, see [dummyrunner.TimestepFor]); in
	// the open model it is the arrival rate in sessions per second (the
	// stages' targets are scaled so that their peak is the level).
	KnobRate Knob = "rate"
)

// ParseKnob parses a knob's name.
func ParseKnob(s string) (Knob, error) {
	switch k := Knob(s); k {
	case KnobClients, KnobRate:
		return k, nil
	}
	return "", fmt.Errorf("unknown knob %q: want %s or %s", s, KnobClients, KnobRate)
}

// Integral reports whether the knob's levels are whole numbers.
func (k Knob) Integral() bool { return k == KnobClients }

// Unit names the knob's level for a scenario's model, as the answer
// says it: "players", "commands/s", "sessions/s".
func (k Knob) Unit(model string) string {
	switch {
	case k == KnobClients:
		return "players"
	case model == dummyrunner.ModelOpen:
		return "sessions/s"
	}
	return "commands/s"
}

// Check says whether the knob can vary sc (as written or compiled).
func (k Knob) Check(sc *dummyrunner.Scenario) error {
	if k == KnobClients && sc.Model == dummyrunner.ModelOpen {
		return fmt.Errorf("vary %s: the open model has no fixed players: vary %s (its arrival rate)", KnobClients, KnobRate)
	}
	if k == KnobRate && sc.Model == dummyrunner.ModelOpen && peakTarget(sc.Stages) <= 0 {
		return fmt.Errorf("vary %s: the stages have no arrival rate to scale", KnobRate)
	}
	return nil
}

// At returns a copy of sc (compiled, its defaults filled: see
// [dummyrunner.Plan.Scenario]) with the knob set to level.
func At(sc *dummyrunner.Scenario, knob Knob, level float64) (*dummyrunner.Scenario, error) {
	if err := knob.Check(sc); err != nil {
		return nil, err
	}
	if math.IsNaN(level) || math.IsInf(level, 0) || level <= 0 {
		return nil, fmt.Errorf("level %v: want a positive number", level)
	}
	out := sc.Clone()
	switch {
	case knob == KnobClients:
		out.Clients = int(level)
	case sc.Model == dummyrunner.ModelOpen:
		scale := level / peakTarget(sc.Stages)
		for i := range out.Stages {
			out.Stages[i].Target *= scale
		}
	default:
		p := &out.Pacing
		// Each player ticks every TimestepFor's mean on average, not every timestep.
		step := dummyrunner.TimestepFor(time.Duration(float64(sc.Clients) * p.ChanceOfAction / level * float64(time.Second)))
		if step < dummyrunner.MinTimeout || step > dummyrunner.MaxTimeout {
			return nil, fmt.Errorf("%s commands/s from %d players at chance_of_action %v needs a timestep of %v: want %v to %v (change the players)",
				FormatLevel(level), sc.Clients, p.ChanceOfAction, step, dummyrunner.MinTimeout, dummyrunner.MaxTimeout)
		}
		p.Timestep = step
	}
	return out, nil
}

// peakTarget is the highest arrival rate of the stages.
func peakTarget(stages []dummyrunner.Stage) float64 {
	peak := 0.0
	for _, st := range stages {
		peak = max(peak, st.Target)
	}
	return peak
}
