// Package reliability injects each fault of internal/faults under load
// and holds the portal to its promises: through a crashed, stalled or
// reloading game server, a cut or slow link, fragmented, delayed,
// throttled, reset, half-open and vanishing player connections,
// reconnect storms and slowloris clients, which sessions survive, which
// commands are lost, which are answered late and how long recovery takes.
//
// Every spec is labelled "reliability". The load specs (1,000 players
// for the game-server and link faults, 200 for the players' own
// connections) are also labelled "slow" and "load", and are built
// without the race detector only (files *_norace_test.go): its overhead
// leaves two cores unable to log 1,000 players in. .ci/run runs them in
// a pass of their own. Each prints its numbers to GinkgoWriter and as a
// report entry ("numbers"), which the README's table of promises quotes.
package reliability
