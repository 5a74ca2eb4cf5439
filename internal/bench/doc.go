// Package bench is "portalsim bench": it measures targets (the floor,
// the portal with its game server, stock Evennia, any MUD) one after the
// other with the same client, the dummyrunner in this process, and the
// same load (players, per-player rate, duration, seed), and compares
// each with the floor as ratios.
//
// Each target runs as its own processes (see package procstack); the bench
// reads their CPU time from /proc over the steady window, from a
// settling time (two probes of every player, at least a second) after
// the last player logged in until the planned end, when only echo probes
// are in flight, and
// divides it by the round trips answered in that window. The latency
// distribution is of the same window.
//
// With several transports (see [TransportNames]) the bench makes one
// pass over every target per transport: its players on the telnet door,
// on the websocket door (Evennia's webclient format), or half on each in
// one run (mixed, its row split by door). Ratios are against the floor
// over the same transport; a target without a websocket door known to
// the bench is skipped over websocket, and said so.
package bench
