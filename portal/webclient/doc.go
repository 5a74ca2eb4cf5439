// Package webclient is the machinery of the portal's web doors that does
// not need the portal itself: Evennia's websocket wire formats (how a
// message from a browser or a websocket MUD client becomes input
// commands, and how output becomes messages), the browser session key in
// the websocket URL, and the web page the portal serves.
//
// Evennia's webclient speaks "v1.evennia.com": every message is a JSON
// array ["cmd", [args], {kwargs}], in both directions, with text as HTML.
// The MUD standards' websocket subprotocols (json, gmcp and terminal at
// mudstandards.org) carry text as ANSI in binary messages instead. The
// portal picks the first format of [Subprotocols] the client offers, and
// v1 when it offers none.
//
// Nothing here touches a socket; the portal's websocket door
// (portal/websocket_conn.go) reads and writes the messages.
package webclient
