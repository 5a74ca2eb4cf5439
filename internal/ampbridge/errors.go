package ampbridge

import "errors"

var (
	// ErrValue is returned for a value that has no counterpart on the
	// other side: a Go type the link carries but Python cannot (or the
	// reverse), or a number out of range. The error names the value.
	ErrValue = errors.New("ampbridge: value without counterpart")
	// ErrNoCounterpart is returned for a message or operation that the
	// other side has no equivalent of (the link's ACK, HELLO and ERROR,
	// Evennia's launcher operations, ...): the bridge handles it itself.
	ErrNoCounterpart = errors.New("ampbridge: message without counterpart")
	// ErrUnexpected is returned for a message that the sender should not
	// send in this direction (a PCONN from the Server, an SLOGIN from the
	// portal, ...) or whose payload lacks what its operation needs.
	ErrUnexpected = errors.New("ampbridge: unexpected message")
)
