// Package embedded runs a portal and a game server in one process,
// joined by the link over loopback: what "portalsim serve" and
// "portalsim run" without a target start, and what tests stand up.
//
// The game server is supervised as Evennia's portal supervises its
// server process: an in-game reload ends one [sim.Server] and starts the
// next on the same world, while the portal keeps every player connected.
// A stack can also kill its server (as SIGKILL would) and start a new one,
// and put a relay (a proxy, a tap) between the server and the portal.
package embedded
