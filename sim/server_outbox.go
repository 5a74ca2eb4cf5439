package sim

import "github.com/portalsim/portalsim/internal/link"

// maxUnacked bounds the messages the server keeps for a resend. A portal
// acknowledges every few milliseconds, so only a portal that never does
// (an old or a broken one) reaches it; the oldest are then given up,
// counted and logged.
const maxUnacked = 1 << 16

// outMsg is one message kept for a resend: sent on link (n is its number
// there) and not yet acknowledged, or not sent at all (link 0).
type outMsg struct {
	msg  link.Message
	link uint64
	n    uint64
}

// outbox is the server's side of the link's delivery promise, the mirror
// of the portal's: every message for the portal is kept until the portal
// acknowledges having processed it. If the link is cut while this
// process keeps running (bug 5.20), the portal says, in its PSYNC reply,
// how many messages of the lost link it processed; the rest (an SLOGIN,
// the answer to a command) is sent again, in order, on the new link.
// Owned by the server's event loop.
type outbox struct {
	link    uint64 // the current link's number (the portal's Hello.Link); 0 when none
	sentN   uint64 // messages sent on the current link, every op counted (the portal counts them all)
	kept    []outMsg
	dropped uint64 // kept messages given up at maxUnacked
}

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

// sent records m as sent on the current link.
func (o *outbox) sent(m link.Message) {
	o.sentN++
	if resendable(m.Op) {
		o.keep(outMsg{msg: m, link: o.link, n: o.sentN})
	}
}

// unsent records m as not sent: no link, or the link died under it.
func (o *outbox) unsent(m link.Message) {
	if resendable(m.Op) {
		o.keep(outMsg{msg: m})
	}
}

func (o *outbox) keep(m outMsg) {
	if len(o.kept) >= maxUnacked {
		clear(o.kept[:1])
		o.kept = o.kept[1:]
		o.dropped++
	}
	o.kept = append(o.kept, m)
}

// ack forgets the messages the portal processed on link: n of them.
func (o *outbox) ack(lnk, n uint64) {
	i := 0
	for i < len(o.kept) && o.kept[i].link == lnk && lnk != 0 && o.kept[i].n <= n {
		i++
	}
	if i == 0 {
		return
	}
	clear(o.kept[:i])
	o.kept = o.kept[i:]
	if len(o.kept) == 0 {
		o.kept = nil
	}
}

// take returns what is still to be sent after the portal processed n
// messages of link lnk, oldest first, and empties the outbox. Messages
// numbered on an earlier link are kept too: the portal cannot say what
// became of them, so they are sent again (at least once).
func (o *outbox) take(lnk, n uint64) []outMsg {
	var out []outMsg
	for _, m := range o.kept {
		if lnk != 0 && m.link == lnk && m.n <= n {
			continue
		}
		out = append(out, m)
	}
	o.kept = nil
	return out
}

// reset forgets everything: the sessions these messages were for belong
// to a portal run that is gone.
func (o *outbox) reset() {
	o.kept = nil
}
