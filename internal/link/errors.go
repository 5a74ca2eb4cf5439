package link

import "errors"

var (
	// ErrFrameTooLarge is returned for a frame longer than the configured maximum.
	ErrFrameTooLarge = errors.New("link: frame too large")
	// ErrBadOp is returned for a frame with an unknown opcode.
	ErrBadOp = errors.New("link: unknown opcode")
	// ErrVersion is returned when the peer speaks another protocol version.
	ErrVersion = errors.New("link: protocol version mismatch")
	// ErrHandshake is returned when the first frame is not a valid hello.
	ErrHandshake = errors.New("link: bad handshake")
	// ErrClosed is returned by operations on a closed [Conn].
	ErrClosed = errors.New("link: connection closed")
	// ErrQueueFull is returned when the peer does not read fast enough and
	// the outbound queue passed its byte limit; the link is then closed.
	ErrQueueFull = errors.New("link: outbound queue full")
)
