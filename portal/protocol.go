package portal

import (
	"context"

	"github.com/portalsim/portalsim/internal/link"
)

// OutputFunc is a protocol's handler for one output command (Evennia's send_<cmd>).
type OutputFunc func(args []any, kwargs map[string]any)

// Protocol is one connection's transport, as the [Handler] sees it.
// Methods may be called from any goroutine; they must not block on the
// network (queue and return).
type Protocol interface {
	// Key is Evennia's protocol_key: "telnet", "telnet/ssl", "websocket", ...
	Key() string
	// Address is the client's address.
	Address() string
	// Output returns the protocol's handler for the lower-case command name, or nil.
	Output(cmd string) OutputFunc
	// SendDefault handles an output command without its own handler.
	SendDefault(cmd link.Command)
	// Close sends message (if not empty) and closes the connection. It must
	// be idempotent and must not call back into the handler synchronously.
	Close(message string)
}

// SessionBinder is an optional interface of a [Protocol] that keeps its
// [*Session]. [Handler.Connect] calls Bind before it admits the session
// to the connect throttle, so before anything (a release, output, a
// close) can reach the protocol from another goroutine: the protocol must
// not take the session from Connect's result instead, which may come too late.
type SessionBinder interface {
	Bind(s *Session)
}

// LoggedInProtocol is an optional interface of a [Protocol] whose session
// is logged in from the start: an outbound bot the game server started
// (SCONN) for one of its accounts, as Evennia's IRC bot sets uid and
// logged_in before it connects. [Handler.Connect] gives its session the
// account's uid and logged_in, and no login timer (Config.LoginTimeout):
// the session's PCONN says it is logged in, and the server logs the
// account in (Evennia's portal_connect). A uid of 0 or less is ignored:
// the session starts as any other.
type LoggedInProtocol interface {
	Protocol
	// AccountUID is the uid of the account the session is logged in to.
	AccountUID() int64
}

// ProtocolFactory starts an outbound protocol for [Handler.ServerConnect]
// (Evennia's SCONN: IRC, RSS, ... bots). It must call [Handler.Connect]
// like any other protocol. config comes from the game server. ctx ends
// when the portal closes; a factory starts its goroutines with
// [Handler.Go], so that the portal's Close waits for them.
type ProtocolFactory func(ctx context.Context, h *Handler, config map[string]any) error
