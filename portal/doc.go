// Package portal is the Portal: it owns every player connection and keeps
// it open while the game server behind it restarts.
//
// A [Portal] listens for players (telnet) and for the game server (the
// link, see internal/link). Player connections become [Session]s, managed
// by a [Handler] that implements every method of Evennia's
// PortalSessionHandler: sessid allocation, the connect [Throttle] and its
// queue, sync, disconnect, the server-driven methods, input limits and
// output dispatch.
//
// Concurrency model: each connection has one reader goroutine and one
// writer goroutine draining a bounded outbound buffer, so a slow client
// only ever fills its own buffer. The handler's session table is guarded
// by one mutex that is never held across I/O; per-session state has its
// own mutex. The game-server link has one reader goroutine, and a single
// writer (see internal/link) that batches frames. While no game server is
// linked, messages meant for it are held in order (bounded) and replayed
// when one connects.
package portal
