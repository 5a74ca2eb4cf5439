package telnet

// AppendEscaped appends the text src, prepared for the telnet wire, to dst
// and returns the extended slice:
//
//   - every 0xFF byte is doubled (IAC IAC);
//   - a "\n" not preceded by "\r" becomes "\r\n";
//   - a "\r" not followed by "\n" becomes "\r\x00" (RFC 854's bare CR);
//   - an existing "\r\n" is kept as is (it does not become "\r\r\n").
//
// Everything else is copied unchanged. src is treated as complete: a "\r"
// at its end becomes "\r\x00" even if the next call starts with "\n", so
// do not split a "\r\n" pair between calls.
//
// A [Decoder] reading the result yields src with each bare "\n" replaced
// by "\r\n" and nothing else changed.
func AppendEscaped(dst, src []byte) []byte {
	if cap(dst)-len(dst) < len(src) {
		grown := make([]byte, len(dst), len(dst)+len(src)+len(src)/8+16)
		copy(grown, dst)
		dst = grown
	}
	start := 0
	for i := 0; i < len(src); i++ {
		c := src[i]
		if !escapeSpecial[c] {
			continue
		}
		switch c {
		case IAC:
			dst = append(dst, src[start:i+1]...)
			dst = append(dst, IAC)
			start = i + 1
		case '\n':
			if i == 0 || src[i-1] != '\r' {
				dst = append(dst, src[start:i]...)
				dst = append(dst, '\r', '\n')
				start = i + 1
			}
		case '\r':
			if i+1 == len(src) || src[i+1] != '\n' {
				dst = append(dst, src[start:i+1]...)
				dst = append(dst, 0)
				start = i + 1
			}
		}
	}
	return append(dst, src[start:]...)
}

// escapeSpecial marks the bytes AppendEscaped may change.
var escapeSpecial = [256]bool{'\n': true, '\r': true, IAC: true}

// appendIACEscaped appends src to dst with every 0xFF doubled.
func appendIACEscaped(dst, src []byte) []byte {
	start := 0
	for i, c := range src {
		if c == IAC {
			dst = append(dst, src[start:i+1]...)
			dst = append(dst, IAC)
			start = i + 1
		}
	}
	return append(dst, src[start:]...)
}

// AppendCommand appends the two-byte command IAC cmd (e.g. GA, NOP, EOR)
// to dst. cmd is not checked; AppendCommand(dst, IAC) appends a literal
// 0xFF data byte.
func AppendCommand(dst []byte, cmd byte) []byte {
	return append(dst, IAC, cmd)
}

// AppendNegotiation appends IAC v o to dst. v is not checked.
func AppendNegotiation(dst []byte, v Verb, o Option) []byte {
	return append(dst, IAC, byte(v), byte(o))
}

// AppendSubneg appends the subnegotiation IAC SB o payload IAC SE to dst,
// doubling every 0xFF in payload (and option 255 itself, which [Decoder]
// reads back as option 255).
func AppendSubneg(dst []byte, o Option, payload []byte) []byte {
	dst = append(dst, IAC, SB, byte(o))
	if o == IAC {
		dst = append(dst, IAC)
	}
	dst = appendIACEscaped(dst, payload)
	return append(dst, IAC, SE)
}
