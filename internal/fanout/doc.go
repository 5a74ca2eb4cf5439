// Package fanout measures broadcast fan-out through a MUD's telnet door:
// how long one player's say takes to reach every other player in the
// room, per room size, and how fast a crowd logging into one room gets
// its "has entered the game" announcements, the all-in-Limbo login of
// Evennia's default world.
//
// It reaches the game only through sockets (telnet on a host:port), like
// the dummyrunner, so it measures an embedded stack, a portal and game
// server in other processes, or any MUD that speaks the same commands
// (create, connect, say, dig/tel, teleport) and ends each command's
// output with a prompt (IAC EOR or GA).
//
// Concurrency: [Run] starts one reader goroutine per player; the players'
// commands are sent from Run's goroutines, one command per player at a
// time. A player's reader records what it hears in the shared counters
// (atomics) and the current say's table, and wakes whoever waits for the
// player's prompt.
package fanout
