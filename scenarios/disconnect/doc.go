// Package disconnect proves how sessions end: a client's close racing the
// server's disconnect (Evennia bug 5.7), a disconnect right after connect
// (5.36), a login for a session already gone (5.37), the portal's and the
// server's disconnect-all with sessions still queued in the connect
// throttle, PDISCONNALL on the server (5.3), and websocket ghosts (5.11).
package disconnect
