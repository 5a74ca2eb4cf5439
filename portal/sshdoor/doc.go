// Package sshdoor is the SSH door's own machinery, apart from the portal
// that glues it in (portal/ssh_conn.go): the line editor a player types
// into, the host key kept across restarts, the parsing of the terminal
// requests a client sends (pty-req, window-change), and the login
// command an SSH password becomes. It imports nothing of the portal.
//
// Nothing here is safe for concurrent use unless its doc says so: a
// [LineEditor] belongs to the one goroutine that reads its channel.
package sshdoor
