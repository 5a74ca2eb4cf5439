package portal

import "fmt"

// SessionState is where a session is in its life.
//
// Transitions (each made in exactly one place, see session.go):
//
//	StateQueued    -> StateConnected  throttle released it; PCONN sent (or held)
//	StateQueued    -> StateLoggedIn   the same, for a session logged in from the start (LoggedInProtocol);
//	                                  a held PCONN goes at HandshakeDone, in either state
//	StateQueued    -> StateClosed     closed while queued; the server never heard of it, no PDISCONN
//	StateConnected -> StateLoggedIn   SLOGIN from the server, or an SSYNC saying logged in
//	StateConnected -> StateClosed     any close; exactly one PDISCONN
//	StateLoggedIn  -> StateConnected  an SSYNC saying not logged in
//	StateLoggedIn  -> StateClosed     any close; exactly one PDISCONN
//
// A session not logged in (queued or connected) has a login timer
// running (Config.LoginTimeout), except a queued one logged in from the
// start (LoggedInProtocol), which never had one; the move to StateLoggedIn stops it, the
// move back starts it anew (Handler.setLoggedInLocked).
type SessionState int32

const (
	// StateQueued: waiting in the connect throttle's queue.
	StateQueued SessionState = iota
	// StateConnected: released to the server, not logged in.
	StateConnected
	// StateLoggedIn: the server authenticated it.
	StateLoggedIn
	// StateClosed: gone; final.
	StateClosed
)

// String returns the state's name.
func (s SessionState) String() string {
	switch s {
	case StateQueued:
		return "queued"
	case StateConnected:
		return "connected"
	case StateLoggedIn:
		return "logged-in"
	case StateClosed:
		return "closed"
	}
	return fmt.Sprintf("SessionState(%d)", int32(s))
}

// CloseReason records why a session ended.
type CloseReason int

const (
	// ReasonNone: not closed.
	ReasonNone CloseReason = iota
	// ReasonClientQuit: the client closed its socket.
	ReasonClientQuit
	// ReasonServerDisconnect: the game server disconnected it (SDISCONN).
	ReasonServerDisconnect
	// ReasonServerDisconnectAll: the game server disconnected everyone (SDISCONNALL).
	ReasonServerDisconnectAll
	// ReasonServerSync: a clean SSYNC did not include it.
	ReasonServerSync
	// ReasonPortalShutdown: the portal is shutting down.
	ReasonPortalShutdown
	// ReasonIdleTimeout: no input for longer than the idle timeout.
	ReasonIdleTimeout
	// ReasonSlowConsumer: its outbound buffer overflowed.
	ReasonSlowConsumer
	// ReasonReadError: the socket failed on read.
	ReasonReadError
	// ReasonWriteError: the socket failed on write.
	ReasonWriteError
	// ReasonProtocolError: the client broke the protocol beyond repair.
	ReasonProtocolError
	// ReasonLoginTimeout: not logged in within Config.LoginTimeout.
	ReasonLoginTimeout
	// ReasonAddressLimit: refused at connect, its address had
	// Config.MaxSessionsPerAddress sessions already.
	ReasonAddressLimit
	// ReasonConnectionLost: the connection ended without a goodbye (a
	// websocket without a close frame, 1006).
	ReasonConnectionLost
)

var reasonNames = [...]string{
	ReasonNone:                "none",
	ReasonClientQuit:          "client-quit",
	ReasonServerDisconnect:    "server-disconnect",
	ReasonServerDisconnectAll: "server-disconnect-all",
	ReasonServerSync:          "server-sync",
	ReasonPortalShutdown:      "portal-shutdown",
	ReasonIdleTimeout:         "idle-timeout",
	ReasonSlowConsumer:        "slow-consumer",
	ReasonReadError:           "read-error",
	ReasonWriteError:          "write-error",
	ReasonProtocolError:       "protocol-error",
	ReasonLoginTimeout:        "login-timeout",
	ReasonAddressLimit:        "address-limit",
	ReasonConnectionLost:      "connection-lost",
}

// String returns the reason's stable name, used in logs and reports.
func (r CloseReason) String() string {
	if r >= 0 && int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return fmt.Sprintf("CloseReason(%d)", int(r))
}
