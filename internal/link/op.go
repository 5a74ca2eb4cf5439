package link

import "fmt"

// Op is a link operation code. The names follow Evennia's AMP operations.
type Op uint8

// The operations. Numbering is our own and part of [Version].
const (
	// OpHello is every frame of the handshake (see [Conn.PortalHandshake]);
	// it never comes after.
	OpHello Op = iota + 1
	// OpPortalConnect (PCONN): the portal released a new session to the server.
	OpPortalConnect
	// OpPortalDisconnect (PDISCONN): a session closed on the portal side.
	OpPortalDisconnect
	// OpPortalDisconnectAll (PDISCONNALL): the portal is shutting down; every session goes.
	OpPortalDisconnectAll
	// OpPortalConnSync (PCONNSYNC): protocol-side fields of one session changed (negotiation, resize).
	OpPortalConnSync
	// OpPortalSync (PSYNC): the server announces itself; the portal answers with every session.
	OpPortalSync
	// OpServerLogin (SLOGIN): the server authenticated a session.
	OpServerLogin
	// OpServerDisconnect (SDISCONN): the server closes one session.
	OpServerDisconnect
	// OpServerDisconnectAll (SDISCONNALL): the server closes every session.
	OpServerDisconnectAll
	// OpServerSync (SSYNC): the server pushes session data to the portal, optionally cleaning stale sessions.
	OpServerSync
	// OpServerConnect (SCONN): the server asks the portal to open an outbound protocol.
	OpServerConnect
	// OpServerReload (SRELOAD): the server is about to restart, keeping sessions.
	OpServerReload
	// OpServerReset (SRESET): like reload, with cold-start hooks.
	OpServerReset
	// OpServerShutdown (SSHUTD): the server stops; the portal keeps its sessions.
	OpServerShutdown
	// OpPortalShutdown (PSHUTD): stop the server and then the portal.
	OpPortalShutdown
	// OpDataIn (MsgPortal2Server): input from a session to the server.
	OpDataIn
	// OpDataOut (MsgServer2Portal): output from the server to a session,
	// or to several ([Message.Sessids]).
	OpDataOut
	// OpError reports a request the receiver could not handle; the link stays up.
	OpError
	// OpAck (both ways) says how many messages the sender has processed
	// on this link ([Message.Seen]); the receiver keeps every later one
	// and sends it again if the link dies: the portal to whichever server
	// links next, a server to the same portal run when it links again.
	OpAck

	opEnd // one past the last valid op
)

var opNames = [...]string{
	OpHello:               "HELLO",
	OpPortalConnect:       "PCONN",
	OpPortalDisconnect:    "PDISCONN",
	OpPortalDisconnectAll: "PDISCONNALL",
	OpPortalConnSync:      "PCONNSYNC",
	OpPortalSync:          "PSYNC",
	OpServerLogin:         "SLOGIN",
	OpServerDisconnect:    "SDISCONN",
	OpServerDisconnectAll: "SDISCONNALL",
	OpServerSync:          "SSYNC",
	OpServerConnect:       "SCONN",
	OpServerReload:        "SRELOAD",
	OpServerReset:         "SRESET",
	OpServerShutdown:      "SSHUTD",
	OpPortalShutdown:      "PSHUTD",
	OpDataIn:              "DATAIN",
	OpDataOut:             "DATAOUT",
	OpError:               "ERROR",
	OpAck:                 "ACK",
}

// String returns Evennia's name for the operation.
func (o Op) String() string {
	if o.Valid() {
		return opNames[o]
	}
	return fmt.Sprintf("OP(%d)", uint8(o))
}

// Valid reports whether o is a known operation.
func (o Op) Valid() bool { return o >= OpHello && o < opEnd }
