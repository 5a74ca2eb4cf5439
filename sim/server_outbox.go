package sim

import "github.com/portalsim/portalsim/internal/link"

// The server keeps what it sends the portal in a link.Outbox, the same
// delivery promise the portal keeps: every message is kept until the
// portal acknowledges having processed it. If the link is cut while this
// process keeps running (bug 5.20), the portal says, in its PSYNC reply,
// how many messages of the lost link it processed; the rest (an SLOGIN,
// the answer to a command) is sent again, in order, on the new link.

// maxUnacked bounds the messages the server keeps for a resend. A portal
// acknowledges every ackInterval, so only a portal that never does
// (an old or a broken one) reaches it; the oldest are then given up,
// counted and logged.
const maxUnacked = 1 << 16

// resendable reports whether a message is kept for a resend. Link
// bookkeeping (ACK, the PSYNC request, errors) and restart requests
// belong to the link they were sent on.
func resendable(op link.Op) bool {
	switch op {
	case link.OpAck, link.OpPortalSync, link.OpError, link.OpHello,
		link.OpServerReload, link.OpServerReset:
		return false
	}
	return true
}
