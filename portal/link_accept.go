package portal

import (
	"errors"
	"net"
	"os"

	"github.com/portalsim/portalsim/internal/link"
)

// Before a game server has proven that it knows the link secret, it is
// anyone on the machine: it may hold only one of a few handshake slots
// (Config.MaxLinkHandshakes), send only handshake-sized frames, and must
// be done within Config.LinkHandshakeTimeout. It learns nothing but the
// protocol version and a random challenge; the portal's run id, pid and
// sessions come after it has authenticated (see link.Conn.PortalHandshake).

func (p *Portal) acceptLinks() {
	p.acceptLoop("link", p.linkLn, func(nc net.Conn) {
		select {
		case p.linkSlots <- struct{}{}:
		default:
			_ = nc.Close()
			p.refusals.log(p.log, "link.refused", nc.RemoteAddr().String(), errTooManyHandshakes)
			p.up.refused.Add(1) // after the log line: a test that sees the count finds the line
			return
		}
		if !p.goSafe(func() { p.serveLink(nc) }) {
			<-p.linkSlots
			_ = nc.Close() // Close has begun
		}
	})
}

// errTooManyHandshakes is why a link connection over the handshake limit is closed.
var errTooManyHandshakes = errors.New("too many link connections in their handshake")

// handshakeLink authenticates c's peer, holding a handshake slot
// meanwhile, and attaches it as the game server (done is closed once its
// link is detached). A peer that fails is counted, logged and closed;
// false then.
func (p *Portal) handshakeLink(c *link.Conn, done <-chan struct{}) (linkN uint64, peer link.Hello, ok bool) {
	linkN = p.links.Add(1)
	mine := link.Hello{RunID: p.runID, PID: os.Getpid(), Started: p.h.started, Link: linkN, Timeout: max(p.cfg.LinkTimeout, 0)}
	admitted := false
	peer, err := c.PortalHandshake(p.ctx, p.cfg.LinkSecret, mine, func(peer link.Hello) error {
		err := p.up.admit(c, peer)
		admitted = err == nil
		if err != nil {
			p.busyLog.log(p.log, "link.server.refused", c.RemoteAddr().String(), err)
			p.up.busy.Add(1) // before the server is told: it may look at once
		}
		return err
	})
	<-p.linkSlots
	switch {
	case err == nil:
		if err := p.up.attach(c, done, peer, linkN); err != nil {
			p.log.Warn("link.server.refused", "remote", c.RemoteAddr().String(), "err", err)
			return 0, peer, false
		}
		return linkN, peer, true
	case admitted:
		p.up.release(c)
	case p.ctx.Err() != nil:
	case errors.Is(err, link.ErrRefused): // counted and logged in admit
	default:
		p.refusals.log(p.log, "link.refused", c.RemoteAddr().String(), err)
		p.up.refused.Add(1)
	}
	return 0, peer, false
}
