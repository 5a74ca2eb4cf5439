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
// One goroutine, the Bridge's loop, owns all state; each connection has a
// reader goroutine that hands it boxes and messages. Writes to Evennia
// are whole boxes, one Write each, from the loop.
package ampportal
