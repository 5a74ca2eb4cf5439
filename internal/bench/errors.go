package bench

import "errors"

// ErrInvalidConfig marks a bench configuration refused before anything
// ran (a bad number, an unknown target).
var ErrInvalidConfig = errors.New("invalid bench configuration")

// ErrLost is returned with the result when a target lost players or
// commands: its figures are not of the load asked for.
var ErrLost = errors.New("a target lost players or commands")

// ErrNoWebsocketDoor marks a target measured over websocket that has no
// websocket door the bench knows of.
var ErrNoWebsocketDoor = errors.New("no websocket door")
