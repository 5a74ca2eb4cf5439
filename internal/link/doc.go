// Package link is the wire protocol between the portal and the game server.
//
// The portal listens; the game server dials. The handshake
// ([Conn.PortalHandshake], [Conn.ServerHandshake]) proves to each side
// that the other knows the link's [Secret] before either says anything
// about itself; then both exchange [Message] frames. A frame is a 4-byte
// big-endian length, one opcode byte and a body: JSON for the handshake
// (so that peers of any two versions can read each other's version), a
// compact binary encoding for everything after it (codec.go). There is no
// 64 KiB payload limit, only [Config.MaxFrame] as a guard against garbage,
// and [HandshakeMaxFrame] before the peer has authenticated.
//
// The opcodes are Evennia's AMP operations (PCONN, PDISCONN, PSYNC, SSYNC,
// SLOGIN, ...) as typed [Op] constants, plus data in both directions.
//
// A [Conn] owns one reader (the caller of [Conn.Recv]) and one writer
// goroutine that batches queued frames into few syscalls. Sends never
// block on the network: they enqueue, and the writer flushes whatever
// has accumulated whenever it wakes.
//
// The package is a leaf: it imports nothing from the project.
package link
