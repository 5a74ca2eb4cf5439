package portal

import "errors"

var (
	// ErrServerClosed is returned by [Portal.Serve] after [Portal.Shutdown] or [Portal.Close].
	ErrServerClosed = errors.New("portal: server closed")
	// ErrUnknownProtocol is returned by [Handler.ServerConnect] for a factory name not in the registry.
	ErrUnknownProtocol = errors.New("portal: unknown protocol")
	// ErrUnknownSession is returned for an operation naming a sessid the portal does not have.
	ErrUnknownSession = errors.New("portal: unknown session")
	// ErrInvalidConfig wraps the problems found by [Config] validation.
	ErrInvalidConfig = errors.New("portal: invalid config")
)

// errDoorHandshakes is why a TLS or SSH connection is refused at once
// (see Portal.enterHandshake).
var errDoorHandshakes = errors.New("too many connections in their handshake")
