package bench

import "errors"

// ErrInvalidConfig marks a bench configuration refused before anything
// ran (a bad number, an unknown target).
var ErrInvalidConfig = errors.New("invalid bench configuration")

// ErrLost is returned with the result when a target lost players or
// commands: its figures are not of the load asked for.
var ErrLost = errors.New("a target lost players or commands")
