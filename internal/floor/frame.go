package floor

import (
	"bytes"
	"math"
	"strconv"
)

// The framing between Relay and Echo: one frame per line, ending in LF.
//
//	<id>:<payload>   a client's line (relay to echo) or a line for a client (echo to relay)
//	<id>+            a client connected (relay to echo)
//	<id>-            a client went away (relay to echo), or hang it up (echo to relay)
//
// id is the client's number in decimal, given by the relay, never
// reused. A payload never holds LF (the relay splits client input at
// LF), so framing is just the line.

// Kind is what a frame says.
type Kind byte

// Frame kinds.
const (
	// KindData carries one line of a client.
	KindData Kind = ':'
	// KindOpen says a client connected.
	KindOpen Kind = '+'
	// KindClose says a client went away (relay to echo), or that the
	// relay must hang it up (echo to relay).
	KindClose Kind = '-'
)

// String returns the kind's name.
func (k Kind) String() string {
	switch k {
	case KindData:
		return "data"
	case KindOpen:
		return "open"
	case KindClose:
		return "close"
	}
	return "unknown"
}

// AppendFrame appends the frame of kind k for client id, with payload
// (data frames only), and its LF, to b.
func AppendFrame(b []byte, id uint64, k Kind, payload []byte) []byte {
	b = strconv.AppendUint(b, id, 10)
	b = append(b, byte(k))
	if k == KindData {
		b = append(b, payload...)
	}
	return append(b, '\n')
}

// ParseFrame parses one frame line (its LF removed). The payload is a
// slice of line.
func ParseFrame(line []byte) (id uint64, k Kind, payload []byte, err error) {
	i := bytes.IndexAny(line, ":+-")
	if i <= 0 || i > 20 {
		return 0, 0, nil, ErrBadFrame
	}
	for _, c := range line[:i] {
		d := uint64(c - '0')
		if c < '0' || c > '9' || id > (math.MaxUint64-d)/10 {
			return 0, 0, nil, ErrBadFrame
		}
		id = id*10 + d
	}
	k = Kind(line[i])
	if k != KindData {
		if i+1 != len(line) {
			return 0, 0, nil, ErrBadFrame
		}
		return id, k, nil, nil
	}
	return id, k, line[i+1:], nil
}
