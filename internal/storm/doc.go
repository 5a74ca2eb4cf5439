// Package storm opens telnet connections to a portal as fast as it can
// and measures what the portal takes on: accepted connections per
// second and the time from dialling to the portal's first byte with the
// connect throttle off; the rate at which the throttle releases sessions
// to the game server with it on; and, holding thousands of connections
// open, that each of them still answers.
//
// Vocabulary (the same in the reports and BENCHMARKS.md):
//
//   - accepted: the portal's first byte arrived (its telnet option
//     offer). The portal writes it from the connection's writer
//     goroutine, which starts only once the portal has made the
//     connection a session (sessid assigned) and put it through the
//     connect throttle, queued or released. A TCP handshake alone is not
//     acceptance: the kernel completes it before the portal calls accept.
//   - answered: the game server's answer to an echo probe
//     ("dummyrunner_echo_response <token>", sent right after the first
//     byte) arrived. The portal keeps input typed while a session waits
//     in the throttle's queue and sends it after the session's PCONN, so
//     an answer marks a release: with the throttle on, answers per second
//     are its release rate as a client sees it.
//   - queued: the session was told it joined a non-empty queue (the
//     throttle's "DoS protection is active" message); while every
//     connection of a window is queued, the throttle was never idle and
//     the answer rate is its release rate.
//
// The package reaches the portal only through sockets, like the
// dummyrunner, so it measures any telnet MUD that answers the probe.
// Results are data (style rule 12): [Storm] emits one [Result] per
// connection on a channel and an [Aggregate] turns them into a
// [Summary]; [Hold] returns a [HoldSummary]. Nothing here logs.
package storm
