// Package sessid proves, end to end over real sockets, that session ids
// are unique for a portal run and only ever grow: under thousands of
// concurrent connects, across game-server kills, restarts and in-game
// reloads, and in random interleavings of all of these; and that a portal
// restart, which starts sessids at 1 again, never wires a new player to a
// session of the old portal run (Evennia bug 5.2).
package sessid
