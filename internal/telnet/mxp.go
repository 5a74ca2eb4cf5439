package telnet

// MXPLockedLine is the line a server sends right after [AppendMXPStart]
// to put the client in MXP "locked" mode (ESC [ 7 z): tags in the text
// are not interpreted unless the server turns them on again.
const MXPLockedLine = "\x1b[7z"

// AppendMXPStart appends IAC SB MXP IAC SE to dst, which tells a client
// that accepted MXP (it sent DO MXP) that MXP starts now.
func AppendMXPStart(dst []byte) []byte {
	return append(dst, IAC, SB, byte(OptMXP), IAC, SE)
}
