package telnet

// ParseNAWS reads the payload of IAC SB NAWS … IAC SE (RFC 1073), as
// delivered by [Decoder] (already unescaped): exactly four bytes, the
// width and the height as big-endian 16-bit numbers. ok is false for any
// other length. A 0 means the client does not know that dimension; the
// caller decides what to do with it.
func ParseNAWS(payload []byte) (width, height int, ok bool) {
	if len(payload) != 4 {
		return 0, 0, false
	}
	width = int(payload[0])<<8 | int(payload[1])
	height = int(payload[2])<<8 | int(payload[3])
	return width, height, true
}

// AppendNAWS appends the whole subnegotiation IAC SB NAWS w h IAC SE to
// dst, with w and h clamped to 0-65535 and 0xFF bytes doubled.
func AppendNAWS(dst []byte, w, h int) []byte {
	w = min(max(w, 0), 0xFFFF)
	h = min(max(h, 0), 0xFFFF)
	payload := [4]byte{byte(w >> 8), byte(w), byte(h >> 8), byte(h)}
	return AppendSubneg(dst, OptNAWS, payload[:])
}
