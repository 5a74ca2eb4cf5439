// Package sync proves that the portal's and the game server's session
// tables stay in step: through reloads and kills while clients connect
// (Evennia bugs 5.1 and 5.5), window resizes crossing a server-side flag
// change (5.15), link cuts without a server restart (5.20), and randomized
// interleavings of all of these. After every scenario the two tables are
// compared field by field (sessid, uid, uname, logged_in, puid).
package sync
