package floor

import "errors"

// ErrClosed is returned by Start after Close, and by the Relay's Wait
// when it was closed on purpose.
var ErrClosed = errors.New("floor: closed")

// ErrBackendLost is the Relay's Wait error when its backend connection
// to the echo broke: every client was closed with it.
var ErrBackendLost = errors.New("floor: backend connection lost")

// ErrBadFrame is returned by ParseFrame for a line that is not a frame.
var ErrBadFrame = errors.New("floor: bad frame")
