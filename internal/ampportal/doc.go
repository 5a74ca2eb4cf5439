// Package ampportal stands in for Evennia's Portal on its AMP port, in
// front of our portal: a stock Evennia 5.0.1 Server connects to it as to
// Evennia's own Portal, and Evennia's launcher ("evennia start", "reload",
// "stop", "status") drives it as it would drive that Portal.
//
//	Evennia Server <--AMP--> Bridge <--our link, as a game server--> portal
//	evennia launcher <--AMP--/
//
// Towards Evennia the [Bridge] speaks AMP (package amp): it answers every
// command the Server or the launcher asks, sends the Portal's commands
// with asks of its own, and classifies each connection by its first
// command (the Server's Admin and Msg commands, or the launcher's
// MsgStatus and MsgLauncher2Portal), since AMP has no hello. Towards our
// portal it is a game server: for each Evennia Server connection it dials
// the portal's link, authenticates with the link secret, sends PSYNC, and
// translates both ways with package ampbridge. Everything the portal
// guarantees a game server (the connect throttle, input held while no
// server is linked and replayed to the next, sessids never reused) thus
// holds with Evennia behind it.
//
// Delivery: a message from the portal counts as processed (and is
// acknowledged on the link) only once Evennia has answered every box it
// became, in order; Evennia answers a box after its responder ran. Input
// an Evennia Server did not answer before it went away (a reload, a
// crash) is therefore replayed by the portal to the next Server.
//
// Restarts: a reload or reset the Server asks for goes to the portal as
// the server's own request; the portal's acknowledgement goes back to
// the Server as the Portal's SRELOAD, and once the Server's connection
// closes the Bridge starts the next Server with the command line the
// launcher last gave (SSTART), as Evennia's Portal does. A restart the
// launcher asks for is restarted by the launcher (its SSTART).
//
// One goroutine, the Bridge's loop, owns all state. Each AMP connection
// has a reader goroutine that hands the loop one box at a time (so a
// peer has one box in memory at most, read within small limits until its
// PSYNC shows it is the Server) and a writer goroutine that writes what
// the loop queues for it, bounded: a peer that does not read is closed,
// and never holds the loop up. A connection must say something within
// 10 s, and at most Config.MaxConns are open.
//
// The AMP port has no authentication, in Evennia as here: it listens on
// loopback only, and every local user can reach it. Such a user can stop
// or restart the Server as the launcher does, and, with no Server
// running, start a command line of their choosing (SSTART) as the user
// portalsim runs as; the same holds for Evennia's own Portal.
package ampportal
