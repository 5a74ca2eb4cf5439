package link

import "errors"

var (
	// ErrFrameTooLarge is returned for a frame longer than the configured maximum.
	ErrFrameTooLarge = errors.New("link: frame too large")
	// ErrBadOp is returned for a frame with an unknown opcode.
	ErrBadOp = errors.New("link: unknown opcode")
	// ErrVersion is returned when the peer speaks another protocol version.
	ErrVersion = errors.New("link: protocol version mismatch")
	// ErrHandshake is returned when a handshake frame is malformed or out of order.
	ErrHandshake = errors.New("link: bad handshake")
	// ErrAuth is returned when the peer could not prove it knows the link
	// secret: it has none, or another one.
	ErrAuth = errors.New("link: authentication failed")
	// ErrRefused is returned to a game server the portal would not take
	// (another server is linked); the error says why.
	ErrRefused = errors.New("link: refused by the portal")
	// ErrSecret is returned for a link secret that cannot be used.
	ErrSecret = errors.New("link: unusable secret")
	// ErrClosed is returned by operations on a closed [Conn].
	ErrClosed = errors.New("link: connection closed")
	// ErrQueueFull is returned when the peer does not read fast enough and
	// the outbound queue passed its byte limit; the link is then closed.
	ErrQueueFull = errors.New("link: outbound queue full")
)
