package telnet

// LINEMODE subnegotiation codes (RFC 1184).
const (
	// LinemodeMode starts a MODE subnegotiation: IAC SB LINEMODE MODE mask IAC SE.
	LinemodeMode = 1
	// LinemodeEdit in the MODE mask: the client edits the line locally
	// and sends it whole.
	LinemodeEdit = 1
	// LinemodeTrapSig in the MODE mask: the client turns interrupt keys
	// into telnet commands (IP, BRK, ...) instead of sending them as data.
	LinemodeTrapSig = 2
)

// AppendLinemodeMode appends IAC SB LINEMODE MODE mask IAC SE to dst.
// Evennia sends it with EDIT|TRAPSIG once LINEMODE is on, so that a
// client edits whole lines.
func AppendLinemodeMode(dst []byte, mask byte) []byte {
	return AppendSubneg(dst, OptLinemode, []byte{LinemodeMode, mask})
}
