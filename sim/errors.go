package sim

import "errors"

var (
	// ErrReload is returned by [Server.Run] when the game asked to restart
	// (the in-game reload, [Server.Reload], or an SRELOAD/SRESET from the portal).
	ErrReload = errors.New("sim: reload requested")
	// ErrInvalidConfig wraps the problems found in a [Config].
	ErrInvalidConfig = errors.New("sim: invalid config")
	// ErrRunTwice is returned by a second call of [Server.Run]: a server
	// runs once; after a reload, a new one takes over.
	ErrRunTwice = errors.New("sim: server already ran")
)
