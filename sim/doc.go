// Package sim is the game server on the far side of the portal link: a
// small MUD standing in for Evennia's Server process.
//
// It keeps server-side sessions (login, MULTISESSION_MODE 0), accounts
// and a world of rooms, exits and objects, and answers the commands
// Evennia's dummyrunner sends, including the echo probe. A [Server] dials
// the portal, announces itself with PSYNC, rebuilds its sessions from the
// portal's reply and then serves input. [Server.Run] returns [ErrReload]
// when the game asked to restart: the caller starts a new server (in
// process, or by re-executing the binary) and every player stays
// connected, because the portal holds the connections.
//
// Concurrency model: one event loop goroutine owns every server session;
// the link reader and the timers only post events to it. The [World] has
// its own lock so that tools can inspect it.
package sim
