package telnet

// Terminal type subnegotiation codes (RFC 1091).
const (
	// TTYPEIs starts a terminal type answer: IAC SB TTYPE IS name IAC SE.
	TTYPEIs = 0
	// TTYPESend asks for the terminal type: IAC SB TTYPE SEND IAC SE.
	TTYPESend = 1
)

// AppendTTYPESend appends IAC SB TTYPE SEND IAC SE to dst. Sent
// repeatedly, it walks through the client's terminal types (and MTTS).
func AppendTTYPESend(dst []byte) []byte {
	return append(dst, IAC, SB, byte(OptTTYPE), TTYPESend, IAC, SE)
}

// IsTTYPESend reports whether payload, the unescaped payload of a TTYPE
// subnegotiation, is a SEND request.
func IsTTYPESend(payload []byte) bool {
	return len(payload) == 1 && payload[0] == TTYPESend
}

// ParseTTYPEIs reads the unescaped payload of a TTYPE subnegotiation: IS
// followed by the terminal name. ok is false if the payload does not start
// with IS. The name is returned as sent (it may be empty and, from a
// hostile client, may hold any bytes; it is at most [Decoder.MaxSubneg]
// long); RFC 1091 names are ASCII and case-insensitive.
func ParseTTYPEIs(payload []byte) (name string, ok bool) {
	if len(payload) == 0 || payload[0] != TTYPEIs {
		return "", false
	}
	return string(payload[1:]), true
}

// AppendTTYPEIs appends IAC SB TTYPE IS name IAC SE to dst, doubling any
// 0xFF byte in name. It is the client's answer to a SEND.
func AppendTTYPEIs(dst []byte, name string) []byte {
	dst = append(dst, IAC, SB, byte(OptTTYPE), TTYPEIs)
	dst = appendIACEscaped(dst, []byte(name))
	return append(dst, IAC, SE)
}
