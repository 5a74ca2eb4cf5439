// Package dummyrunner drives scripted dummy players against a MUD portal
// over real sockets and measures what they see, like Evennia's
// dummyrunner without its limits.
//
// A [Scenario] (a YAML file; the built-in profiles and the default
// scenario ship as such files) says how many players run, which
// [Profile]s they follow, how they are paced (Evennia's TIMESTEP,
// CHANCE_OF_ACTION and CHANCE_OF_LOGIN for the closed model; arrival
// stages for the open model), what counts as a completed command, and the
// thresholds the run must hold. A Scenario is the file's structure only:
// [Scenario.Compile] fills its defaults, checks it and builds a [Plan],
// the immutable compiled form (profiles and weights, transports and
// shares, login script, completion and checks per action, thresholds)
// that runs read. A [Runner] executes a Plan and emits every
// measurement as a [Result] on a channel; an [Aggregator] folds the
// results into a reports.Report (histograms, never raw samples, so memory
// stays bounded) and into the live [Progress].
//
// The package reaches the portal only through sockets: it imports neither
// the portal nor the game server, so any telnet MUD can be a target.
// Players come in through the transports the scenario weighs (telnet,
// websocket in Evennia's v1 or the terminal format, telnet over TLS; see
// transport.go's registry, where SSH, MCCP2 and GMCP are left as
// extension points): each is a conn turning its wire into the same text
// and end-of-output events, so the player's script and completion rules
// do not know which door they came through.
//
// Concurrency model: each player is one goroutine running its script and
// one goroutine reading its socket. Results go to a single aggregator
// goroutine; nothing else is shared on the hot path.
package dummyrunner
