package webclient

import "errors"

var (
	// ErrMalformed is returned for a message that is not of its format
	// (bad JSON, a command name that is not a string, ...).
	ErrMalformed = errors.New("malformed websocket message")
	// ErrTooDeep is returned for a JSON message nested deeper than
	// [MaxDepth].
	ErrTooDeep = errors.New("websocket message nested too deep")
)
