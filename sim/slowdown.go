package sim

import "time"

// slowCommand, when set at build time, makes every command the world
// executes spend that much CPU first ("go build -ldflags
// '-X github.com/portalsim/portalsim/sim.slowCommand=60us'"): a
// deliberately slowed game-server build, to check that a comparison of
// two builds reports a real slowdown (scenarios/noise). Empty in every
// other build; a value that is not a duration is ignored.
var slowCommand string

// commandCost is slowCommand parsed once.
var commandCost = func() time.Duration {
	d, err := time.ParseDuration(slowCommand)
	if err != nil || d < 0 {
		return 0
	}
	return d
}()

// spend spins for d on the CPU, as slow code would (a sleep would give
// the CPU away).
func spend(d time.Duration) {
	for start := time.Now(); time.Since(start) < d; {
	}
}
