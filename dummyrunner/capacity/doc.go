// Package capacity finds the highest load a game holds under an SLO:
// the engine of "portalsim capacity".
//
// The search ([Search]) is a pure function over a trial function
// ([TrialFunc]): it ramps the level up geometrically from a start,
// doubling, until a trial breaks the SLO or the maximum is reached,
// bisects between the last level that held and the first that broke
// down to a resolution, then repeats the best level to confirm it,
// stepping down when a confirmation fails. A trial whose generator was
// not healthy (its numbers describe the generator, not the game) is run
// again once; a second unhealthy trial refuses the answer. Because the
// search runs no load itself, it is tested exhaustively with fake trials.
//
// The rest of the package turns a scenario and a run's report into a
// trial: [At] sets the varied knob (players, or the command rate) of a
// scenario, and [Judge] reads a report of one trial into an [Outcome]:
// the SLO's thresholds checked on the trial's steady window (after every
// player logged in, before anyone logged out), the generator's health
// as [dummyrunner.GeneratorProblems] judges it.
//
// The package lives under dummyrunner because a trial is a dummyrunner
// run and nothing else: it imports dummyrunner and reports, never the
// portal or the game (those are reached through sockets, as by every
// run), and the command (cmd/portalsim) wires a trial to a fresh
// embedded game or a target.
//
// Concurrency: Search calls its trial function from the caller's
// goroutine, one trial at a time; nothing here starts a goroutine.
package capacity
