package telnet

// AppendMXPStart appends IAC SB MXP IAC SE to dst, which tells a client
// that accepted MXP (it sent DO MXP) that MXP starts now.
func AppendMXPStart(dst []byte) []byte {
	return append(dst, IAC, SB, byte(OptMXP), IAC, SE)
}
