package dummyrunner

import "errors"

var (
	// ErrUnknownProfile is returned for a profile name that is neither built in nor a file.
	ErrUnknownProfile = errors.New("unknown profile")
	// ErrInvalidProfile wraps the problems of a profile file.
	ErrInvalidProfile = errors.New("invalid profile")
	// ErrInvalidScenario wraps the problems of a scenario file.
	ErrInvalidScenario = errors.New("invalid scenario")
	// ErrMalformedMessage is a websocket message from the server that a
	// dummy player cannot read: dropped and counted in the report's
	// transport wire figures.
	ErrMalformedMessage = errors.New("malformed websocket message")
)
